import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * Keeps two workers from syncing one streamer at the same time (a scheduled cycle overlapping a
 * manual one, a stalled job run again): the second finds the lock taken and leaves the work to
 * the first. The lock expires by itself so that a killed worker cannot hold it forever; the
 * database's advisory lock still serialises the writes if a lock ever expires mid-sync.
 */
export interface StreamerSyncLock {
  /** A token to release with, or undefined when another sync holds the lock. */
  acquire(streamerId: number, ttlMs: number): Promise<string | undefined>;
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

  release(streamerId: number, token: string): Promise<void> {
    if (this.held.get(streamerId)?.token === token) this.held.delete(streamerId);
    return Promise.resolve();
  }
}

/** Deletes the key only if it still holds our token (it may have expired and been retaken). */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisStreamerSyncLock implements StreamerSyncLock {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async acquire(streamerId: number, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const result = await this.redis.set(this.key(streamerId), token, 'PX', ttlMs, 'NX');
    return result === 'OK' ? token : undefined;
  }

  async release(streamerId: number, token: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key(streamerId), token);
  }

  private key(streamerId: number): string {
    return `${this.prefix}:ingestion:sync-lock:${streamerId}`;
  }
}
