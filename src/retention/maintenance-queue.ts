import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { withTimeout } from '../common/timeout';
import {
  JOB_RETENTION,
  KEEP_MAINTENANCE_JOBS,
  MAINTENANCE_QUEUE,
  RETENTION_ATTEMPTS,
  RETENTION_BACKOFF_MS,
} from './maintenance.jobs';

const ENQUEUE_TIMEOUT_MS = 2_000;

/** Where maintenance jobs go: Bull with Redis, this process without (as ingestion's queue). */
export abstract class MaintenanceQueue {
  /** Enqueues the day's retention run; an id already known is not enqueued again. */
  abstract enqueueRetention(jobId: string): Promise<void>;
}

/** What a worker runs for a maintenance job. */
export abstract class MaintenanceHandler {
  abstract retention(signal: AbortSignal): Promise<void>;
}

@Injectable()
export class BullMaintenanceQueue extends MaintenanceQueue {
  constructor(@InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue) {
    super();
  }

  async enqueueRetention(jobId: string): Promise<void> {
    await withTimeout(
      this.queue.add(
        JOB_RETENTION,
        {},
        {
          jobId,
          attempts: RETENTION_ATTEMPTS,
          backoff: { type: 'fixed', delay: RETENTION_BACKOFF_MS },
          removeOnComplete: KEEP_MAINTENANCE_JOBS,
          removeOnFail: KEEP_MAINTENANCE_JOBS,
        },
      ),
      ENQUEUE_TIMEOUT_MS,
      'The maintenance queue (Redis)',
    );
  }
}

/**
 * Without Redis: runs maintenance jobs in this process, one at a time, beside ingestion's runner
 * (never in its slots). A failed run is not retried: the next day's run takes what it left.
 */
export class InProcessMaintenanceQueue
  extends MaintenanceQueue
  implements BeforeApplicationShutdown
{
  private readonly logger = new Logger(InProcessMaintenanceQueue.name);
  private readonly knownIds = new Set<string>();
  private readonly stop = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private handler?: MaintenanceHandler;

  /** Called by the worker role; without it, jobs are accepted and dropped with a warning. */
  attach(handler: MaintenanceHandler): void {
    this.handler = handler;
  }

  enqueueRetention(jobId: string): Promise<void> {
    if (this.knownIds.has(jobId) || this.stop.signal.aborted) return Promise.resolve();
    this.knownIds.add(jobId);
    const handler = this.handler;
    if (!handler) {
      this.logger.warn({ jobId }, 'maintenance_job_dropped_no_worker');
      return Promise.resolve();
    }
    this.running = this.running.then(() =>
      handler.retention(this.stop.signal).catch((error: unknown) => {
        this.logger.error({ jobId, err: (error as Error).message }, 'maintenance_job_failed');
      }),
    );
    return Promise.resolve();
  }

  /** Resolves when the queued runs are over (tests). */
  drain(): Promise<void> {
    return this.running;
  }

  /** The run under way stops after its current batch (before the database closes). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.running;
  }
}
