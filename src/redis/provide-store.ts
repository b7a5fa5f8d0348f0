import { FactoryProvider, InjectionToken } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/configuration';
import { REDIS } from './redis.module';

/** How one store is built on each side; `prefix` is CLIPADOR_REDIS_PREFIX. */
export interface StoreChoice<T> {
  /** CLIPADOR_REDIS_URL set: in Redis, shared by every process of the deployment. */
  redis(client: Redis, prefix: string): T;
  /** No Redis: in this process's memory (one process is then the whole deployment). */
  memory(): T;
}

/** The one rule every store follows: Redis whenever it is configured, memory otherwise. */
export function chooseStore<T>(
  client: Redis | null | undefined,
  prefix: string,
  choice: StoreChoice<T>,
): T {
  return client ? choice.redis(client, prefix) : choice.memory();
}

/**
 * A provider of `token` built by `choice` (given the configuration for its settings): the way
 * every module chooses between a Redis store and a memory one. REDIS is optional so that a module
 * also boots in a test that does not import RedisModule (then it is memory).
 */
export function provideStore<T>(
  token: InjectionToken,
  choice: (config: ConfigService<AppConfig, true>) => StoreChoice<T>,
): FactoryProvider<T> {
  return {
    provide: token,
    inject: [ConfigService, { token: REDIS, optional: true }],
    useFactory: (config: ConfigService<AppConfig, true>, client: Redis | null | undefined) =>
      chooseStore(client, config.get('redis', { infer: true }).prefix, choice(config)),
  };
}
