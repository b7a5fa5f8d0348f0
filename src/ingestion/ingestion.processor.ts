import { InjectQueue } from '@nestjs/bull';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bull';
import { withLogFields } from '../common/log-context';
import { AppConfig } from '../config/configuration';
import { blockingConnection, disconnectQueue } from '../redis/bull-connections';
import {
  INGESTION_CYCLE_QUEUE,
  INGESTION_QUEUE,
  JOB_SYNC_ALL,
  JOB_SYNC_STREAMER,
  SyncAllJob,
  SyncStreamerJob,
} from './ingestion.jobs';
import { IngestionJobHandler } from './job-queue';
import { SyncInterruptedError, SyncInterruption } from './sync-interruption';

/**
 * The Bull side of a worker (role `worker` with Redis): thin, it hands each job to the shared
 * handler. Registered with `queue.process` rather than @Process so that the concurrency comes from
 * the validated configuration.
 *
 * One process() call per queue: Bull runs the sum of the concurrencies of every process() call on
 * a queue, each loop taking any job name. The streamer queue runs exactly
 * CLIPADOR_INGESTION_CONCURRENCY syncs at once; the fan-out has its own queue and its own slot.
 *
 * On shutdown it stops taking jobs and gives the running ones a grace period; a job still running
 * after it is interrupted and goes back to the queue for another worker (see SyncInterruption).
 * This happens before the database and Redis connections close (onApplicationShutdown), so a job
 * that finishes in time can still commit and report.
 */
@Injectable()
export class IngestionProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestionProcessor.name);

  private closed?: Promise<void>;

  constructor(
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue,
    @InjectQueue(INGESTION_CYCLE_QUEUE) private readonly cycles: Queue,
    private readonly handler: IngestionJobHandler,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly interruption: SyncInterruption,
  ) {
    // @nestjs/bull closes the queue in its own shutdown hook, waiting on Bull's close() for as
    // long as it takes. When Redis went away before the worker finished starting, that is for
    // ever (Bull's start-up subscription waits for a connection that never comes, and close()
    // waits for it). This worker closes the queue itself, with a bound, before that hook runs.
    for (const each of [queue, cycles]) {
      (each as Queue & { onApplicationShutdown?: () => Promise<void> }).onApplicationShutdown =
        () => this.closed ?? each.close().then(() => undefined);
    }
  }

  onApplicationBootstrap(): void {
    const concurrency = this.config.get('ingestion', { infer: true }).concurrency;
    // process() settles only when the queue closes; a rejection means the worker stopped.
    const stopped = (error: unknown) =>
      this.logger.error({ err: (error as Error).message }, 'worker_stopped');
    this.cycles
      .process(JOB_SYNC_ALL, 1, (job: Job<SyncAllJob>) =>
        withLogFields({ jobId: String(job.id), cycleId: job.data.cycleId }, () =>
          this.handler.syncAll(job.data),
        ),
      )
      .catch(stopped);
    this.queue
      .process(JOB_SYNC_STREAMER, concurrency, (job: Job<SyncStreamerJob>) =>
        withLogFields(
          { jobId: String(job.id), cycleId: job.data.cycleId, streamerId: job.data.streamerId },
          () => this.syncStreamer(job),
        ),
      )
      .catch(stopped);
  }

  private async syncStreamer(job: Job<SyncStreamerJob>): Promise<void> {
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      await this.handler.syncStreamer(job.data, finalAttempt);
    } catch (error) {
      if (error instanceof SyncInterruptedError) {
        // Bull counts the interrupted run as a failed attempt; allowing one more (in this copy
        // of the job only) makes sure it is retried, by whichever worker is up, after its usual
        // backoff, even if this was its last attempt.
        job.opts.attempts = Math.max(job.opts.attempts ?? 1, job.attemptsMade + 2);
      }
      throw error;
    }
  }

  /** Stops taking jobs, lets running ones finish within the grace, then interrupts the rest. */
  async beforeApplicationShutdown(): Promise<void> {
    // close() stops fetching jobs, resolves when the running ones have settled, then disconnects
    // this queue's Redis connections.
    const queues = [this.queue, this.cycles];
    const closing = Promise.all(queues.map((queue) => queue.close())).then(() => undefined);
    // Cutting the blocking connection now means no job is taken after the stop began.
    for (const queue of queues) blockingConnection(queue)?.disconnect();
    const outcome = await this.interruption.drain(closing);
    if (outcome === 'abandoned') {
      // Redis is unreachable: nothing more can be handed back. Stop the reconnection attempts;
      // jobs this worker held are found stalled and run again once Redis is back.
      for (const queue of queues) disconnectQueue(queue);
      this.closed = Promise.resolve();
      this.logger.warn({ graceMs: this.interruption.graceMs }, 'worker_queue_close_abandoned');
      return;
    }
    this.closed = closing.catch(() => undefined);
    if (outcome === 'interrupted') {
      this.logger.warn({ graceMs: this.interruption.graceMs }, 'worker_jobs_interrupted');
    }
  }
}
