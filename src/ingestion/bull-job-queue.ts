import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import type Redis from 'ioredis';
import { DomainError } from '../common/errors/domain.error';
import { withTimeout } from '../common/timeout';
import {
  INGESTION_CYCLE_QUEUE,
  INGESTION_QUEUE,
  JOB_POLICIES,
  JOB_SYNC_ALL,
  JOB_SYNC_STREAMER,
  KEEP_COMPLETED_JOBS,
  KEEP_FAILED_JOBS,
  streamerJobId,
  SyncAllJob,
  SyncStreamerJob,
} from './ingestion.jobs';
import { JobQueue } from './job-queue';

/** Longest an enqueue waits for Redis (to come back, then to answer) before it is refused. */
const ENQUEUE_TIMEOUT_MS = 2_000;
/** addBulk in slices, so 10,000 streamers do not become one giant Redis transaction. */
const BULK_SLICE = 500;

function jobOptions(name: keyof typeof JOB_POLICIES, jobId: string): JobOptions {
  const policy = JOB_POLICIES[name];
  return {
    jobId,
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs },
    removeOnComplete: KEEP_COMPLETED_JOBS,
    removeOnFail: KEEP_FAILED_JOBS,
  };
}

@Injectable()
export class BullJobQueue extends JobQueue {
  constructor(
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue,
    @InjectQueue(INGESTION_CYCLE_QUEUE) private readonly cycles: Queue,
  ) {
    super();
  }

  async enqueueSyncAll(job: SyncAllJob, jobId: string): Promise<string> {
    const added = await this.bounded(this.cycles, () =>
      this.cycles.add(JOB_SYNC_ALL, job, jobOptions(JOB_SYNC_ALL, jobId)),
    );
    return String(added.id);
  }

  async enqueueStreamerSyncs(jobs: SyncStreamerJob[]): Promise<void> {
    for (let start = 0; start < jobs.length; start += BULK_SLICE) {
      const slice = jobs.slice(start, start + BULK_SLICE).map((data) => ({
        name: JOB_SYNC_STREAMER,
        data,
        opts: jobOptions(JOB_SYNC_STREAMER, streamerJobId(data.cycleId, data.streamerId)),
      }));
      await this.bounded(this.queue, () => this.queue.addBulk(slice));
    }
  }

  async jobCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const [name, queue] of [
      ['streamer', this.queue],
      ['cycle', this.cycles],
    ] as const) {
      const byState: Record<string, number> = {
        ...(await this.bounded(queue, () => queue.getJobCounts())),
      };
      for (const [state, value] of Object.entries(byState)) counts[`${name}:${state}`] = value;
    }
    return counts;
  }

  /**
   * Runs `operation` only once Bull's connection is up, all within ENQUEUE_TIMEOUT_MS. Bull's
   * connection queues commands while Redis is away and sends them when it is back: a command
   * issued during an outage would add the job minutes after its caller was told 503 (seen in the
   * Redis fault test: every refused POST /ingestion/sync ran once Redis returned). Waiting for
   * the connection first means a refused enqueue is never sent.
   */
  private async bounded<T>(queue: Queue, operation: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + ENQUEUE_TIMEOUT_MS;
    try {
      await whenReady(queue.client, ENQUEUE_TIMEOUT_MS);
      const left = Math.max(1, deadline - Date.now());
      return await withTimeout(operation(), left, 'The job queue (Redis)');
    } catch (error) {
      throw new DomainError(
        'unavailable',
        'queue_unavailable',
        `The job queue is unavailable: ${(error as Error).message}`,
      );
    }
  }
}

/** Resolves when `client` is connected, at once if it is; TimeoutError after `ms`. */
async function whenReady(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return;
  let onReady: (() => void) | undefined;
  try {
    await withTimeout(
      new Promise<void>((resolve) => {
        onReady = resolve;
        client.once('ready', onReady);
      }),
      ms,
      'The job queue (Redis)',
    );
  } finally {
    if (onReady) client.off('ready', onReady);
  }
}
