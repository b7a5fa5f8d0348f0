import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../errors/rate-limited.error';
import { redactUrl } from '../logging';
import { INTERNAL_ERROR_BODY, toErrorBody, unavailableErrorBody } from '../errors/error-response';

const logger = new Logger('ErrorHandler');

/**
 * Answers an error in the one public shape `{statusCode, code, detail}`. Expected errors are
 * answered as they are; a dependency that is down (the database) is a 503, logged as a warning;
 * anything else is logged once, with the request id, and answered as a bare 500 — never with a
 * stack trace.
 */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const body = toErrorBody(error);
  if (body) {
    if (error instanceof RateLimitedError) {
      void reply.header('Retry-After', String(error.retryAfterSeconds));
    }
    void reply.status(body.statusCode).send(body);
    return;
  }
  const unavailable = unavailableErrorBody(error);
  if (unavailable) {
    logger.warn(
      {
        err: (error as Error).message,
        reqId: request.id,
        method: request.method,
        url: redactUrl(request.url),
      },
      'request_dependency_unavailable',
    );
    void reply.status(unavailable.statusCode).send(unavailable);
    return;
  }
  logger.error(
    {
      err: describeError(error),
      reqId: request.id,
      method: request.method,
      url: redactUrl(request.url),
    },
    'request_failed',
  );
  void reply.status(500).send(INTERNAL_ERROR_BODY);
}

/**
 * What of an unexpected error goes into the log: never the whole object. A TypeORM query error
 * carries its bound values (password hashes, encrypted secrets), and other libraries attach
 * request configs with headers.
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code } = error as { code?: unknown };
  return { type: error.name, message: error.message, code, stack: error.stack };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    replyWithError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
