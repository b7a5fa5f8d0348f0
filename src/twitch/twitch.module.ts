import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig, TwitchSection } from '../config/configuration';
import { REDIS } from '../redis/redis.module';
import { MemoryRateBudgetStore, RateBudget } from './rate-budget';
import { RedisRateBudgetStore } from './redis-rate-budget.store';
import { TWITCH_CLIENT_OPTIONS, TwitchClient, twitchClientOptions } from './twitch.client';

/**
 * The budget every TwitchClient of this process uses: in Redis when Redis is configured (shared by
 * every worker process), else in memory (one process is then the only spender).
 */
export function createRateBudget(
  section: TwitchSection,
  redis: Redis | null,
  redisPrefix: string,
): RateBudget {
  const store = redis
    ? new RedisRateBudgetStore(redis, `${redisPrefix}:twitch:`)
    : new MemoryRateBudgetStore();
  return new RateBudget(store, {
    margin: section.rateMargin,
    // A reservation outlives its request (at most one timeout) by a margin for a stalled loop.
    holdMs: section.timeoutMs + 10_000,
    pollMs: 20,
    jitterMs: 50,
  });
}

@Module({
  providers: [
    {
      provide: TWITCH_CLIENT_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        twitchClientOptions(config.get('twitch', { infer: true })),
    },
    {
      provide: RateBudget,
      // REDIS comes from the global RedisModule; optional so the module also boots without it.
      inject: [ConfigService, { token: REDIS, optional: true }],
      useFactory: (config: ConfigService<AppConfig, true>, redis: Redis | null | undefined) =>
        createRateBudget(
          config.get('twitch', { infer: true }),
          redis ?? null,
          config.get('redis', { infer: true }).prefix,
        ),
    },
    TwitchClient,
  ],
  exports: [TwitchClient],
})
export class TwitchModule {}
