/**
 * The ingestion queue's names, payloads and policies: the one place that says what a job is and
 * how it is retried. Payloads carry ids only, never credentials (Bull stores them in plain text).
 */

/** Streamer syncs: a worker runs CLIPADOR_INGESTION_CONCURRENCY of them at once, nothing else. */
export const INGESTION_QUEUE = 'clipador-ingestion';
/**
 * Sync cycles (the fan-out), on a queue of their own with one slot per worker: Bull adds up the
 * concurrency of every process() call on a queue and lets each of its loops take any job, so a
 * fan-out on the streamer queue would take (or add) a streamer slot.
 */
export const INGESTION_CYCLE_QUEUE = 'clipador-ingestion-cycle';

export const JOB_SYNC_ALL = 'clipador.ingestion.sync';
export const JOB_SYNC_STREAMER = 'clipador.ingestion.sync-streamer';

export type SyncTrigger = 'schedule' | 'api';

/** Plans a cycle: live status, then one streamer job per streamer the budget allows. */
export interface SyncAllJob {
  cycleId: string;
  trigger: SyncTrigger;
  requestedAt: string;
  /** Start even though another cycle is running (`POST /ingestion/sync {"force":true}`). */
  force?: boolean;
}

/** One streamer's sync: its own retryable unit. */
export interface SyncStreamerJob {
  cycleId: string;
  streamerId: number;
}

export interface JobPolicy {
  attempts: number;
  backoffMs: number;
}

/** The fan-out is cheap and idempotent; a streamer sync retries a few times, with backoff. */
export const JOB_POLICIES: Record<typeof JOB_SYNC_ALL | typeof JOB_SYNC_STREAMER, JobPolicy> = {
  [JOB_SYNC_ALL]: { attempts: 3, backoffMs: 2_000 },
  [JOB_SYNC_STREAMER]: { attempts: 3, backoffMs: 5_000 },
};

/** Finished jobs kept in Redis for inspection (and so a duplicate job id is still recognised). */
export const KEEP_COMPLETED_JOBS = 1_000;
export const KEEP_FAILED_JOBS = 5_000;

/**
 * Jobs of one scheduled time slot share an id, so that several scheduler processes (or a tick
 * that fires twice) enqueue a slot's sync once.
 */
export function scheduledCycleId(now: Date, intervalSeconds: number): string {
  return `slot-${Math.floor(now.getTime() / (intervalSeconds * 1000))}`;
}

/**
 * A cycle asked for by `POST /ingestion/sync`. A forced one is named apart: it never stands for
 * the schedule (it is never the current cycle, and coverage never reports its plan or totals).
 */
export function manualCycleId(force: boolean, unique: string): string {
  return `${force ? 'forced' : 'manual'}-${unique}`;
}

export function isForcedCycle(cycleId: string): boolean {
  return cycleId.startsWith('forced-');
}

export function streamerJobId(cycleId: string, streamerId: number): string {
  return `${cycleId}:streamer-${streamerId}`;
}
