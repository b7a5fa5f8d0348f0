import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/configuration';
import { provideStore, StoreChoice } from './provide-store';

describe('provideStore', () => {
  const config = {
    get: (key: string) => (key === 'redis' ? { prefix: 'clipador-x' } : { setting: 7 }),
  } as unknown as ConfigService<AppConfig, true>;
  const client = { fake: 'redis' } as unknown as Redis;
  const choice = (seen: ConfigService<AppConfig, true>): StoreChoice<string> => ({
    redis: (redis, prefix) => `redis:${redis === client}:${prefix}:${seen === config}`,
    memory: () => `memory:${seen === config}`,
  });
  const build = (redis: Redis | null | undefined): string =>
    (provideStore('TOKEN', choice).useFactory as (...args: unknown[]) => string)(config, redis);

  it('builds the Redis store, with the client and the configured prefix, when Redis is set', () => {
    expect(build(client)).toBe('redis:true:clipador-x:true');
  });

  it('builds the memory store without Redis, whether REDIS is null or not provided', () => {
    expect(build(null)).toBe('memory:true');
    expect(build(undefined)).toBe('memory:true');
  });

  it('injects the configuration and an optional REDIS', () => {
    const provider = provideStore('TOKEN', choice);
    expect(provider.provide).toBe('TOKEN');
    expect(provider.inject).toEqual([ConfigService, { token: expect.any(Symbol), optional: true }]);
  });
});
