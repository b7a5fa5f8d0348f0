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

  /**
   * QUIT when connected (pending replies arrive first); otherwise just stop reconnecting. A QUIT
   * sent while Redis is away fails at once (no offline queue) and leaves the client retrying for
   * ever, which kept a stopped process alive.
   */
  async onApplicationShutdown(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else if (client.status !== 'end') client.disconnect();
    logger.log('redis_closed');
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
