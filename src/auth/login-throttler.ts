import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from 'rate-limiter-flexible';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../common/errors/domain.error';
import { RateLimitedError } from '../common/errors/rate-limited.error';
import { clientAddressKey } from '../common/net/client-address';
import { AppConfig } from '../config/configuration';
import { provideStore } from '../redis/provide-store';

/** Longest a throttle counter may take in Redis before the login is answered 503. */
const REDIS_TIMEOUT_MS = 500;
/** First step of the per-username delay; it doubles with each failure past the free ones. */
const DELAY_BASE_MS = 250;

/** Builds one of the throttle's counters: `name` keys it, `points` is its limit in the window. */
export type LoginLimiterFactory = (name: string, points: number) => RateLimiterAbstract;

/** Injection token of the LoginLimiterFactory (Redis counters, or memory without Redis). */
export const LOGIN_LIMITERS = Symbol('LOGIN_LIMITERS');

export const loginLimitersProvider = provideStore<LoginLimiterFactory>(LOGIN_LIMITERS, (config) => {
  const duration = config.get('auth', { infer: true }).loginWindowSeconds;
  const keyPrefix = (name: string) =>
    `${config.get('redis', { infer: true }).prefix}:login:${name}`;
  return {
    redis: (client) => (name, points) =>
      new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({
          keyPrefix: keyPrefix(name),
          points,
          duration,
          storeClient: client,
          rejectIfRedisNotReady: true,
        }),
        timeoutMs: REDIS_TIMEOUT_MS,
      }),
    memory: () => (name, points) =>
      new RateLimiterMemory({ keyPrefix: keyPrefix(name), points, duration }),
  };
});

/** One login attempt, counted before its password is checked. */
export interface LoginAttempt {
  readonly pairKey: string;
  readonly addressKey: string;
  readonly usernameKey: string;
  /** How long this attempt waits before its check (the per-username progressive delay). */
  readonly delayMs: number;
}

/**
 * Login throttling (PRODUCT §6), with rate-limiter-flexible counters: in Redis when it is
 * configured (shared by every API process), in this process's memory otherwise.
 *
 * Every attempt is counted before its password is checked, in one atomic increment per counter,
 * so parallel attempts cannot slip past a limit between a check and a count:
 * - ≤ LOGIN_MAX_FAILURES_PER_USERNAME_ADDRESS per (username, client address) in the window;
 * - ≤ LOGIN_MAX_FAILURES_PER_ADDRESS per client address (a spray across usernames);
 * - per username from every address: past LOGIN_DELAY_FREE_FAILURES a delay before the check that
 *   doubles per failure up to LOGIN_DELAY_MAX_MS. A delay, never a refusal: failures from other
 *   addresses slow the owner's login down but never lock the owner out.
 * A successful login gives its attempt back and clears its (username, address) pair and the
 * username's delay, not the address's count (one success must not reset a spray).
 * IPv6 clients are counted by /64. With Redis configured but unreachable or slow, logins are
 * answered 503: counting in per-process memory instead would multiply the limits by the number of
 * processes and reset them with every restart.
 */
@Injectable()
export class LoginThrottler {
  private readonly logger = new Logger(LoginThrottler.name);
  private readonly byPair: RateLimiterAbstract;
  private readonly byAddress: RateLimiterAbstract;
  private readonly byUsername: RateLimiterAbstract;
  private readonly freeFailures: number;
  private readonly maxDelayMs: number;

  constructor(
    config: ConfigService<AppConfig, true>,
    @Inject(LOGIN_LIMITERS) make: LoginLimiterFactory,
  ) {
    const auth = config.get('auth', { infer: true });
    this.byPair = make('pair', auth.loginMaxFailuresPerUsernameAddress);
    this.byAddress = make('address', auth.loginMaxFailuresPerAddress);
    // Never refuses: it only counts, for the delay.
    this.byUsername = make('username', Number.MAX_SAFE_INTEGER);
    this.freeFailures = auth.loginDelayFreeFailures;
    this.maxDelayMs = auth.loginDelayMaxMs;
  }

  /**
   * Counts an attempt and waits out its delay; throws 429 `too_many_login_attempts` when the pair
   * or the address has used up its attempts, or 503 `login_unavailable` when Redis cannot count.
   */
  async begin(username: string, address: string): Promise<LoginAttempt> {
    const name = username.toLowerCase();
    const client = clientAddressKey(address);
    const attempt = {
      pairKey: `${client}|${name}`,
      addressKey: client,
      usernameKey: name,
    };
    await this.consume(this.byAddress, attempt.addressKey, { username, address: client });
    await this.consume(this.byPair, attempt.pairKey, { username, address: client });
    const counted = await this.store(() => this.byUsername.consume(attempt.usernameKey));
    const failuresBefore = counted.consumedPoints - 1;
    const delayMs =
      failuresBefore < this.freeFailures
        ? 0
        : Math.min(this.maxDelayMs, DELAY_BASE_MS * 2 ** (failuresBefore - this.freeFailures));
    if (delayMs > 0) {
      this.logger.warn({ username, address: client, failuresBefore, delayMs }, 'login_delayed');
      await sleep(delayMs);
    }
    return { ...attempt, delayMs };
  }

  /** The check succeeded: the attempt was no failure. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.store(() =>
      Promise.all([
        this.byPair.delete(attempt.pairKey),
        this.byUsername.delete(attempt.usernameKey),
        this.byAddress.reward(attempt.addressKey, 1),
      ]),
    );
  }

  /** The check never ran (the password pool shed it): the attempt is given back. */
  async abandoned(attempt: LoginAttempt): Promise<void> {
    await this.store(() =>
      Promise.all([
        this.byPair.reward(attempt.pairKey, 1),
        this.byUsername.reward(attempt.usernameKey, 1),
        this.byAddress.reward(attempt.addressKey, 1),
      ]),
    );
  }

  private async consume(
    limiter: RateLimiterAbstract,
    key: string,
    context: { username: string; address: string },
  ): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw this.unavailable(rejection);
      this.logger.warn(
        { ...context, limiter: limiter === this.byPair ? 'username_address' : 'address' },
        'login_throttled',
      );
      throw new RateLimitedError(
        'too_many_login_attempts',
        'Too many failed login attempts; try again later',
        Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
      );
    }
  }

  private async store<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private unavailable(error: unknown): DomainError {
    this.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'login_throttle_unavailable',
    );
    return new DomainError(
      'unavailable',
      'login_unavailable',
      'Logins are unavailable for a moment (the attempt counter cannot be reached); try again shortly',
    );
  }
}
