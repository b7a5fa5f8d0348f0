import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bull';
import { AppConfig } from '../config/configuration';
import {
  INGESTION_QUEUE,
  JOB_SYNC_ALL,
  JOB_SYNC_STREAMER,
  SyncAllJob,
  SyncStreamerJob,
} from './ingestion.jobs';
import { IngestionJobHandler } from './job-queue';

/**
 * The Bull side of a worker (role `worker` with Redis): thin, it hands each job to the shared
 * handler. Registered with `queue.process` rather than @Process so that the concurrency comes from
 * the validated configuration. Bull closes the queue on shutdown, waiting for running jobs.
 */
@Injectable()
export class IngestionProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(IngestionProcessor.name);

  constructor(
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue,
    private readonly handler: IngestionJobHandler,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    const concurrency = this.config.get('ingestion', { infer: true }).concurrency;
    // process() settles only when the queue closes; a rejection means the worker stopped.
    const stopped = (error: unknown) =>
      this.logger.error({ err: (error as Error).message }, 'worker_stopped');
    this.queue
      .process(JOB_SYNC_ALL, 1, (job: Job<SyncAllJob>) => this.handler.syncAll(job.data))
      .catch(stopped);
    this.queue
      .process(JOB_SYNC_STREAMER, concurrency, (job: Job<SyncStreamerJob>) => {
        const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        return this.handler.syncStreamer(job.data, finalAttempt);
      })
      .catch(stopped);
  }
}
