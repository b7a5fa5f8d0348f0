import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InProcessJobQueue } from './in-process-job-queue';
import { IngestionJobHandler, JobQueue } from './job-queue';

/** Role `worker` without Redis: the in-process runner executes the jobs with the shared handler. */
@Injectable()
export class InProcessWorker implements OnApplicationBootstrap {
  constructor(
    private readonly queue: JobQueue,
    private readonly handler: IngestionJobHandler,
  ) {}

  onApplicationBootstrap(): void {
    (this.queue as InProcessJobQueue).attach(this.handler);
  }
}
