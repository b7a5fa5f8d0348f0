import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { FanOutResult } from '../deliveries/deliveries.repository';
import { NotificationListDto, NotificationTestDto } from './dto/notification.dto';
import { NotificationQueue } from './notification-queue';
import { NoNotificationChannelsError } from './notifications.errors';
import { OutboxRepository } from './outbox.repository';

/**
 * The outbox's side for the rest of the service (§17). Ingestion hands it what it is committing
 * (the (user, burst) and chefe (user, clip) pairs its deliveries reached, the streamers that went online) inside its
 * transaction, and calls announce() after the commit; the dashboard lists and tests.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly queue: NotificationQueue,
  ) {}

  /**
   * In the sync's transaction: a message per configured channel of each user a burst reached,
   * and of each clip the partner modes delivered on its own (chefe_clip).
   */
  async enqueueDeliveries(
    manager: EntityManager,
    streamerId: number,
    delivered: Pick<FanOutResult, 'reached' | 'chefe'>,
  ): Promise<number> {
    const written =
      (await this.outbox.enqueueBursts(manager, streamerId, delivered.reached)) +
      (await this.outbox.enqueueChefeClips(manager, streamerId, delivered.chefe));
    if (written > 0)
      this.logger.log({ streamerId, notifications: written }, 'notifications_queued');
    return written;
  }

  /** In the live check's transaction: "now live" for the subscribers with notify_online. */
  async enqueueLive(manager: EntityManager, onlineStreamerIds: readonly number[]): Promise<number> {
    const written = await this.outbox.enqueueLive(manager, onlineStreamerIds);
    if (written > 0) {
      this.logger.log(
        { streamers: onlineStreamerIds.length, notifications: written },
        'notifications_queued',
      );
    }
    return written;
  }

  /** After a commit that wrote outbox rows: wake a dispatcher up. Never rejects. */
  announce(): Promise<void> {
    return this.queue.kick();
  }

  async sendTest(userId: number): Promise<NotificationTestDto> {
    const queued = await this.outbox.enqueueTest(userId, randomUUID());
    if (queued.length === 0) throw new NoNotificationChannelsError();
    await this.announce();
    return { queued };
  }

  async recent(userId: number, limit: number): Promise<NotificationListDto> {
    const rows = await this.outbox.recent(userId, limit);
    return {
      items: rows.map((row) => ({
        id: row.id,
        kind: row.kind,
        channel: row.channel,
        status: row.status,
        attempts: row.attempts,
        streamer_id: row.streamerId,
        burst_id: row.burstId,
        last_error: row.lastError,
        folded: row.folded,
        created_at: row.createdAt.toISOString(),
        sent_at: row.sentAt?.toISOString() ?? null,
        next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
      })),
    };
  }
}
