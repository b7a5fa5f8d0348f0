import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { Options } from 'pino-http';
import type { AppSection } from '../config/configuration';
import { currentLogFields } from './log-context';

/**
 * Paths pino blanks before a line is written. Secrets can reach a log line through headers, request
 * bodies echoed in errors, or objects a developer logs whole; each way is covered here.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["security-token"]',
  '*.headers["security-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.clientSecret',
  '*.client_twitch_client_secret',
  '*.clientTwitchClientSecret',
  '*.headers.authorization',
  '*.headers.Authorization',
];

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** Query parameters whose values are credentials (the live feed's `ticket`, any token). */
const SECRET_QUERY_PARAM =
  /([?&](?:[\w.-]*token|ticket|password|secret|api_?key|key|code|signature|sig)=)[^&#]*/gi;

/** A URL as it may be logged: credentials in its query string replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_QUERY_PARAM, '$1[redacted]') : url;
}

/**
 * A request keeps the id its caller sent in `X-Request-Id` (when sane), else gets a new one.
 * The id is stored on the raw request so that Fastify and pino-http agree on it.
 */
export function requestIdFor(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  const id = typeof sent === 'string' && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID();
  (request as IncomingMessage & { id: string }).id = id;
  return id;
}

/**
 * The service logs to stdout. The CLI passes `stderr`, keeping stdout for its own report so that
 * `cli seed … > report.txt` stays clean.
 */
export function buildLoggerOptions(
  app: AppSection,
  stream: 'stdout' | 'stderr' = 'stdout',
): Params {
  const destination = stream === 'stdout' ? 1 : 2;
  const options: Options = {
    level: app.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    genReqId: (request) => request.id ?? requestIdFor(request),
    customProps: () => ({ env: app.env }),
    // A job's ids (withLogFields) on each of its lines, the Twitch client's included.
    mixin: currentLogFields,
    autoLogging: { ignore: (request) => request.url?.startsWith('/health') ?? false },
    // A request line names the request and its outcome; headers (CSP, CORS, authorization…)
    // would make every line hundreds of characters long and are not needed at 3 a.m.
    serializers: {
      req: (request: { id: string; method: string; url: string }) => ({
        id: request.id,
        method: request.method,
        url: redactUrl(request.url),
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
  };
  if (app.env === 'development') {
    const pretty = { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', destination };
    return { pinoHttp: { ...options, transport: { target: 'pino-pretty', options: pretty } } };
  }
  return { pinoHttp: [options, pino.destination({ dest: destination })] };
}
