import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BurstChanges } from '../clips/bursts.service';
import { ClipUpsertRow } from '../clips/clips.service';
import { AppConfig } from '../config/configuration';
import { EventsPublisher } from '../events/events.publisher';
import { StreamerForSync, StreamerSyncService } from '../streams/streamer-sync.service';
import type { HelixClip } from '../twitch/helix.types';
import { TwitchClient } from '../twitch/twitch.client';
import { TwitchError } from '../twitch/twitch.errors';
import { appCredentials, credentialsForStreamer, TwitchAppCredentials } from './credentials';
import { StreamerOutcome } from './ingestion-status.store';
import { STREAMER_SYNC_LOCK, StreamerSyncLock } from './streamer-sync-lock';
import { SyncInterruption } from './sync-interruption';
import { SyncWriter } from './sync-writer';

/** How far back the first sync of a new streamer reads. */
export const INITIAL_LOOKBACK_MS = 24 * 60 * 60 * 1000;

/**
 * The sync of one streamer: under its lock, its credentials, the clips Twitch has since the last
 * sync (minus the margin), then SyncWriter's commit. Its outcome is 'synced' or 'skipped' (with the
 * reason stored on the streamer); a failure is thrown for the job to retry.
 */
@Injectable()
export class StreamerSync {
  private readonly logger = new Logger(StreamerSync.name);
  private readonly marginMs: number;
  private readonly clipadorCredentials: TwitchAppCredentials | undefined;
  /** Life of a streamer's sync lock between extensions (see run). */
  private readonly lockTtlMs: number;

  constructor(
    private readonly streams: StreamerSyncService,
    private readonly twitch: TwitchClient,
    private readonly writer: SyncWriter,
    private readonly interruption: SyncInterruption,
    @Inject(STREAMER_SYNC_LOCK) private readonly locks: StreamerSyncLock,
    private readonly events: EventsPublisher,
    config: ConfigService<AppConfig, true>,
  ) {
    const ingestion = config.get('ingestion', { infer: true });
    this.marginMs = ingestion.marginMinutes * 60_000;
    this.lockTtlMs = Math.max(1_000, Math.floor(ingestion.jobLockMs / 2));
    this.clipadorCredentials = appCredentials(config.get('twitch', { infer: true }));
  }

  /**
   * Syncs under the streamer's lock, extended while the sync runs. Its TTL is half of Bull's job
   * lock: when a worker dies mid-sync, its streamer lock is gone before Bull finds the job stalled
   * and hands it to another worker, which must not then skip the streamer as "already syncing".
   */
  async run(cycleId: string, streamerId: number): Promise<StreamerOutcome> {
    const ttlMs = this.lockTtlMs;
    const lock = await this.locks.acquire(streamerId, ttlMs);
    if (!lock) {
      this.logger.log(
        { cycleId, streamerId, reason: 'another sync of this streamer is running' },
        'ingestion_skipped',
      );
      return 'skipped';
    }
    const extender = setInterval(() => {
      // A missed extension (Redis away) at worst lets a second sync start; the database's
      // advisory lock still serialises their writes.
      this.locks.extend(streamerId, lock, ttlMs).catch(() => undefined);
    }, ttlMs / 3);
    try {
      return await this.syncLocked(cycleId, streamerId);
    } finally {
      clearInterval(extender);
      await this.locks.release(streamerId, lock).catch(() => undefined);
    }
  }

  private async syncLocked(cycleId: string, streamerId: number): Promise<StreamerOutcome> {
    const startedAt = Date.now();
    const streamer = await this.streams.findForSync(streamerId);
    if (!streamer || !streamer.isActive) {
      const reason = streamer ? 'streamer is inactive' : 'streamer was deleted';
      this.logger.log({ cycleId, streamerId, reason }, 'ingestion_skipped');
      return 'skipped';
    }

    const credentials = await this.credentialsFor(streamer);
    if ('skip' in credentials) return this.skip(cycleId, streamer, credentials.skip);

    const until = new Date();
    const from = new Date(
      (streamer.lastClipSyncedAt?.getTime() ?? until.getTime() - INITIAL_LOOKBACK_MS) -
        this.marginMs,
    );
    let fetched: HelixClip[];
    try {
      fetched = await this.interruption.race(
        this.twitch.getClips(credentials.use, {
          broadcasterId: streamer.twitchUserId,
          startedAt: from,
          endedAt: until,
        }),
      );
    } catch (error) {
      // A refusal that no retry can fix (bad credentials, bad broadcaster id) is a skip with a
      // reason; anything else (Twitch down, budget exhausted) fails the job so the queue retries.
      if (error instanceof TwitchError && !error.retryable) {
        return this.skip(cycleId, streamer, error.message);
      }
      throw error;
    }

    const rows = fetched.map((clip) => toUpsertRow(clip, streamer)).filter(isDefined);
    // Last point to stop: once the transaction starts, it is left to commit.
    this.interruption.check();
    const { upserted, changes } = await this.writer.commit(streamer, rows, until);
    // Committed: the clips, bursts and deliveries above are stored for good from here on.
    // Announce it to the live feed (bounded; never fails the sync).
    await this.events.burstsChanged(streamer, changes);

    this.logBurstChanges(cycleId, streamer, changes);
    this.logger.log(
      {
        cycleId,
        streamerId: streamer.id,
        fetched: fetched.length,
        inserted: upserted.inserted.length,
        updated: upserted.updated,
        burstsCreated: changes.created.length,
        burstsGrown: changes.grown.length,
        durationMs: Date.now() - startedAt,
      },
      'ingestion_streamer_done',
    );
    return 'synced';
  }

  private credentialsFor(
    streamer: StreamerForSync,
  ): Promise<{ use: TwitchAppCredentials } | { skip: string }> {
    return credentialsForStreamer(this.streams, streamer, this.clipadorCredentials, new Date());
  }

  private async skip(
    cycleId: string,
    streamer: StreamerForSync,
    reason: string,
  ): Promise<StreamerOutcome> {
    this.logger.warn({ cycleId, streamerId: streamer.id, reason }, 'ingestion_skipped');
    await this.streams.recordSyncProblem(streamer.id, 'skipped', reason);
    return 'skipped';
  }

  private logBurstChanges(cycleId: string, streamer: StreamerForSync, changes: BurstChanges): void {
    for (const [event, list] of [
      ['ingestion_burst_created', changes.created],
      ['ingestion_burst_grown', changes.grown],
    ] as const) {
      for (const burst of list) {
        this.logger.log(
          {
            cycleId,
            streamerId: streamer.id,
            burstId: burst.burstId,
            anchorClipId: burst.anchorClipId,
            start: burst.startTime.toISOString(),
            end: burst.endTime.toISOString(),
            clipCount: burst.clipCount,
            added: burst.addedClips,
          },
          event,
        );
      }
    }
  }
}

/** Helix's clip as our row; a clip whose creation time cannot be read is dropped. */
function toUpsertRow(clip: HelixClip, streamer: StreamerForSync): ClipUpsertRow | undefined {
  const createdAt = new Date(clip.created_at);
  if (!clip.id || Number.isNaN(createdAt.getTime())) return undefined;
  return {
    clipId: clip.id,
    streamerName: clip.broadcaster_name || streamer.displayName,
    createdAt,
    viewerCount: Number.isSafeInteger(clip.view_count) ? clip.view_count : 0,
    videoId: clip.video_id || null,
    title: clip.title ?? null,
    duration: Number.isFinite(clip.duration) ? clip.duration : null,
    url: clip.url || null,
    thumbnailUrl: clip.thumbnail_url || null,
    vodOffset: Number.isSafeInteger(clip.vod_offset) ? clip.vod_offset : null,
    creatorName: clip.creator_name || null,
  };
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
