import helmet from '@fastify/helmet';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { httpDuration, httpRequests } from './metrics/metrics.registry';
import { DomainError } from './common/errors/domain.error';
import { requestIdFor } from './common/logging';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/configuration';

/** Bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Fastify as Nest sets it up, except that a JSON syntax error is our own 400 with a stable code. */
class ClipadorFastifyAdapter extends FastifyAdapter {
  override registerParserMiddleware(prefix?: string, rawBody?: boolean): void {
    super.registerParserMiddleware(prefix, rawBody);
    const instance = this.getInstance();
    instance.removeContentTypeParser('application/json');
    const parseJson = instance.getDefaultJsonParser('error', 'error');
    instance.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
      (request, body, done) =>
        parseJson(request, body as string, (error, value) =>
          error
            ? done(new DomainError('invalid', 'malformed_json', malformedJsonDetail(error)))
            : done(null, value),
        ),
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

export function createFastifyAdapter(): FastifyAdapter {
  return new ClipadorFastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    requestIdHeader: false,
    // Nest installs its own request logging (nestjs-pino); Fastify's would log each line twice.
    logger: false,
  });
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
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  // Metrics by route pattern (never the raw URL: ids and query strings would explode the labels).
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    httpRequests.inc({ route, method, status: String(reply.statusCode) });
    httpDuration.observe({ route, method }, reply.elapsedTime / 1000);
  });

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
    createFastifyAdapter(),
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
