import { DomainError } from './domain.error';

/** A 429 that tells the client when to try again: the error filter sends `Retry-After`. */
export class RateLimitedError extends DomainError {
  constructor(
    code: string,
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', code, detail);
  }
}
