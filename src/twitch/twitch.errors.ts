import { DomainError, ErrorKind } from '../common/errors/domain.error';

/**
 * Everything the Twitch client throws on purpose. `retryable` tells a job handler what to do:
 * true → the same call can succeed later (fail the job, let the queue retry it);
 * false → retrying will not help until a person changes something (skip and report).
 *
 * Messages name the client id (public) and never a secret or a token.
 */
export abstract class TwitchError extends DomainError {
  abstract readonly retryable: boolean;

  protected constructor(
    kind: ErrorKind,
    code: string,
    detail: string,
    readonly clientId: string,
  ) {
    super(kind, code, detail);
  }
}

/**
 * Twitch refused the app's credentials: the token endpoint answered 400/403, or Helix answered 401
 * again right after a fresh token. Kind `invalid` rather than `unauthorized`: if this ever reaches
 * the HTTP API (credentials checked when a streamer is saved) it is a bad input, and a 401 would
 * make the dashboard think its own session expired.
 */
export class TwitchCredentialsError extends TwitchError {
  readonly retryable = false;

  constructor(
    clientId: string,
    readonly status: number,
  ) {
    super(
      'invalid',
      'twitch_credentials_rejected',
      `Twitch rejected the credentials of client id ${clientId} (status ${status})`,
      clientId,
    );
  }
}

/** Twitch kept failing (5xx, network errors, timeouts) through every retry. */
export class TwitchUnavailableError extends TwitchError {
  readonly retryable = true;

  constructor(
    clientId: string,
    what: string,
    attempts: number,
    readonly lastFailure: string,
  ) {
    super(
      'unavailable',
      'twitch_unavailable',
      `Twitch did not answer ${what} for client id ${clientId} after ${attempts} attempts (last: ${lastFailure})`,
      clientId,
    );
  }
}

/** The client id's rate budget stayed empty for longer than the configured wait bound. */
export class TwitchRateLimitedError extends TwitchError {
  readonly retryable = true;

  constructor(
    clientId: string,
    readonly resetAt: Date | undefined,
  ) {
    super(
      'rate_limited',
      'twitch_rate_limited',
      `Twitch rate budget of client id ${clientId} is exhausted` +
        (resetAt ? ` until ${resetAt.toISOString()}` : ''),
      clientId,
    );
  }
}

/**
 * Twitch refused the request itself (a 4xx other than 401/429, e.g. a malformed broadcaster id).
 * Retrying the same request cannot succeed.
 */
export class TwitchRequestError extends TwitchError {
  readonly retryable = false;

  constructor(
    clientId: string,
    what: string,
    readonly status: number,
    twitchMessage: string,
  ) {
    super(
      'invalid',
      'twitch_request_rejected',
      `Twitch refused ${what} for client id ${clientId} (status ${status}${twitchMessage ? `: ${twitchMessage}` : ''})`,
      clientId,
    );
  }
}
