import { Logger, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { AppConfig } from '../config/configuration';
import { REDIS } from '../redis/redis.module';
import type { NotificationChannel } from './entities/notification.entity';

/**
 * Per-destination pacing (§17), one limiter per rule: Telegram ≤ 1 message/s per chat and
 * 30/s per bot; Discord ≤ 5 per 2 s per webhook; webhooks unpaced, but blocked for a 429's
 * Retry-After like the others. Keys are hashes of the destination, never a URL.
 */
export interface PacingLimiters {
  telegramChat: RateLimiterAbstract;
  telegramBot: RateLimiterAbstract;
  discord: RateLimiterAbstract;
  webhook: RateLimiterAbstract;
}

/** Injection token of the pacer (Redis-backed across workers, or memory without Redis). */
export const DESTINATION_PACER = Symbol('DESTINATION_PACER');

/** A wait this short is slept through in the send's slot; a longer one reschedules the row. */
export const MAX_INLINE_WAIT_MS = 1_500;

const logger = new Logger('DestinationPacer');

export class DestinationPacer {
  constructor(private readonly limiters: PacingLimiters) {}

  /**
   * Takes one send's place at the destination: 0 when it may go now, else the ms until it may.
   * A limiter that cannot answer (Redis away) lets the send go: the destination's own 429 is
   * still honoured.
   */
  async reserve(channel: NotificationChannel, destinationKey: string): Promise<number> {
    const checks: Array<[RateLimiterAbstract, string]> =
      channel === 'telegram'
        ? [
            [this.limiters.telegramBot, 'bot'],
            [this.limiters.telegramChat, destinationKey],
          ]
        : channel === 'discord'
          ? [[this.limiters.discord, destinationKey]]
          : [[this.limiters.webhook, destinationKey]];
    for (const [limiter, key] of checks) {
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
        logger.warn({ err: (rejection as Error).message }, 'notification_pacing_unavailable');
      }
    }
    return 0;
  }

  /** The destination said 429: nothing goes there until its wait is over. */
  async block(channel: NotificationChannel, destinationKey: string, ms: number): Promise<void> {
    const limiter =
      channel === 'telegram'
        ? this.limiters.telegramChat
        : channel === 'discord'
          ? this.limiters.discord
          : this.limiters.webhook;
    try {
      await limiter.block(destinationKey, Math.max(1, Math.ceil(ms / 1000)));
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'notification_pacing_unavailable');
    }
  }
}

/** The one place the pacer's store is chosen: Redis when configured (shared by every worker). */
export const destinationPacerProvider: Provider = {
  provide: DESTINATION_PACER,
  inject: [ConfigService, REDIS],
  useFactory: (config: ConfigService<AppConfig, true>, redis: Redis | null) => {
    const prefix = `${config.get('redis', { infer: true }).prefix}:notify-pace`;
    const make = (name: string, points: number, duration: number): RateLimiterAbstract =>
      redis
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${prefix}:${name}`,
            points,
            duration,
          })
        : new RateLimiterMemory({ keyPrefix: name, points, duration });
    return new DestinationPacer({
      telegramChat: make('tg-chat', 1, 1),
      telegramBot: make('tg-bot', 30, 1),
      discord: make('discord', 5, 2),
      webhook: make('webhook', 1_000_000, 1),
    });
  },
};
