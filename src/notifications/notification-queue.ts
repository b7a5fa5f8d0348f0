import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { withTimeout } from '../common/timeout';
import { DISPATCH_JOB_ID, JOB_DISPATCH, NOTIFICATIONS_QUEUE } from './notifications.jobs';
import { NotificationDispatcher } from './notification-dispatcher';

/**
 * Wakes a dispatcher up after a commit wrote outbox rows: Bull with Redis (any worker takes
 * it), the local dispatcher without. A lost wake-up costs at most one poll period
 * (CLIPADOR_NOTIFY_POLL_MS): every worker also polls.
 */
export abstract class NotificationQueue {
  abstract kick(): Promise<void>;
}

const KICK_TIMEOUT_MS = 1_000;

@Injectable()
export class BullNotificationQueue extends NotificationQueue {
  private readonly logger = new Logger(BullNotificationQueue.name);

  constructor(@InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue) {
    super();
  }

  async kick(): Promise<void> {
    if (this.queue.client.status !== 'ready') return;
    try {
      await withTimeout(
        this.queue.add(
          JOB_DISPATCH,
          {},
          { jobId: DISPATCH_JOB_ID, removeOnComplete: true, removeOnFail: true, attempts: 1 },
        ),
        KICK_TIMEOUT_MS,
        'The notifications queue (Redis)',
      );
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'notification_kick_failed');
    }
  }
}

/** No Redis: the dispatcher of this process, when it has the worker role. */
export class LocalNotificationQueue extends NotificationQueue {
  constructor(private readonly dispatcher: NotificationDispatcher | undefined) {
    super();
  }

  kick(): Promise<void> {
    if (this.dispatcher) void this.dispatcher.drain();
    // drain() never rejects: nothing to catch here.
    return Promise.resolve();
  }
}
