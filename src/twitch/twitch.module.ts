import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig, TwitchSection } from '../config/configuration';
import { provideStore, StoreChoice } from '../redis/provide-store';
import { MemoryRateBudgetStore, RateBudget, RateBudgetStore } from './rate-budget';
import { RedisRateBudgetStore } from './redis-rate-budget.store';
import { TWITCH_CLIENT_OPTIONS, TwitchClient, twitchClientOptions } from './twitch.client';

/** Injection token of the RateBudgetStore. */
export const RATE_BUDGET_STORE = Symbol('RATE_BUDGET_STORE');

/**
 * Where the budget is kept: in Redis when Redis is configured (shared by every worker process),
 * else in memory (one process is then the only spender).
 */
export const rateBudgetStores: StoreChoice<RateBudgetStore> = {
  redis: (client, prefix) => new RedisRateBudgetStore(client, `${prefix}:twitch:`),
  memory: () => new MemoryRateBudgetStore(),
};

/** The budget every TwitchClient of this process uses. */
export function createRateBudget(section: TwitchSection, store: RateBudgetStore): RateBudget {
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
    provideStore(RATE_BUDGET_STORE, () => rateBudgetStores),
    {
      provide: RateBudget,
      inject: [ConfigService, RATE_BUDGET_STORE],
      useFactory: (config: ConfigService<AppConfig, true>, store: RateBudgetStore) =>
        createRateBudget(config.get('twitch', { infer: true }), store),
    },
    TwitchClient,
  ],
  exports: [TwitchClient],
})
export class TwitchModule {}
