import { SyncAllJob, SyncStreamerJob } from './ingestion.jobs';

/**
 * Where ingestion jobs go: Bull on Redis when CLIPADOR_REDIS_URL is set (any worker process on any
 * machine picks them up), an in-process runner otherwise. Both run the same handlers.
 */
export abstract class JobQueue {
  /** Enqueues the fan-out; a job id already known is not enqueued twice. Returns the job id. */
  abstract enqueueSyncAll(job: SyncAllJob, jobId: string): Promise<string>;
  abstract enqueueStreamerSyncs(jobs: SyncStreamerJob[]): Promise<void>;
  /** Jobs by `<queue>:<state>` (metrics). */
  abstract jobCounts(): Promise<Record<string, number>>;
}

/** What a worker runs; the Bull processor and the in-process runner both call these. */
export abstract class IngestionJobHandler {
  abstract syncAll(job: SyncAllJob): Promise<void>;
  /** `finalAttempt` tells the handler that a failure now is the streamer's last word this cycle. */
  abstract syncStreamer(job: SyncStreamerJob, finalAttempt: boolean): Promise<void>;
}
