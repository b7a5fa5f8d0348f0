import type Redis from 'ioredis';
import { defineScripts, ScriptCall, ScriptDefinition } from '../redis/redis-script';

export type StreamerOutcome = 'synced' | 'skipped' | 'failed';

export interface CycleTotals {
  total: number;
  synced: number;
  skipped: number;
  failed: number;
  startedAt: number;
}

/**
 * What /health/worker, the scheduler and the "ingestion finished" event need to know across
 * processes: which workers are alive, which sync cycle is running, which streamers have a job
 * pending, and how far each cycle has come. Redis-backed when Redis is configured (every worker
 * and API process sees the same), in memory otherwise (one process does it all).
 *
 * PRODUCT §16's two rules live here, each one atomic step:
 * - **a cycle never stacks on an unfinished one**: one cycle is *current*; another may take its
 *   place only when it is complete, or stale (no progress for `staleMs`: its jobs were lost); a
 *   forced cycle runs beside it and is never current;
 * - **at most one pending job per streamer**: a streamer is marked with the cycle whose job it
 *   waits for, from before that job is enqueued until its final outcome is recorded; a later
 *   cycle enqueues it only once the mark is gone (or its cycle is complete or stale). The mark is
 *   ours, not Bull's job id: Bull keeps finished jobs, and their ids, for inspection.
 */
export interface IngestionStatusStore {
  heartbeat(workerId: string, at: number): Promise<void>;
  liveWorkers(since: number): Promise<string[]>;
  removeWorker(workerId: string): Promise<void>;
  /**
   * Makes `cycleId` the current cycle, creating its counters (planning, total 0), unless another
   * live cycle is current. Returns `cycleId` when claimed, the running cycle otherwise, '' when
   * `cycleId` itself already completed. `force` runs `cycleId` beside the live current cycle
   * (returns `cycleId`) and never makes it current, even when no cycle runs: joins and the
   * schedule never wait for a forced cycle, nor join it.
   */
  claimCycle(cycleId: string, now: number, force: boolean): Promise<string>;
  /** Undoes a claim whose job could not be enqueued. */
  releaseCycle(cycleId: string): Promise<void>;
  /** The current cycle while it is live (not complete, not stale), else undefined. */
  currentCycle(now: number): Promise<string | undefined>;
  /**
   * Marks these streamers pending for `cycleId` and adds them to its total; returns the ones to
   * enqueue: newly marked, or marked by this same cycle before (a re-run planner), never one
   * pending for another live cycle nor one this cycle has already counted.
   */
  markPending(cycleId: string, streamerIds: number[], now: number): Promise<number[]>;
  /** Every streamer is marked: the cycle may complete. Returns its totals when it just did. */
  finishPlanning(cycleId: string, now: number): Promise<CycleTotals | undefined>;
  /**
   * Counts one streamer's final outcome once (a re-run job does not count twice) and clears its
   * pending mark. Returns the cycle's totals when this outcome completed the cycle, else
   * undefined.
   */
  recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
    now: number,
  ): Promise<CycleTotals | undefined>;
  markSyncFinished(at: number): Promise<void>;
  lastSyncFinishedAt(): Promise<number | undefined>;
  /**
   * Coverage snapshots, as JSON: `plans` (the latest cycle's plan per credential), `last-cycle`
   * (the totals of the latest completed cycle). Read by /health/worker, /ingestion/status and
   * /metrics.
   */
  saveSnapshot(name: SnapshotName, json: string): Promise<void>;
  loadSnapshot(name: SnapshotName): Promise<string | undefined>;
}

export type SnapshotName = 'plans' | 'last-cycle';

export interface CycleStoreSettings {
  /** A cycle with no progress (no outcome, no planning step) for this long is abandoned. */
  staleMs: number;
}

/** Cycles older than this are forgotten (their jobs are long finished or failed). */
const CYCLE_TTL_SECONDS = 24 * 60 * 60;

interface MemoryCycle extends CycleTotals {
  planning: boolean;
  complete: boolean;
  progressAt: number;
  counted: Set<number>;
}

export class MemoryIngestionStatusStore implements IngestionStatusStore {
  private readonly workers = new Map<string, number>();
  private readonly cycles = new Map<string, MemoryCycle>();
  private readonly pending = new Map<number, string>();
  private current: string | undefined;
  private lastSyncAt: number | undefined;
  private readonly snapshots = new Map<SnapshotName, string>();

  constructor(private readonly settings: CycleStoreSettings) {}

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

  claimCycle(cycleId: string, now: number, force: boolean): Promise<string> {
    const running = this.current;
    const other = running !== undefined && running !== cycleId && this.isLive(running, now);
    if (other && !force) return Promise.resolve(running);
    const cutoff = now - CYCLE_TTL_SECONDS * 1000;
    for (const [id, cycle] of this.cycles) if (cycle.startedAt < cutoff) this.cycles.delete(id);
    const existing = this.cycles.get(cycleId);
    if (existing?.complete) return Promise.resolve('');
    if (existing) existing.progressAt = now;
    else {
      this.cycles.set(cycleId, {
        total: 0,
        synced: 0,
        skipped: 0,
        failed: 0,
        startedAt: now,
        planning: true,
        complete: false,
        progressAt: now,
        counted: new Set(),
      });
    }
    if (!force && !other) this.current = cycleId;
    return Promise.resolve(cycleId);
  }

  releaseCycle(cycleId: string): Promise<void> {
    if (this.current === cycleId) this.current = undefined;
    this.cycles.delete(cycleId);
    return Promise.resolve();
  }

  currentCycle(now: number): Promise<string | undefined> {
    const running = this.current;
    return Promise.resolve(
      running !== undefined && this.isLive(running, now) ? running : undefined,
    );
  }

  markPending(cycleId: string, streamerIds: number[], now: number): Promise<number[]> {
    const cycle = this.cycles.get(cycleId);
    if (!cycle) return Promise.resolve([]);
    const taken: number[] = [];
    for (const streamerId of streamerIds) {
      if (cycle.counted.has(streamerId)) continue;
      const holder = this.pending.get(streamerId);
      if (holder === cycleId) taken.push(streamerId);
      else if (holder === undefined || !this.isLive(holder, now)) {
        this.pending.set(streamerId, cycleId);
        cycle.total++;
        taken.push(streamerId);
      }
    }
    cycle.progressAt = now;
    return Promise.resolve(taken);
  }

  finishPlanning(cycleId: string, now: number): Promise<CycleTotals | undefined> {
    const cycle = this.cycles.get(cycleId);
    if (!cycle) return Promise.resolve(undefined);
    cycle.planning = false;
    cycle.progressAt = now;
    return Promise.resolve(this.completeIfDone(cycleId, cycle));
  }

  recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
    now: number,
  ): Promise<CycleTotals | undefined> {
    if (this.pending.get(streamerId) === cycleId) this.pending.delete(streamerId);
    const cycle = this.cycles.get(cycleId);
    if (!cycle || cycle.counted.has(streamerId)) return Promise.resolve(undefined);
    cycle.counted.add(streamerId);
    cycle[outcome]++;
    cycle.progressAt = now;
    return Promise.resolve(this.completeIfDone(cycleId, cycle));
  }

  markSyncFinished(at: number): Promise<void> {
    this.lastSyncAt = Math.max(this.lastSyncAt ?? 0, at);
    return Promise.resolve();
  }

  lastSyncFinishedAt(): Promise<number | undefined> {
    return Promise.resolve(this.lastSyncAt);
  }

  saveSnapshot(name: SnapshotName, json: string): Promise<void> {
    this.snapshots.set(name, json);
    return Promise.resolve();
  }

  loadSnapshot(name: SnapshotName): Promise<string | undefined> {
    return Promise.resolve(this.snapshots.get(name));
  }

  /** Streamers with a job pending (tests and diagnostics). */
  pendingCount(): number {
    return this.pending.size;
  }

  private isLive(cycleId: string, now: number): boolean {
    const cycle = this.cycles.get(cycleId);
    return (
      cycle !== undefined && !cycle.complete && now - cycle.progressAt <= this.settings.staleMs
    );
  }

  private completeIfDone(cycleId: string, cycle: MemoryCycle): CycleTotals | undefined {
    if (cycle.planning || cycle.complete || cycle.counted.size !== cycle.total) return undefined;
    cycle.complete = true;
    if (this.current === cycleId) this.current = undefined;
    const { total, synced, skipped, failed, startedAt } = cycle;
    return { total, synced, skipped, failed, startedAt };
  }
}

/**
 * Key layout (under `<prefix>:ingestion:`): `cycle:<id>` hash (total, synced, skipped, failed,
 * startedAt, planning, complete, progressAt), `cycle:<id>:counted` set of streamer ids,
 * `cycle-current` (a cycle id), `pending:<streamer id>` (a cycle id). The scripts name the keys of
 * other cycles and streamers from ARGV prefixes: fine on one Redis (as Bull itself needs), not on
 * a Redis Cluster.
 */

/** A cycle is live when it exists, is not complete and made progress within staleMs. */
const IS_LIVE = `
local function isLive(cycleKey, now, staleMs)
  local state = redis.call('HMGET', cycleKey, 'progressAt', 'complete')
  local progress = tonumber(state[1])
  return progress ~= nil and state[2] ~= '1' and now - progress <= staleMs
end
`;

/** Marks the cycle complete, and no longer current, when planning is over and all are counted. */
const COMPLETE_IF_DONE = `
local function completeIfDone(cycleKey, countedKey, currentKey, cycleId)
  local state = redis.call('HMGET', cycleKey, 'planning', 'complete', 'total')
  if state[1] ~= '0' or state[2] == '1' then return nil end
  if redis.call('SCARD', countedKey) ~= tonumber(state[3]) then return nil end
  redis.call('HSET', cycleKey, 'complete', '1')
  if redis.call('GET', currentKey) == cycleId then redis.call('DEL', currentKey) end
  return redis.call('HGETALL', cycleKey)
end
`;

/** KEYS: current, cycle. ARGV: cycleId, now, staleMs, force, ttl seconds, cycle key prefix. */
const CLAIM_CYCLE: ScriptDefinition = {
  name: 'clipadorIngestionClaimCycle',
  numberOfKeys: 2,
  lua: `${IS_LIVE}
local now = tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
local other = current and current ~= ARGV[1]
  and isLive(ARGV[6] .. current, now, tonumber(ARGV[3]))
if other and ARGV[4] ~= '1' then return current end
if redis.call('EXISTS', KEYS[2]) == 1 then
  if redis.call('HGET', KEYS[2], 'complete') == '1' then return '' end
  redis.call('HSET', KEYS[2], 'progressAt', ARGV[2])
else
  redis.call('HSET', KEYS[2], 'total', 0, 'synced', 0, 'skipped', 0, 'failed', 0,
    'startedAt', ARGV[2], 'planning', 1, 'complete', 0, 'progressAt', ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
if not other and ARGV[4] ~= '1' then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[5]) end
return ARGV[1]
`,
};

/** KEYS: current, cycle. ARGV: cycleId. */
const RELEASE_CYCLE: ScriptDefinition = {
  name: 'clipadorIngestionReleaseCycle',
  numberOfKeys: 2,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('DEL', KEYS[2])
`,
};

/**
 * KEYS: cycle, counted. ARGV: cycleId, now, staleMs, ttl seconds, pending key prefix, cycle key
 * prefix, then the streamer ids.
 */
const MARK_PENDING: ScriptDefinition = {
  name: 'clipadorIngestionMarkPending',
  numberOfKeys: 2,
  lua: `${IS_LIVE}
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local now = tonumber(ARGV[2])
local staleMs = tonumber(ARGV[3])
local taken = {}
local added = 0
for i = 7, #ARGV do
  local id = ARGV[i]
  if redis.call('SISMEMBER', KEYS[2], id) == 0 then
    local key = ARGV[5] .. id
    local holder = redis.call('GET', key)
    if holder == ARGV[1] then
      taken[#taken + 1] = id
    elseif not holder or not isLive(ARGV[6] .. holder, now, staleMs) then
      redis.call('SET', key, ARGV[1], 'EX', ARGV[4])
      added = added + 1
      taken[#taken + 1] = id
    end
  end
end
redis.call('HINCRBY', KEYS[1], 'total', added)
redis.call('HSET', KEYS[1], 'progressAt', ARGV[2])
return taken
`,
};

/** KEYS: cycle, counted, current. ARGV: cycleId, now. */
const FINISH_PLANNING: ScriptDefinition = {
  name: 'clipadorIngestionFinishPlanning',
  numberOfKeys: 3,
  lua: `${COMPLETE_IF_DONE}
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
redis.call('HSET', KEYS[1], 'planning', '0', 'progressAt', ARGV[2])
return completeIfDone(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
`,
};

/**
 * Clears the streamer's pending mark (if this cycle's), adds it to the cycle's counted set and,
 * only if it was not there yet, bumps the outcome's counter; answers the counters when the cycle
 * is now complete. Atomic, so two workers finishing the last two streamers at once cannot both
 * (or neither) see completion.
 * KEYS: cycle, counted, pending, current. ARGV: streamer id, outcome, ttl seconds, cycleId, now.
 */
const RECORD_OUTCOME: ScriptDefinition = {
  name: 'clipadorIngestionRecordOutcome',
  numberOfKeys: 4,
  lua: `${COMPLETE_IF_DONE}
if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return nil end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
redis.call('HSET', KEYS[1], 'progressAt', ARGV[5])
return completeIfDone(KEYS[1], KEYS[2], KEYS[4], ARGV[4])
`,
};

/** Keeps the latest: cycles may finish out of order. */
const MARK_SYNC_FINISHED: ScriptDefinition = {
  name: 'clipadorIngestionMarkSyncFinished',
  numberOfKeys: 1,
  lua: `
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > v then redis.call('SET', KEYS[1], ARGV[1]) end
`,
};

/** Only the current cycle's id, if it is live. KEYS: current. ARGV: now, staleMs, prefix. */
const CURRENT_CYCLE: ScriptDefinition = {
  name: 'clipadorIngestionCurrentCycle',
  numberOfKeys: 1,
  lua: `${IS_LIVE}
local current = redis.call('GET', KEYS[1])
if current and isLive(ARGV[3] .. current, tonumber(ARGV[1]), tonumber(ARGV[2])) then
  return current
end
return false
`,
};

const SCRIPTS = {
  claimCycle: CLAIM_CYCLE,
  releaseCycle: RELEASE_CYCLE,
  markPending: MARK_PENDING,
  finishPlanning: FINISH_PLANNING,
  recordOutcome: RECORD_OUTCOME,
  markSyncFinished: MARK_SYNC_FINISHED,
  currentCycle: CURRENT_CYCLE,
};

export class RedisIngestionStatusStore implements IngestionStatusStore {
  private readonly scripts: Record<keyof typeof SCRIPTS, ScriptCall>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly settings: CycleStoreSettings,
  ) {
    this.scripts = defineScripts(redis, SCRIPTS);
  }

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

  async claimCycle(cycleId: string, now: number, force: boolean): Promise<string> {
    const result = await this.scripts.claimCycle(
      [this.key('cycle-current'), this.key('cycle', cycleId)],
      [
        cycleId,
        now,
        this.settings.staleMs,
        force ? '1' : '0',
        CYCLE_TTL_SECONDS,
        `${this.key('cycle')}:`,
      ],
    );
    return typeof result === 'string' ? result : '';
  }

  async releaseCycle(cycleId: string): Promise<void> {
    await this.scripts.releaseCycle(
      [this.key('cycle-current'), this.key('cycle', cycleId)],
      [cycleId],
    );
  }

  async currentCycle(now: number): Promise<string | undefined> {
    const result = await this.scripts.currentCycle(
      [this.key('cycle-current')],
      [now, this.settings.staleMs, `${this.key('cycle')}:`],
    );
    return typeof result === 'string' ? result : undefined;
  }

  async markPending(cycleId: string, streamerIds: number[], now: number): Promise<number[]> {
    const taken: number[] = [];
    // Slices keep each script (which blocks Redis while it runs) short.
    for (let start = 0; start < streamerIds.length; start += MARK_SLICE) {
      const result = (await this.scripts.markPending(
        [this.key('cycle', cycleId), this.key('cycle', cycleId, 'counted')],
        [
          cycleId,
          now,
          this.settings.staleMs,
          CYCLE_TTL_SECONDS,
          `${this.key('pending')}:`,
          `${this.key('cycle')}:`,
          ...streamerIds.slice(start, start + MARK_SLICE),
        ],
      )) as string[];
      for (const id of result) taken.push(Number(id));
    }
    return taken;
  }

  async finishPlanning(cycleId: string, now: number): Promise<CycleTotals | undefined> {
    const result = (await this.scripts.finishPlanning(
      [
        this.key('cycle', cycleId),
        this.key('cycle', cycleId, 'counted'),
        this.key('cycle-current'),
      ],
      [cycleId, now],
    )) as string[] | null;
    return result ? toTotals(result) : undefined;
  }

  async recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
    now: number,
  ): Promise<CycleTotals | undefined> {
    const result = (await this.scripts.recordOutcome(
      [
        this.key('cycle', cycleId),
        this.key('cycle', cycleId, 'counted'),
        this.key('pending', String(streamerId)),
        this.key('cycle-current'),
      ],
      [streamerId, outcome, CYCLE_TTL_SECONDS, cycleId, now],
    )) as string[] | null;
    return result ? toTotals(result) : undefined;
  }

  async markSyncFinished(at: number): Promise<void> {
    await this.scripts.markSyncFinished([this.key('last-sync-finished-at')], [at]);
  }

  async lastSyncFinishedAt(): Promise<number | undefined> {
    const value = await this.redis.get(this.key('last-sync-finished-at'));
    return value ? Number(value) : undefined;
  }

  async saveSnapshot(name: SnapshotName, json: string): Promise<void> {
    await this.redis.set(this.key('snapshot', name), json, 'EX', CYCLE_TTL_SECONDS);
  }

  async loadSnapshot(name: SnapshotName): Promise<string | undefined> {
    return (await this.redis.get(this.key('snapshot', name))) ?? undefined;
  }
}

/** Streamers marked per script call. */
const MARK_SLICE = 1_000;

function toTotals(result: string[]): CycleTotals {
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
