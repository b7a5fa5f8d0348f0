import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, ErrorKind, FieldProblem, ValidationFailedError } from './domain.error';
import { isDatabaseUnavailable } from './unavailable';

/** The one shape of every error answer. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  detail: string;
  errors?: FieldProblem[];
}

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

/**
 * Turns anything thrown while serving a request into the public error body. Returns undefined for
 * errors nobody anticipated: the caller logs those and answers a bare 500.
 */
export function toErrorBody(error: unknown): ErrorBody | undefined {
  if (error instanceof DomainError) {
    const body: ErrorBody = {
      statusCode: STATUS_BY_KIND[error.kind],
      code: error.code,
      detail: error.message,
    };
    if (error instanceof ValidationFailedError) body.errors = error.problems;
    return body;
  }
  // Nest's own exceptions: unknown routes, and Fastify's request errors (body too large,
  // unsupported media type), which Nest wraps in an HttpException with Fastify's status.
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) return undefined;
    return {
      statusCode: status,
      code: CODE_BY_STATUS[status] ?? 'error',
      detail: httpDetail(error),
    };
  }
  return undefined;
}

/**
 * The answer for a request that failed because a dependency is down, or undefined when that is
 * not why it failed. Separate from toErrorBody because these are worth a log line (the operator
 * must know), and from the 500 path because they are not bugs.
 */
export function unavailableErrorBody(error: unknown): ErrorBody | undefined {
  if (!isDatabaseUnavailable(error)) return undefined;
  return {
    statusCode: HttpStatus.SERVICE_UNAVAILABLE,
    code: 'database_unavailable',
    detail: 'The database is unavailable; try again shortly',
  };
}

export const INTERNAL_ERROR_BODY: ErrorBody = {
  statusCode: 500,
  code: 'internal_error',
  detail: 'Internal server error',
};

function httpDetail(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return error.message;
}
