import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { DomainError } from '../common/errors/domain.error';
import { withTimeout } from '../common/timeout';
import { AppConfig } from '../config/configuration';
import { InjectRedis } from '../redis/redis.module';

/** Failure counters in fixed windows. */
interface FailureStore {
  counts(keys: string[]): Promise<number[]>;
  increment(keys: string[], windowSeconds: number): Promise<void>;
  clear(key: string): Promise<void>;
}

/** Bounded, so a flood of distinct usernames cannot grow memory without limit. */
const MEMORY_STORE_MAX_KEYS = 100_000;

class MemoryFailureStore implements FailureStore {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();

  counts(keys: string[]): Promise<number[]> {
    const now = Date.now();
    return Promise.resolve(
      keys.map((key) => {
        const entry = this.entries.get(key);
        return entry && entry.resetAt > now ? entry.count : 0;
      }),
    );
  }

  increment(keys: string[], windowSeconds: number): Promise<void> {
    const now = Date.now();
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry && entry.resetAt > now) entry.count++;
      else this.entries.set(key, { count: 1, resetAt: now + windowSeconds * 1000 });
    }
    if (this.entries.size > MEMORY_STORE_MAX_KEYS) this.evict(now);
    return Promise.resolve();
  }

  clear(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.resetAt <= now || this.entries.size > MEMORY_STORE_MAX_KEYS)
        this.entries.delete(key);
    }
  }
}

/** Shared by every API process, so a client cannot multiply its tries by the number of replicas. */
class RedisFailureStore implements FailureStore {
  constructor(private readonly redis: Redis) {}

  async counts(keys: string[]): Promise<number[]> {
    const values = await this.redis.mget(...keys);
    return values.map((value) => Number(value ?? 0));
  }

  async increment(keys: string[], windowSeconds: number): Promise<void> {
    const multi = this.redis.multi();
    for (const key of keys) multi.incr(key).expire(key, windowSeconds, 'NX');
    await multi.exec();
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(key);
  }
}

const REDIS_TIMEOUT_MS = 500;

/**
 * Refuses logins (429) after too many failures for one username or from one IP within a window.
 * Counters live in Redis when it is configured; if Redis is down they fall back to this process's
 * memory, so an outage weakens throttling across replicas but never locks everybody out.
 */
@Injectable()
export class LoginThrottler {
  private readonly logger = new Logger(LoginThrottler.name);
  private readonly memory = new MemoryFailureStore();
  private readonly shared?: RedisFailureStore;
  private readonly maxPerUsername: number;
  private readonly maxPerIp: number;
  private readonly windowSeconds: number;
  private readonly keyPrefix: string;

  constructor(config: ConfigService<AppConfig, true>, @InjectRedis() redis: Redis | null) {
    const auth = config.get('auth', { infer: true });
    this.maxPerUsername = auth.loginMaxFailuresPerUsername;
    this.maxPerIp = auth.loginMaxFailuresPerIp;
    this.windowSeconds = auth.loginWindowSeconds;
    this.keyPrefix = `${config.get('redis', { infer: true }).prefix}:login-failures`;
    if (redis) this.shared = new RedisFailureStore(redis);
  }

  /** Throws a 429 domain error when this username or IP has used up its failures. */
  async assertAllowed(username: string, ip: string): Promise<void> {
    const [byUsername, byIp] = await this.run((store) =>
      store.counts([this.usernameKey(username), this.ipKey(ip)]),
    );
    if (byUsername >= this.maxPerUsername || byIp >= this.maxPerIp) {
      this.logger.warn({ username, ip, byUsername, byIp }, 'login_throttled');
      throw new DomainError(
        'rate_limited',
        'too_many_login_attempts',
        'Too many failed login attempts; try again later',
      );
    }
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await this.run((store) =>
      store.increment([this.usernameKey(username), this.ipKey(ip)], this.windowSeconds),
    );
  }

  /** A successful login clears the username's count (not the IP's: one success must not reset a spray). */
  async recordSuccess(username: string): Promise<void> {
    await this.run((store) => store.clear(this.usernameKey(username)));
  }

  private async run<T>(operation: (store: FailureStore) => Promise<T>): Promise<T> {
    if (this.shared) {
      try {
        return await withTimeout(operation(this.shared), REDIS_TIMEOUT_MS, 'Redis');
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'login_throttle_redis_unavailable');
      }
    }
    return operation(this.memory);
  }

  private usernameKey(username: string): string {
    return `${this.keyPrefix}:user:${username.toLowerCase()}`;
  }

  private ipKey(ip: string): string {
    return `${this.keyPrefix}:ip:${ip}`;
  }
}
