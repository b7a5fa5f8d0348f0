import { types } from 'node:util';

/**
 * Errors that say "the database cannot be reached right now" rather than "this request is wrong"
 * or "this code is wrong": a refused or cut connection, a pool that could not connect in time,
 * or PostgreSQL shutting down or still starting up. A request that meets one is answered 503 (try
 * again), not 500, and a job that meets one fails and is retried.
 */

/** SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutting down, starting up). */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123])$/;
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres and pg-pool report these without a code. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  // TypeORM wraps driver errors (QueryFailedError.driverError); some errors carry a cause.
  let current: unknown = error;
  // isNativeError, not instanceof: socket errors come from Node's own realm, which is not the
  // code's under jest's module sandbox.
  for (let depth = 0; isError(current) && depth < 3; depth++) {
    const { code, message } = current as Error & { code?: unknown };
    if (typeof code === 'string') {
      if (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET_CODES.has(code)) return true;
    }
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    const wrapped = current as { driverError?: unknown; cause?: unknown };
    current = wrapped.driverError ?? wrapped.cause;
  }
  return false;
}

function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}
