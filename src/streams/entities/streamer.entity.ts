import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type ApiMode = 'clipador_only' | 'clipador_trial' | 'client';
export const API_MODES: readonly ApiMode[] = ['clipador_only', 'clipador_trial', 'client'];

/** Outcome of the streamer's last sync, shown so that a skipped streamer is never silent. */
export type SyncStatus = 'ok' | 'skipped' | 'failed';

@Entity('streamers')
@Check('chk_streamers_api_mode', `api_mode IN ('clipador_only', 'clipador_trial', 'client')`)
@Check('chk_streamers_monitor_interval', `monitor_interval_seconds > 0`)
@Check('chk_streamers_monitor_min_clips', `monitor_min_clips > 0`)
export class StreamerEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'twitch_user_id', type: 'varchar', length: 64, unique: true })
  twitchUserId: string;

  @Column({ name: 'display_name', type: 'varchar', length: 255 })
  displayName: string;

  @Column({ name: 'avatar_url', type: 'text', nullable: true })
  avatarUrl: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @Column({ name: 'monitor_interval_seconds', type: 'integer', default: 180 })
  monitorIntervalSeconds: number;

  @Column({ name: 'monitor_min_clips', type: 'integer', default: 2 })
  monitorMinClips: number;

  @Column({ name: 'api_mode', type: 'varchar', length: 32, default: 'clipador_only' })
  apiMode: ApiMode;

  @Column({ name: 'trial_expires_at', type: 'timestamptz', nullable: true })
  trialExpiresAt: Date | null;

  @Column({ name: 'client_twitch_client_id', type: 'varchar', length: 128, nullable: true })
  clientTwitchClientId: string | null;

  /** AES-256-GCM ciphertext (see common/crypto); never returned by the API, never logged. */
  @Column({ name: 'client_twitch_client_secret', type: 'text', nullable: true })
  clientTwitchClientSecret: string | null;

  /**
   * Polled even with no active subscriber (PRODUCT §16): true when created by an admin, the
   * seed, the import or plain SQL; false when a viewer's attach created it.
   */
  @Column({ type: 'boolean', default: true })
  managed: boolean;

  @Column({ name: 'last_clip_synced_at', type: 'timestamptz', nullable: true })
  lastClipSyncedAt: Date | null;

  @Column({ name: 'last_sync_status', type: 'varchar', length: 16, nullable: true })
  lastSyncStatus: SyncStatus | null;

  @Column({ name: 'last_sync_error', type: 'text', nullable: true })
  lastSyncError: string | null;

  /** Live status (§16), from the cycle's Get Streams; see StreamsRepository.recordLiveChecks. */
  @Column({ name: 'is_live', type: 'boolean', default: false })
  isLive: boolean;

  @Column({ name: 'live_since', type: 'timestamptz', nullable: true })
  liveSince: Date | null;

  @Column({ name: 'live_viewer_count', type: 'integer', nullable: true })
  liveViewerCount: number | null;

  @Column({ name: 'live_title', type: 'text', nullable: true })
  liveTitle: string | null;

  @Column({ name: 'live_game_name', type: 'varchar', length: 255, nullable: true })
  liveGameName: string | null;

  @Column({ name: 'last_live_check_at', type: 'timestamptz', nullable: true })
  lastLiveCheckAt: Date | null;

  @Column({ name: 'last_seen_live_at', type: 'timestamptz', nullable: true })
  lastSeenLiveAt: Date | null;

  /** Complete Get Streams answers in a row that omitted a live streamer: offline at two. */
  @Column({ name: 'live_missed_checks', type: 'integer', default: 0 })
  liveMissedChecks: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
