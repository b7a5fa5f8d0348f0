import { InjectQueue } from '@nestjs/bull';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Queue } from 'bull';
import { closeQueueQuickly } from '../redis/bull-connections';
import { JOB_DISPATCH, NOTIFICATIONS_QUEUE } from './notifications.jobs';
import { NotificationDispatcher } from './notification-dispatcher';

const CLOSE_TIMEOUT_MS = 5_000;

/** The Bull side of a worker for notifications: one slot, each wake-up drains what is due. */
@Injectable()
export class NotificationProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationProcessor.name);

  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue,
    private readonly dispatcher: NotificationDispatcher,
  ) {}

  onApplicationBootstrap(): void {
    this.queue
      .process(JOB_DISPATCH, 1, () => this.dispatcher.drain())
      .catch((error: unknown) =>
        this.logger.error({ err: (error as Error).message }, 'notification_worker_stopped'),
      );
  }

  /** Stops taking wake-ups; bounded, so a Redis that went away cannot hold the stop. */
  async beforeApplicationShutdown(): Promise<void> {
    await closeQueueQuickly(this.queue, CLOSE_TIMEOUT_MS);
  }
}
