import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { AppConfig } from '../config/configuration';

/** Injection token of the shared Redis client; `null` when CLIPADOR_REDIS_URL is not set. */
export const REDIS = Symbol('REDIS');
export const InjectRedis = () => Inject(REDIS);

const logger = new Logger('Redis');

/**
 * Options for every Redis connection this service opens (ours and Bull's). Without an offline
 * queue a command fails at once while Redis is down instead of waiting for it to return, which
 * is what keeps an HTTP request from hanging on a dead Redis.
 */
export function redisOptions(): { maxRetriesPerRequest: number; enableOfflineQueue: boolean } {
  return { maxRetriesPerRequest: 1, enableOfflineQueue: false };
}

class RedisLifecycle implements OnApplicationShutdown {
  constructor(private readonly client: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.client && this.client.status !== 'end') await this.client.quit().catch(() => {});
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): Redis | null => {
        const url = config.get('redis', { infer: true }).url;
        if (!url) return null;
        const client = new Redis(url, { ...redisOptions(), lazyConnect: false });
        // ioredis reconnects by itself; log transitions, not every retry.
        client.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis_error'));
        client.on('ready', () => logger.log('redis_ready'));
        return client;
      },
    },
    {
      provide: RedisLifecycle,
      inject: [REDIS],
      useFactory: (client: Redis | null) => new RedisLifecycle(client),
    },
  ],
  exports: [REDIS],
})
export class RedisModule {}
