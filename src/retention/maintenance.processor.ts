import { InjectQueue } from '@nestjs/bull';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Queue } from 'bull';
import { withTimeout } from '../common/timeout';
import { blockingConnection, disconnectQueue } from '../redis/bull-connections';
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
  private closed?: Promise<void>;

  constructor(
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    private readonly handler: MaintenanceHandler,
  ) {
    // As in IngestionProcessor: @nestjs/bull's own close can wait for ever on a Redis that went
    // away during start-up; this processor closes the queue itself, with a bound.
    (queue as Queue & { onApplicationShutdown?: () => Promise<void> }).onApplicationShutdown = () =>
      this.closed ?? queue.close().then(() => undefined);
  }

  onApplicationBootstrap(): void {
    this.queue
      .process(JOB_RETENTION, 1, () => this.handler.retention(this.stop.signal))
      .catch((error: unknown) =>
        this.logger.error({ err: (error as Error).message }, 'maintenance_worker_stopped'),
      );
  }

  /**
   * Quick by design: Nest runs the modules' shutdown hooks one module after another, so a slow
   * close here would keep the ingestion queue taking jobs after the stop began.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    blockingConnection(this.queue)?.disconnect();
    if (this.queue.client.status !== 'ready') {
      // Redis is unreachable: a close would wait for it; nothing is lost (a held job is found
      // stalled and runs again).
      disconnectQueue(this.queue);
      this.closed = Promise.resolve();
      return;
    }
    this.closed = withTimeout(this.queue.close(), CLOSE_TIMEOUT_MS, 'The maintenance queue').catch(
      () => disconnectQueue(this.queue),
    );
    await this.closed;
  }
}
