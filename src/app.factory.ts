import helmet from '@fastify/helmet';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { httpDuration, httpRequests } from './metrics/metrics.registry';
import { DomainError } from './common/errors/domain.error';
import { replyWithError } from './common/filters/all-exceptions.filter';
import { jsonInputProblem } from './common/json-input';
import { ConnectionCap } from './common/net/connection-cap';
import { requestIdFor } from './common/logging';
import { ROUTE_BODY_LIMIT } from './common/route-body-limit';
import { createValidationPipe } from './common/validation';
import { AppConfig, AppSection } from './config/configuration';

/** Bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Fastify as Nest sets it up, except that a JSON syntax error is our own 400 with a stable code. */
class ClipadorFastifyAdapter extends FastifyAdapter {
  override registerParserMiddleware(prefix?: string, rawBody?: boolean): void {
    super.registerParserMiddleware(prefix, rawBody);
    const instance = this.getInstance();
    // JSON only: a form or text body is answered 415. A cross-site page can send those without a
    // CORS preflight; JSON it cannot.
    instance.removeContentTypeParser(['application/json', 'application/x-www-form-urlencoded']);
    if (instance.hasContentTypeParser('text/plain')) instance.removeContentTypeParser('text/plain');
    const parseJson = instance.getDefaultJsonParser('error', 'error');
    instance.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
      (request, body, done) =>
        parseJson(request, body as string, (error, value) => {
          if (error) {
            return done(new DomainError('invalid', 'malformed_json', malformedJsonDetail(error)));
          }
          const problem = jsonInputProblem(value);
          return problem ? done(problem) : done(null, value);
        }),
    );
  }
}

/**
 * Fastify's parser already says "Body is not valid JSON but content-type is set to …" for a
 * syntax error (without quoting the body); other refusals (a `__proto__` key) get the prefix.
 */
function malformedJsonDetail(error: Error): string {
  return error.message.startsWith('Body is not valid JSON')
    ? error.message
    : `Body is not valid JSON: ${error.message}`;
}

/**
 * The HTTP server with its limits (README "Security model"): a request must arrive whole within
 * CLIPADOR_HTTP_REQUEST_TIMEOUT_MS (checked every second, so a trickled body is cut soon after),
 * its headers within CLIPADOR_HTTP_HEADERS_TIMEOUT_MS; an idle socket is closed after
 * CLIPADOR_HTTP_IDLE_TIMEOUT_MS and an idle keep-alive one after CLIPADOR_HTTP_KEEP_ALIVE_TIMEOUT_MS;
 * at most CLIPADOR_HTTP_MAX_CONNECTIONS sockets are open at once. None of these limits how long
 * an answer may stream once the request is in. Live-feed streams (PRODUCT §17) are counted apart,
 * up to CLIPADOR_HTTP_MAX_STREAM_CONNECTIONS, and switch their socket's idle timeout off
 * (src/common/net/connection-cap.ts).
 * The client address (`request.ip`) is the socket's, or what CLIPADOR_TRUST_PROXY allows.
 */
export function createFastifyAdapter(app: AppSection): FastifyAdapter {
  const { http } = app;
  const adapter = new ClipadorFastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    requestIdHeader: false,
    // Nest installs its own request logging (nestjs-pino); Fastify's would log each line twice.
    logger: false,
    trustProxy: app.trustProxy,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: http.idleTimeoutMs,
    http: {
      requestTimeout: http.requestTimeoutMs,
      headersTimeout: Math.min(http.headersTimeoutMs, http.requestTimeoutMs),
      connectionsCheckingInterval: 1_000,
    },
  });
  new ConnectionCap(http.maxConnections, http.maxStreamConnections).install(
    adapter.getInstance().server,
  );
  adapter.getInstance().addHook('onRoute', (route) => {
    const limit = (route.config as Record<string, unknown> | undefined)?.[ROUTE_BODY_LIMIT];
    if (typeof limit === 'number') route.bodyLimit = limit;
  });
  return adapter;
}

/** A POST or PUT without a body: Content-Length 0, or neither it nor Transfer-Encoding. */
function hasNoBody(headers: Record<string, string | string[] | undefined>): boolean {
  return (
    headers['transfer-encoding'] === undefined &&
    (headers['content-length'] === undefined || headers['content-length'] === '0')
  );
}

/**
 * Everything the HTTP app needs beyond its modules: the same in production and in the e2e tests,
 * so the tests exercise the real error shape, validation, CORS and headers.
 */
export async function configureHttpApp(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<void> {
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableCors({
    origin: config.app.corsOrigins,
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id'],
    maxAge: 600,
  });
  await app.register(helmet, {
    // Swagger UI at /docs needs inline styles and scripts; everything else is JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        scriptSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    // A NUL byte is never valid in our paths or query strings, and PostgreSQL refuses it in text.
    if (request.url.includes('%00')) {
      return replyWithError(
        new DomainError('invalid', 'nul_byte', 'The URL must not contain NUL (%00) characters'),
        request,
        reply,
      );
    }
    // A body-less POST (the dashboard's logout, a sync) is fine whatever Content-Type it names:
    // there is nothing to parse, so nothing to refuse.
    if (request.headers['content-type'] !== undefined && hasNoBody(request.headers)) {
      delete request.raw.headers['content-type'];
    }
    done();
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
    // Tokens and what only a logged-in caller may see are never kept by a browser or a proxy.
    if (
      !reply.hasHeader('cache-control') &&
      (request.headers.authorization !== undefined || request.url.startsWith('/auth/'))
    ) {
      void reply.header('Cache-Control', 'no-store');
    }
  });
  // Metrics by route pattern (never the raw URL: ids and query strings would explode the labels).
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    httpRequests.inc({ route, method, status: String(reply.statusCode) });
    httpDuration.observe({ route, method }, reply.elapsedTime / 1000);
  });

  if (!config.app.docs) return;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Clipador API')
      .setDescription('Clip bursts detected on monitored Twitch channels.')
      .setVersion('1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
}

/** The HTTP service (role `api`), ready to listen. */
export async function createHttpApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createFastifyAdapter(config.app),
    { bufferLogs: true },
  );
  await configureHttpApp(app, config);
  return app;
}

/** A process without HTTP (roles `worker` and/or `scheduler` only). */
export async function createHeadlessApp(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  return app;
}
