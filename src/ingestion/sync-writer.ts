import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BurstChanges, BurstsService } from '../clips/bursts.service';
import { ClipsService, ClipUpsertResult, ClipUpsertRow } from '../clips/clips.service';
import { DeliveriesService } from '../deliveries/deliveries.service';
import { NotificationsService } from '../notifications/notifications.service';
import { StreamerForSync, StreamerSyncService } from '../streams/streamer-sync.service';

/** What one sync committed. */
export interface SyncWrite {
  upserted: ClipUpsertResult;
  changes: BurstChanges;
}

/**
 * Writes what one sync of a streamer found — its clips, their bursts, the deliveries, the
 * notification outbox and the sync time — in one transaction under the streamer's lock. This is
 * the sync's commit point: when `commit` returns, everything it wrote is committed (and a
 * notification dispatcher has been woken up for what it queued).
 */
@Injectable()
export class SyncWriter {
  constructor(
    private readonly streams: StreamerSyncService,
    private readonly clips: ClipsService,
    private readonly bursts: BurstsService,
    private readonly deliveries: DeliveriesService,
    private readonly notifications: NotificationsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Most streamers have no clip in most cycles; then the sync time is all there is to write, and
   * one statement does it.
   */
  async commit(streamer: StreamerForSync, rows: ClipUpsertRow[], until: Date): Promise<SyncWrite> {
    if (rows.length === 0) {
      await this.streams.recordSynced(this.dataSource.manager, streamer.id, until);
      return { upserted: { inserted: [], updated: 0 }, changes: { created: [], grown: [] } };
    }
    const written = await this.dataSource.transaction(async (manager) => {
      await this.streams.lockForSync(manager, streamer.id);
      const upserted = await this.clips.upsertMany(manager, streamer, rows);
      const changes = await this.bursts.applyToNewClips(
        manager,
        {
          streamerId: streamer.id,
          windowSeconds: streamer.monitorIntervalSeconds,
          minClips: streamer.monitorMinClips,
        },
        upserted.inserted,
      );
      // Deliveries are written in this same transaction (PRODUCT §13): what is committed here
      // is delivered exactly once per user and clip, whatever retries and re-runs follow.
      const delivered = await this.deliveries.deliver(manager, {
        streamerId: streamer.id,
        burstIds: [...changes.created, ...changes.grown].map((burst) => burst.burstId),
        newClipIds: upserted.inserted.map((clip) => clip.id),
        // The streamer's live state at this sync (§16): AUTOMATICO's minimum follows its
        // viewers while live, the subscription's when offline.
        liveViewerCount: streamer.isLive ? (streamer.liveViewerCount ?? 0) : null,
      });
      // So is the notification outbox (§17): a message per channel of each user reached.
      const notified = await this.notifications.enqueueDeliveries(manager, streamer.id, delivered);
      await this.streams.recordSynced(manager, streamer.id, until);
      return { upserted, changes, notified };
    });
    if (written.notified > 0) await this.notifications.announce();
    return { upserted: written.upserted, changes: written.changes };
  }
}
