import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SecretBox } from '../common/crypto/secret-box';
import { ApiMode } from './entities/streamer.entity';
import {
  LiveStreamRow,
  LiveTransitions,
  StreamerRecord,
  StreamsRepository,
} from './streams.repository';

/** What ingestion needs to sync one streamer (never its secret; see getClientCredentials). */
export interface StreamerForSync {
  id: number;
  twitchUserId: string;
  displayName: string;
  isActive: boolean;
  apiMode: ApiMode;
  /** Only meaningful for `clipador_trial`; null means the trial never expires. */
  trialExpiresAt: Date | null;
  /** The burst window W. */
  monitorIntervalSeconds: number;
  /** The burst threshold K. */
  monitorMinClips: number;
  lastClipSyncedAt: Date | null;
  hasClientCredentials: boolean;
  /** Live status (§16), as the last complete Get Streams answers left it. */
  isLive: boolean;
  /** Viewers at the last live check (null when not live): AUTOMATICO's threshold (§16). */
  liveViewerCount: number | null;
  lastSeenLiveAt: Date | null;
}

/** A streamer's own Twitch app credentials, decrypted. Keep in memory only: never log or queue. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * What syncing clips reads and writes about streamers — ingestion's planner and jobs, and the
 * imports that store clips as a sync does: the streamers to poll, their live checks, the sync lock
 * and outcome, and a streamer's own credentials (decrypted for its sync only).
 */
@Injectable()
export class StreamerSyncService {
  private readonly logger = new Logger(StreamerSyncService.name);

  constructor(
    private readonly streamers: StreamsRepository,
    private readonly secretBox: SecretBox,
  ) {}

  /** For ingestion's planner: the streamers §16 polls (active; managed or subscribed), by id. */
  async findPolledForSync(): Promise<StreamerForSync[]> {
    return (await this.streamers.findPolled()).map(toStreamerForSync);
  }

  /**
   * For ingestion's planner: one complete Get Streams answer (see the repository). `alongside`
   * runs in the same transaction with the transitions, so what reacts to them in the database
   * (the notification outbox) commits with them or not at all.
   */
  recordLiveChecks(
    checkedAt: Date,
    checkedIds: readonly number[],
    live: readonly LiveStreamRow[],
    alongside?: (manager: EntityManager, transitions: LiveTransitions) => Promise<void>,
  ): Promise<LiveTransitions> {
    if (!alongside) return this.streamers.recordLiveChecks(checkedAt, checkedIds, live);
    return this.streamers.transaction(async (manager) => {
      const transitions = await this.streamers.recordLiveChecks(
        checkedAt,
        checkedIds,
        live,
        manager,
      );
      await alongside(manager, transitions);
      return transitions;
    });
  }

  /** Every active streamer, by id. */
  async findActiveForSync(): Promise<StreamerForSync[]> {
    return (await this.streamers.findActive()).map(toStreamerForSync);
  }

  /**
   * For ingestion's per-streamer job, which reloads its streamer: null when it is gone. The job
   * decides what "not eligible" means (e.g. `isActive` false).
   */
  async findForSync(id: number): Promise<StreamerForSync | null> {
    const record = await this.streamers.findById(id);
    return record ? toStreamerForSync(record) : null;
  }

  /** For an import's clips: the streamers with these twitch_user_ids, in the caller's transaction. */
  async findByTwitchUserIds(
    manager: EntityManager,
    twitchUserIds: readonly string[],
  ): Promise<StreamerForSync[]> {
    return (await this.streamers.findByTwitchUserIds(manager, twitchUserIds)).map(
      toStreamerForSync,
    );
  }

  /** Takes the streamer's sync lock for the rest of the caller's transaction. */
  lockForSync(manager: EntityManager, streamerId: number): Promise<void> {
    return this.streamers.lockForSync(manager, streamerId);
  }

  /** Records a successful sync inside the caller's transaction. */
  recordSynced(manager: EntityManager, streamerId: number, syncedUntil: Date): Promise<void> {
    return this.streamers.recordSynced(manager, streamerId, syncedUntil);
  }

  /**
   * Makes a skipped or failed sync visible on the streamer, with its reason; inside the caller's
   * transaction when a manager is given (an import that stores a streamer inactive with its reason).
   */
  recordSyncProblem(
    streamerId: number,
    status: 'skipped' | 'failed',
    reason: string,
    manager?: EntityManager,
  ): Promise<void> {
    return this.streamers.recordSyncProblem(streamerId, status, reason, manager);
  }

  /**
   * The streamer's own Twitch credentials, decrypted; null when it has none (or is gone). This is
   * the only way a decrypted client secret leaves the streams module. Throws SecretDecryptionError
   * when the stored value cannot be decrypted (CLIPADOR_ENCRYPTION_KEY changed, or the value was
   * altered): ingestion should skip the streamer with that reason, not retry.
   */
  async getClientCredentials(id: number): Promise<ClientCredentials | null> {
    const stored = await this.streamers.findClientCredentials(id);
    if (!stored?.clientId || !stored.encryptedClientSecret) return null;
    try {
      return {
        clientId: stored.clientId,
        clientSecret: this.secretBox.decrypt(stored.encryptedClientSecret),
      };
    } catch (error) {
      this.logger.warn(
        { streamerId: id, reason: (error as Error).message },
        'streamer_client_secret_undecryptable',
      );
      throw error;
    }
  }
}

function toStreamerForSync(record: StreamerRecord): StreamerForSync {
  return {
    id: record.id,
    twitchUserId: record.twitchUserId,
    displayName: record.displayName,
    isActive: record.isActive,
    apiMode: record.apiMode,
    trialExpiresAt: record.trialExpiresAt,
    monitorIntervalSeconds: record.monitorIntervalSeconds,
    monitorMinClips: record.monitorMinClips,
    lastClipSyncedAt: record.lastClipSyncedAt,
    hasClientCredentials: record.hasClientCredentials,
    isLive: record.isLive,
    liveViewerCount: record.isLive ? record.liveViewerCount : null,
    lastSeenLiveAt: record.lastSeenLiveAt,
  };
}
