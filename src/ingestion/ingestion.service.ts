import { Injectable, Logger } from '@nestjs/common';
import { StreamerSyncService } from '../streams/streamer-sync.service';
import { StreamerOutcome } from './ingestion-status.store';
import { IngestionStatusService } from './ingestion-status.service';
import { SyncAllJob, SyncStreamerJob } from './ingestion.jobs';
import { IngestionJobHandler } from './job-queue';
import { StreamerSync } from './streamer-sync';
import { SyncCyclePlanner } from './sync-cycle.planner';
import { SyncInterruptedError } from './sync-interruption';

/**
 * The job handler that the Bull processor and the in-process runner call: the cycle job goes to
 * SyncCyclePlanner, a streamer job to StreamerSync (the sync itself: fetch, clips, bursts,
 * deliveries). Here are what a job's outcome means — retry, final failure, the cycle's count —
 * and no algorithm of its own.
 */
@Injectable()
export class IngestionService extends IngestionJobHandler {
  private readonly logger = new Logger(IngestionService.name);

  constructor(
    private readonly planner: SyncCyclePlanner,
    private readonly sync: StreamerSync,
    private readonly streams: StreamerSyncService,
    private readonly status: IngestionStatusService,
  ) {
    super();
  }

  /** The cycle job: planned by SyncCyclePlanner (live status, budget, pending marks). */
  syncAll(job: SyncAllJob): Promise<void> {
    return this.planner.run(job);
  }

  async syncStreamer(job: SyncStreamerJob, finalAttempt: boolean): Promise<void> {
    const { cycleId, streamerId } = job;
    let outcome: StreamerOutcome;
    try {
      outcome = await this.sync.run(cycleId, streamerId);
    } catch (error) {
      // Not an outcome: the job goes back to the queue (or, in-process, to the next cycle).
      if (error instanceof SyncInterruptedError) {
        this.logger.warn({ cycleId, streamerId }, 'ingestion_streamer_interrupted');
        throw error;
      }
      const reason = errorMessage(error);
      if (!finalAttempt) {
        this.logger.warn({ cycleId, streamerId, err: reason }, 'ingestion_streamer_retry');
        throw error;
      }
      this.logger.error({ cycleId, streamerId, err: reason }, 'ingestion_failed');
      await this.streams.recordSyncProblem(streamerId, 'failed', reason).catch(() => undefined);
      await this.countOutcome(cycleId, streamerId, 'failed');
      throw error;
    }
    await this.countOutcome(cycleId, streamerId, outcome);
  }

  private async countOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
  ): Promise<void> {
    const totals = await this.status.recordOutcome(cycleId, streamerId, outcome);
    if (totals) {
      this.logger.log(
        { cycleId, ...totals, durationMs: Date.now() - totals.startedAt },
        'ingestion_finished',
      );
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
