import type Redis from 'ioredis';
import { LuaScript } from '../redis/lua-script';

export type StreamerOutcome = 'synced' | 'skipped' | 'failed';

export interface CycleTotals {
  total: number;
  synced: number;
  skipped: number;
  failed: number;
  startedAt: number;
}

/**
 * What /health/worker and the "ingestion finished" event need to know across processes: which
 * workers are alive, and how far each sync cycle has come. Redis-backed when Redis is configured
 * (every worker and API process sees the same), in memory otherwise (one process does it all).
 */
export interface IngestionStatusStore {
  heartbeat(workerId: string, at: number): Promise<void>;
  liveWorkers(since: number): Promise<string[]>;
  removeWorker(workerId: string): Promise<void>;
  startCycle(cycleId: string, total: number, startedAt: number): Promise<void>;
  /**
   * Counts one streamer's final outcome once (a re-run job does not count twice). Returns the
   * cycle's totals when this outcome completed the cycle, else undefined.
   */
  recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
  ): Promise<CycleTotals | undefined>;
  markSyncFinished(at: number): Promise<void>;
  lastSyncFinishedAt(): Promise<number | undefined>;
}

/** Cycles older than this are forgotten (their jobs are long finished or failed). */
const CYCLE_TTL_SECONDS = 24 * 60 * 60;

export class MemoryIngestionStatusStore implements IngestionStatusStore {
  private readonly workers = new Map<string, number>();
  private readonly cycles = new Map<string, CycleTotals & { counted: Set<number> }>();
  private lastSyncAt: number | undefined;

  heartbeat(workerId: string, at: number): Promise<void> {
    this.workers.set(workerId, at);
    return Promise.resolve();
  }

  liveWorkers(since: number): Promise<string[]> {
    return Promise.resolve([...this.workers].filter(([, at]) => at >= since).map(([id]) => id));
  }

  removeWorker(workerId: string): Promise<void> {
    this.workers.delete(workerId);
    return Promise.resolve();
  }

  startCycle(cycleId: string, total: number, startedAt: number): Promise<void> {
    const cutoff = startedAt - CYCLE_TTL_SECONDS * 1000;
    for (const [id, cycle] of this.cycles) if (cycle.startedAt < cutoff) this.cycles.delete(id);
    if (!this.cycles.has(cycleId)) {
      this.cycles.set(cycleId, {
        total,
        synced: 0,
        skipped: 0,
        failed: 0,
        startedAt,
        counted: new Set(),
      });
    }
    return Promise.resolve();
  }

  recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
  ): Promise<CycleTotals | undefined> {
    const cycle = this.cycles.get(cycleId);
    if (!cycle || cycle.counted.has(streamerId)) return Promise.resolve(undefined);
    cycle.counted.add(streamerId);
    cycle[outcome]++;
    if (cycle.counted.size !== cycle.total) return Promise.resolve(undefined);
    const { counted: _counted, ...totals } = cycle;
    return Promise.resolve(totals);
  }

  markSyncFinished(at: number): Promise<void> {
    this.lastSyncAt = Math.max(this.lastSyncAt ?? 0, at);
    return Promise.resolve();
  }

  lastSyncFinishedAt(): Promise<number | undefined> {
    return Promise.resolve(this.lastSyncAt);
  }
}

/**
 * Adds a streamer to the cycle's counted set and, only if it was not there yet, bumps the
 * outcome's counter; answers the counters and whether the cycle is now complete. Atomic, so two
 * workers finishing the last two streamers at once cannot both (or neither) see completion.
 */
const recordOutcomeScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return nil end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
local counted = redis.call('SCARD', KEYS[2])
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
if counted ~= total then return nil end
return redis.call('HGETALL', KEYS[1])
`);

/** Keeps the latest: cycles may finish out of order. */
const markSyncFinishedScript = new LuaScript(`
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > v then redis.call('SET', KEYS[1], ARGV[1]) end
`);

export class RedisIngestionStatusStore implements IngestionStatusStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, 'ingestion', ...parts].join(':');
  }

  async heartbeat(workerId: string, at: number): Promise<void> {
    await this.redis.zadd(this.key('workers'), at, workerId);
  }

  async liveWorkers(since: number): Promise<string[]> {
    const key = this.key('workers');
    // Dead workers' entries are pruned here rather than by a separate janitor.
    await this.redis.zremrangebyscore(key, '-inf', since - CYCLE_TTL_SECONDS * 1000);
    return this.redis.zrangebyscore(key, since, '+inf');
  }

  async removeWorker(workerId: string): Promise<void> {
    await this.redis.zrem(this.key('workers'), workerId);
  }

  async startCycle(cycleId: string, total: number, startedAt: number): Promise<void> {
    const key = this.key('cycle', cycleId);
    // HSETNX: a re-run of the fan-out job must not reset counters its streamers already moved.
    await this.redis
      .multi()
      .hsetnx(key, 'total', total)
      .hsetnx(key, 'startedAt', startedAt)
      .hsetnx(key, 'synced', 0)
      .hsetnx(key, 'skipped', 0)
      .hsetnx(key, 'failed', 0)
      .expire(key, CYCLE_TTL_SECONDS)
      .exec();
  }

  async recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
  ): Promise<CycleTotals | undefined> {
    const result = (await recordOutcomeScript.run(
      this.redis,
      [this.key('cycle', cycleId), this.key('cycle', cycleId, 'counted')],
      [streamerId, outcome, CYCLE_TTL_SECONDS],
    )) as string[] | null;
    if (!result) return undefined;
    const fields = new Map<string, number>();
    for (let i = 0; i < result.length; i += 2) fields.set(result[i], Number(result[i + 1]));
    return {
      total: fields.get('total') ?? 0,
      synced: fields.get('synced') ?? 0,
      skipped: fields.get('skipped') ?? 0,
      failed: fields.get('failed') ?? 0,
      startedAt: fields.get('startedAt') ?? 0,
    };
  }

  async markSyncFinished(at: number): Promise<void> {
    await markSyncFinishedScript.run(this.redis, [this.key('last-sync-finished-at')], [at]);
  }

  async lastSyncFinishedAt(): Promise<number | undefined> {
    const value = await this.redis.get(this.key('last-sync-finished-at'));
    return value ? Number(value) : undefined;
  }
}
