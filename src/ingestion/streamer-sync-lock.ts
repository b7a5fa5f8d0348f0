import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { defineScript, ScriptCall, ScriptDefinition } from '../redis/redis-script';
import { provideStore } from '../redis/provide-store';

/**
 * Keeps two workers from syncing one streamer at the same time (a scheduled cycle overlapping a
 * manual one): the second finds the lock taken and leaves the work to the first. The lock is
 * short-lived and extended while its sync runs, so a worker that dies holding it (killed, crashed)
 * loses it within one TTL; the database's advisory lock still serialises the writes if a lock
 * ever expires mid-sync.
 */
export interface StreamerSyncLock {
  /** A token to release with, or undefined when another sync holds the lock. */
  acquire(streamerId: number, ttlMs: number): Promise<string | undefined>;
  /** Pushes the expiry `ttlMs` ahead; false when the lock is no longer ours. */
  extend(streamerId: number, token: string, ttlMs: number): Promise<boolean>;
  release(streamerId: number, token: string): Promise<void>;
}

export class MemoryStreamerSyncLock implements StreamerSyncLock {
  private readonly held = new Map<number, { token: string; until: number }>();

  acquire(streamerId: number, ttlMs: number): Promise<string | undefined> {
    const current = this.held.get(streamerId);
    if (current && current.until > Date.now()) return Promise.resolve(undefined);
    const token = randomUUID();
    this.held.set(streamerId, { token, until: Date.now() + ttlMs });
    return Promise.resolve(token);
  }

  extend(streamerId: number, token: string, ttlMs: number): Promise<boolean> {
    const current = this.held.get(streamerId);
    if (current?.token !== token) return Promise.resolve(false);
    current.until = Date.now() + ttlMs;
    return Promise.resolve(true);
  }

  release(streamerId: number, token: string): Promise<void> {
    if (this.held.get(streamerId)?.token === token) this.held.delete(streamerId);
    return Promise.resolve();
  }
}

/** Deletes the key only if it still holds our token (it may have expired and been retaken). */
const RELEASE: ScriptDefinition = {
  name: 'clipadorSyncLockRelease',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
};

/** Extends the key's expiry only if it still holds our token. */
const EXTEND: ScriptDefinition = {
  name: 'clipadorSyncLockExtend',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
};

export class RedisStreamerSyncLock implements StreamerSyncLock {
  private readonly releaseScript: ScriptCall;
  private readonly extendScript: ScriptCall;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.releaseScript = defineScript(redis, RELEASE);
    this.extendScript = defineScript(redis, EXTEND);
  }

  async acquire(streamerId: number, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const result = await this.redis.set(this.key(streamerId), token, 'PX', ttlMs, 'NX');
    return result === 'OK' ? token : undefined;
  }

  async extend(streamerId: number, token: string, ttlMs: number): Promise<boolean> {
    const extended = await this.extendScript([this.key(streamerId)], [token, ttlMs]);
    return extended === 1;
  }

  async release(streamerId: number, token: string): Promise<void> {
    await this.releaseScript([this.key(streamerId)], [token]);
  }

  private key(streamerId: number): string {
    return `${this.prefix}:ingestion:sync-lock:${streamerId}`;
  }
}

/** Injection token of the StreamerSyncLock (Redis, or memory without Redis). */
export const STREAMER_SYNC_LOCK = Symbol('STREAMER_SYNC_LOCK');

export const streamerSyncLockProvider = provideStore<StreamerSyncLock>(STREAMER_SYNC_LOCK, () => ({
  redis: (client, prefix) => new RedisStreamerSyncLock(client, prefix),
  memory: () => new MemoryStreamerSyncLock(),
}));
