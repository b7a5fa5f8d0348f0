import { createHash } from 'node:crypto';
import { TwitchCredentials } from './helix.types';
import { TwitchCredentialsError } from './twitch.errors';

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

/** Asks Twitch for a new app token (client-credentials grant). */
export type TokenIssuer = (credentials: TwitchCredentials) => Promise<IssuedToken>;

interface CachedToken {
  accessToken: string;
  /** Renew from this epoch ms on, a little before Twitch's expiry. */
  renewAt: number;
}

/** Renew when a tenth of the lifetime is left, at most five minutes before expiry. */
export function renewAtFor(now: number, expiresInSeconds: number): number {
  const lifetimeMs = Math.max(0, expiresInSeconds) * 1000;
  return now + lifetimeMs - Math.min(5 * 60 * 1000, lifetimeMs / 10);
}

/**
 * App tokens in process memory, one per (client id, secret). Tokens are secrets and cheap to
 * get, so they are never written to Redis; each worker process holds its own.
 *
 * - One request for a token at a time per credential: concurrent jobs wait for the same answer.
 * - The secret is part of the key (hashed), so a streamer whose secret changed gets a new token
 *   instead of a cached one that hides that the new secret is wrong.
 * - A rejection is remembered for a minute: fifty streamers on one bad credential cost one call to
 *   Twitch, not fifty, and a retried job does not hammer the token endpoint.
 */
export class TwitchTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly rejected = new Map<string, { error: TwitchCredentialsError; until: number }>();

  constructor(
    private readonly issue: TokenIssuer,
    private readonly now: () => number = Date.now,
    private readonly rejectionTtlMs = 60_000,
  ) {}

  /** A valid token for these credentials, asking Twitch only when there is none. */
  async get(credentials: TwitchCredentials): Promise<string> {
    const key = cacheKey(credentials);
    const cached = this.tokens.get(key);
    if (cached && cached.renewAt > this.now()) return cached.accessToken;

    const rejection = this.rejected.get(key);
    if (rejection && rejection.until > this.now()) throw rejection.error;

    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(key, credentials).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  /**
   * Forgets `accessToken` after Twitch refused it. A token that was already replaced (another
   * request saw the 401 first) is left alone, so concurrent 401s cause one renewal, not many.
   */
  invalidate(credentials: TwitchCredentials, accessToken: string): void {
    const key = cacheKey(credentials);
    if (this.tokens.get(key)?.accessToken === accessToken) this.tokens.delete(key);
  }

  private async fetch(key: string, credentials: TwitchCredentials): Promise<string> {
    try {
      const issued = await this.issue(credentials);
      this.rejected.delete(key);
      this.tokens.set(key, {
        accessToken: issued.accessToken,
        renewAt: renewAtFor(this.now(), issued.expiresInSeconds),
      });
      return issued.accessToken;
    } catch (error) {
      if (error instanceof TwitchCredentialsError) {
        this.tokens.delete(key);
        this.rejected.set(key, { error, until: this.now() + this.rejectionTtlMs });
      }
      throw error;
    }
  }
}

function cacheKey(credentials: TwitchCredentials): string {
  const secretHash = createHash('sha256').update(credentials.clientSecret).digest('hex');
  return `${credentials.clientId}\u0000${secretHash}`;
}
