/**
 * What went wrong, independent of transport. The HTTP filter maps a kind to a status; a job
 * handler uses the same errors to decide whether to retry.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable';

/**
 * Base of every error a service throws on purpose. `code` is a stable machine string that clients
 * may switch on; `message` is the human `detail`.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string | number) {
    super('not_found', `${what.toLowerCase()}_not_found`, `${what} ${id} not found`);
  }
}

/** One offending input field, as validation errors report them. */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationFailedError extends DomainError {
  constructor(readonly problems: FieldProblem[]) {
    super(
      'invalid',
      'validation_failed',
      problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '),
    );
  }
}
