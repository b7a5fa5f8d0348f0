import { InjectQueue } from '@nestjs/bull';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Queue } from 'bull';
import { closeQueueQuickly } from '../redis/bull-connections';
import { JOB_RETENTION, MAINTENANCE_QUEUE } from './maintenance.jobs';
import { MaintenanceHandler } from './maintenance-queue';

/** How long a stopping worker waits for the queue to close before it cuts the connections. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * The Bull side of maintenance (role `worker` with Redis): one processor with one slot on its own
 * queue, so a retention run never takes an ingestion slot however long it lasts. On shutdown the
 * run under way stops after its current batch and its job completes: tomorrow's run takes the
 * rest.
 */
@Injectable()
export class MaintenanceProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private readonly stop = new AbortController();

  constructor(
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    private readonly handler: MaintenanceHandler,
  ) {}

  onApplicationBootstrap(): void {
    this.queue
      .process(JOB_RETENTION, 1, () => this.handler.retention(this.stop.signal))
      .catch((error: unknown) =>
        this.logger.error({ err: (error as Error).message }, 'maintenance_worker_stopped'),
      );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await closeQueueQuickly(this.queue, CLOSE_TIMEOUT_MS);
  }
}
