import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { BurstChanges, BurstsService } from '../clips/bursts.service';
import { ClipsService, ClipUpsertResult, ClipUpsertRow } from '../clips/clips.service';
import { AppConfig, IngestionSection } from '../config/configuration';
import { NotificationsService } from '../notifications/notifications.service';
import { DeliveriesService } from '../deliveries/deliveries.service';
import { InjectRedis } from '../redis/redis.module';
import { StreamerForSync, StreamsService } from '../streams/streams.service';
import type { HelixClip } from '../twitch/helix.types';
import { TwitchClient } from '../twitch/twitch.client';
import { TwitchError } from '../twitch/twitch.errors';
import { appCredentials, credentialsForStreamer, TwitchAppCredentials } from './credentials';
import { StreamerOutcome } from './ingestion-status.store';
import { IngestionStatusService } from './ingestion-status.service';
import { SyncAllJob, SyncStreamerJob } from './ingestion.jobs';
import { IngestionJobHandler } from './job-queue';
import {
  MemoryStreamerSyncLock,
  RedisStreamerSyncLock,
  StreamerSyncLock,
} from './streamer-sync-lock';
import { SyncCyclePlanner } from './sync-cycle.planner';
import { SyncInterruptedError, SyncInterruption } from './sync-interruption';

/** How far back the first sync of a new streamer reads. */
export const INITIAL_LOOKBACK_MS = 24 * 60 * 60 * 1000;

/**
 * Turns Twitch clips into bursts. It orchestrates — credentials, the Twitch client, the clip
 * upsert, the burst rule, the streamer's sync status — and contains no algorithm of its own.
 * It is also the job handler that the Bull processor and the in-process runner call.
 */
@Injectable()
export class IngestionService extends IngestionJobHandler {
  private readonly logger = new Logger(IngestionService.name);
  private readonly ingestion: IngestionSection;
  private readonly clipadorCredentials: TwitchAppCredentials | undefined;
  private readonly locks: StreamerSyncLock;
  /** Life of a streamer's sync lock between extensions (see syncOne). */
  private readonly syncLockTtlMs: number;

  constructor(
    private readonly streams: StreamsService,
    private readonly clips: ClipsService,
    private readonly bursts: BurstsService,
    private readonly deliveries: DeliveriesService,
    private readonly notifications: NotificationsService,
    private readonly twitch: TwitchClient,
    private readonly planner: SyncCyclePlanner,
    private readonly status: IngestionStatusService,
    private readonly interruption: SyncInterruption,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() redis: Redis | null,
    config: ConfigService<AppConfig, true>,
  ) {
    super();
    this.ingestion = config.get('ingestion', { infer: true });
    this.syncLockTtlMs = Math.max(1_000, Math.floor(this.ingestion.jobLockMs / 2));
    this.clipadorCredentials = appCredentials(config.get('twitch', { infer: true }));
    this.locks = redis
      ? new RedisStreamerSyncLock(redis, config.get('redis', { infer: true }).prefix)
      : new MemoryStreamerSyncLock();
  }

  /** The cycle job: planned by SyncCyclePlanner (live status, budget, pending marks). */
  syncAll(job: SyncAllJob): Promise<void> {
    return this.planner.run(job);
  }

  async syncStreamer(job: SyncStreamerJob, finalAttempt: boolean): Promise<void> {
    const { cycleId, streamerId } = job;
    let outcome: StreamerOutcome;
    try {
      outcome = await this.syncOne(cycleId, streamerId);
    } catch (error) {
      // Not an outcome: the job goes back to the queue (or, in-process, to the next cycle).
      if (error instanceof SyncInterruptedError) {
        this.logger.warn({ cycleId, streamerId }, 'ingestion_streamer_interrupted');
        throw error;
      }
      const reason = errorMessage(error);
      if (!finalAttempt) {
        this.logger.warn({ cycleId, streamerId, err: reason }, 'ingestion_streamer_retry');
        throw error;
      }
      this.logger.error({ cycleId, streamerId, err: reason }, 'ingestion_failed');
      await this.streams.recordSyncProblem(streamerId, 'failed', reason).catch(() => undefined);
      await this.countOutcome(cycleId, streamerId, 'failed');
      throw error;
    }
    await this.countOutcome(cycleId, streamerId, outcome);
  }

  /**
   * Syncs under the streamer's lock, extended while the sync runs. Its TTL is half of Bull's job
   * lock: when a worker dies mid-sync, its streamer lock is gone before Bull finds the job stalled
   * and hands it to another worker, which must not then skip the streamer as "already syncing".
   */
  private async syncOne(cycleId: string, streamerId: number): Promise<StreamerOutcome> {
    const ttlMs = this.syncLockTtlMs;
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
        this.ingestion.marginMinutes * 60_000,
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
    const { upserted, changes } = await this.store(streamer, rows, until);

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

  /**
   * Writes what one sync found: the clips, their bursts and the sync time, in one transaction
   * under the streamer's lock. Most streamers have no clip in most cycles; then the sync time is
   * all there is to write, and one statement does it.
   */
  private async store(
    streamer: StreamerForSync,
    rows: ClipUpsertRow[],
    until: Date,
  ): Promise<{ upserted: ClipUpsertResult; changes: BurstChanges }> {
    if (rows.length === 0) {
      await this.streams.recordSynced(this.dataSource.manager, streamer.id, until);
      return { upserted: { inserted: [], updated: 0 }, changes: { created: [], grown: [] } };
    }
    const stored = await this.dataSource.transaction(async (manager) => {
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
      const notified = await this.notifications.enqueueBursts(
        manager,
        streamer.id,
        delivered.reached,
      );
      await this.streams.recordSynced(manager, streamer.id, until);
      return { upserted, changes, notified };
    });
    if (stored.notified > 0) await this.notifications.announce();
    return stored;
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

  private async countOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
  ): Promise<void> {
    const totals = await this.status.recordOutcome(cycleId, streamerId, outcome);
    if (totals) {
      this.logger.log(
        { cycleId, ...totals, durationMs: Date.now() - totals.startedAt },
        'ingestion_finished',
      );
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
