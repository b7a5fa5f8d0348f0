import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DeliveriesRepository, FanOutResult } from './deliveries.repository';
import { DeliveryHistoryDto } from './dto/delivery.dto';
import { HistoryCursor } from './dto/history-query.dto';
import { modeMinClipsParameters } from './thresholds';

/** What a sync is committing for one streamer, as ingestion hands it over. */
export interface SyncCommit {
  streamerId: number;
  /** Bursts created or grown by this sync. */
  burstIds: readonly number[];
  /** Clips stored for the first time by this sync (clips.id). */
  newClipIds: readonly number[];
  /**
   * The streamer's live viewer count at the burst (its last live check, PRODUCT §16); null =
   * offline, and AUTOMATICO users then get the subscription's min.
   */
  liveViewerCount: number | null;
}

/**
 * Deliveries (PRODUCT §13): which user gets which clip. Ingestion calls deliver() inside its
 * sync transaction; the dashboard reads the history.
 */
@Injectable()
export class DeliveriesService {
  private readonly logger = new Logger(DeliveriesService.name);

  constructor(private readonly deliveries: DeliveriesRepository) {}

  /**
   * Fans a sync's bursts and new clips out to the streamer's subscribers, in the caller's
   * transaction and in one statement. Returns the rows written (0 for a re-run) and the
   * (user, burst) pairs they reached and the (user, clip) pairs of the partner modes, which the
   * caller hands to the notification outbox.
   */
  async deliver(manager: EntityManager, commit: SyncCommit): Promise<FanOutResult> {
    if (commit.burstIds.length === 0 && commit.newClipIds.length === 0) {
      return { written: 0, reached: [], chefe: [] };
    }
    const startedAt = Date.now();
    const result = await this.deliveries.fanOut(manager, {
      streamerId: commit.streamerId,
      burstIds: commit.burstIds,
      newClipIds: commit.newClipIds,
      modeMinClips: modeMinClipsParameters(commit.liveViewerCount),
    });
    const written = result.written;
    if (written > 0) {
      this.logger.log(
        {
          streamerId: commit.streamerId,
          bursts: commit.burstIds.length,
          deliveries: written,
          durationMs: Date.now() - startedAt,
        },
        'deliveries_written',
      );
    }
    return result;
  }

  /** `GET /config/me/history`: newest first, with the cursor of the next page. */
  async history(
    userId: number,
    limit: number,
    before: HistoryCursor | null,
  ): Promise<DeliveryHistoryDto> {
    // One more than asked tells whether there is a next page.
    const rows = await this.deliveries.history(userId, limit + 1, before);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        clip_external_id: row.clipExternalId,
        delivered_at: row.deliveredAt.toISOString(),
        streamer_display_name: row.streamerDisplayName ?? '',
        streamer_twitch_id: row.streamerTwitchId ?? '',
        viewer_count: row.viewerCount ?? 0,
        clip_title: row.clipTitle,
      })),
      next_before: rows.length > limit && last ? `${last.cursorAt},${last.id}` : null,
    };
  }
}
