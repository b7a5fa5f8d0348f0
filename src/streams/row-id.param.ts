import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ValidationFailedError } from '../common/errors/domain.error';

/** Row ids are PostgreSQL `integer` identity columns: 1 … 2^31 − 1. */
export const MAX_ROW_ID = 2_147_483_647;

/** Parses a path segment into a row id, or throws a 400 in our error shape. */
export function parseRowId(value: unknown, field: string): number {
  const id = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(id >= 1 && id <= MAX_ROW_ID)) {
    throw new ValidationFailedError([
      { field, message: `${field} must be an integer from 1 to ${MAX_ROW_ID}` },
    ]);
  }
  return id;
}

/**
 * A row id from the path, e.g. `@RowIdParam('id') id: number` for `/streams/:id`. Digits only:
 * Nest's ParseIntPipe answers in its own error shape, and a `number` @Param goes through the global
 * pipe's `+value` first, which lets "1e3", " 7" or "0x10" through. A custom decorator gets the raw
 * string, and ids the column cannot hold are refused here instead of by PostgreSQL (a 500).
 */
export const RowIdParam = createParamDecorator((field: string, context: ExecutionContext) => {
  const params = context.switchToHttp().getRequest<FastifyRequest>().params as Record<
    string,
    string | undefined
  >;
  return parseRowId(params[field], field);
});
