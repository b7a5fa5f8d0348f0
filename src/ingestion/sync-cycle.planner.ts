import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error';
import { StreamsService } from '../streams/streams.service';
import { IngestionStatusService } from './ingestion-status.service';
import { SyncAllJob } from './ingestion.jobs';
import { JobQueue } from './job-queue';

/** What `POST /ingestion/sync` did: started a cycle, or joined the one running. */
export interface SyncRequestOutcome {
  jobId: string;
  joined: boolean;
}

/**
 * Plans sync cycles (PRODUCT §16): one cycle at a time, never stacked on an unfinished one, and at
 * most one pending job per streamer whatever the number of schedulers, workers and manual
 * requests. The rules' atomic parts are in the status store; this class orders the steps.
 */
@Injectable()
export class SyncCyclePlanner {
  private readonly logger = new Logger(SyncCyclePlanner.name);

  constructor(
    private readonly streams: StreamsService,
    private readonly queue: JobQueue,
    private readonly status: IngestionStatusService,
  ) {}

  /**
   * `POST /ingestion/sync`: joins the running cycle (its id), or claims a new one and enqueues it.
   * `force` starts a new cycle even while one runs; streamers with a job pending keep that one.
   */
  async requestSync(force: boolean): Promise<SyncRequestOutcome> {
    const cycleId = `manual-${randomUUID()}`;
    let current: string;
    try {
      current = await this.status.claimCycle(cycleId, force);
    } catch (error) {
      throw new DomainError(
        'unavailable',
        'queue_unavailable',
        `The job queue is unavailable: ${(error as Error).message}`,
      );
    }
    if (current !== cycleId) {
      this.logger.log({ cycleId: current }, 'ingestion_sync_joined');
      return { jobId: current, joined: true };
    }
    try {
      await this.queue.enqueueSyncAll(
        { cycleId, trigger: 'api', requestedAt: new Date().toISOString(), force },
        cycleId,
      );
    } catch (error) {
      await this.status.releaseCycle(cycleId).catch(() => undefined);
      throw error;
    }
    return { jobId: cycleId, joined: false };
  }

  /** The cycle job: claim, choose the streamers, mark them pending, enqueue them. */
  async run(job: SyncAllJob): Promise<void> {
    const { cycleId } = job;
    const current = await this.status.claimCycle(cycleId, job.force ?? false);
    if (current !== cycleId) {
      this.logger.log(
        {
          cycleId,
          trigger: job.trigger,
          reason: current ? 'the previous cycle is unfinished' : 'the cycle already ran',
          running: current || undefined,
        },
        'ingestion_cycle_skipped',
      );
      return;
    }
    const streamers = await this.streams.findActiveForSync();
    const toEnqueue = await this.status.markPending(
      cycleId,
      streamers.map((streamer) => streamer.id),
    );
    this.logger.log(
      {
        cycleId,
        trigger: job.trigger,
        streamers: toEnqueue.length,
        alreadyPending: streamers.length - toEnqueue.length,
      },
      'ingestion_started',
    );
    await this.queue.enqueueStreamerSyncs(toEnqueue.map((streamerId) => ({ cycleId, streamerId })));
    const totals = await this.status.finishPlanning(cycleId);
    if (totals) {
      this.logger.log(
        { cycleId, ...totals, durationMs: Date.now() - totals.startedAt },
        'ingestion_finished',
      );
    }
  }
}
