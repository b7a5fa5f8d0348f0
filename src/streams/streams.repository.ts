import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain.error';
import { ApiMode, StreamerEntity } from './entities/streamer.entity';

/**
 * A streamer as stored, minus its client secret: the encrypted secret is read by two queries only
 * (`findClientCredentials`, and `findForImport` whose caller compares it), so no other path can
 * hand it on by accident. Whether credentials are stored is computed by the database instead.
 */
export interface StreamerRecord {
  id: number;
  twitchUserId: string;
  displayName: string;
  avatarUrl: string | null;
  isActive: boolean;
  monitorIntervalSeconds: number;
  monitorMinClips: number;
  apiMode: ApiMode;
  trialExpiresAt: Date | null;
  hasClientCredentials: boolean;
  lastClipSyncedAt: Date | null;
  isLive: boolean;
  liveSince: Date | null;
  liveViewerCount: number | null;
  liveTitle: string | null;
  liveGameName: string | null;
  lastLiveCheckAt: Date | null;
  lastSeenLiveAt: Date | null;
}

/** One stream a complete Get Streams answer reported live. */
export interface LiveStreamRow {
  streamerId: number;
  startedAt: Date;
  viewerCount: number;
  title: string;
  gameName: string;
  twitchStreamId: string;
}

/** Streamers whose live state changed with one batch of live checks. */
export interface LiveTransitions {
  online: number[];
  offline: number[];
}

/** Everything a new row needs; the secret arrives here already encrypted. */
export interface NewStreamerRow {
  twitchUserId: string;
  displayName: string;
  avatarUrl: string | null;
  isActive: boolean;
  monitorIntervalSeconds: number;
  monitorMinClips: number;
  apiMode: ApiMode;
  trialExpiresAt: Date | null;
  clientTwitchClientId: string | null;
  encryptedClientSecret: string | null;
}

/** A streamer as an import compares it with a row: its record and its stored credentials. */
export interface StreamerImportState extends StreamerRecord {
  clientTwitchClientId: string | null;
  encryptedClientSecret: string | null;
}

/** The fields an import may change on an existing streamer; the secret arrives encrypted. */
export type ImportedStreamerFields = Omit<NewStreamerRow, 'twitchUserId'>;

export interface StoredClientCredentials {
  clientId: string | null;
  encryptedClientSecret: string | null;
}

export class StreamerAlreadyExistsError extends DomainError {
  constructor(twitchUserId: string) {
    super(
      'conflict',
      'streamer_already_exists',
      `A streamer with twitch_user_id ${twitchUserId} already exists`,
    );
  }
}

const RECORD_COLUMNS = `
  id,
  twitch_user_id AS "twitchUserId",
  display_name AS "displayName",
  avatar_url AS "avatarUrl",
  is_active AS "isActive",
  monitor_interval_seconds AS "monitorIntervalSeconds",
  monitor_min_clips AS "monitorMinClips",
  api_mode AS "apiMode",
  trial_expires_at AS "trialExpiresAt",
  (client_twitch_client_id IS NOT NULL AND client_twitch_client_secret IS NOT NULL)
    AS "hasClientCredentials",
  last_clip_synced_at AS "lastClipSyncedAt",
  is_live AS "isLive",
  live_since AS "liveSince",
  live_viewer_count AS "liveViewerCount",
  live_title AS "liveTitle",
  live_game_name AS "liveGameName",
  last_live_check_at AS "lastLiveCheckAt",
  last_seen_live_at AS "lastSeenLiveAt"`;

/**
 * PRODUCT §16, what is polled: active, and `managed` or subscribed to by at least one active user
 * (status active or trial, plan not expired; §11). One statement reading user_streamers and
 * users, as §1 allows for this fan-out.
 */
const POLLED = `s.is_active AND (s.managed OR EXISTS (
  SELECT 1 FROM user_streamers us JOIN users u ON u.id = us.user_id
  WHERE us.streamer_id = s.id AND u.status IN ('active', 'trial')
    AND (u.plan_expires_at IS NULL OR u.plan_expires_at > now())))`;

/** A live streamer omitted by this many complete answers in a row is offline. */
export const OFFLINE_AFTER_MISSED_CHECKS = 2;

const INSERT_STREAMER = `
  INSERT INTO streamers (
    twitch_user_id, display_name, avatar_url, is_active, monitor_interval_seconds,
    monitor_min_clips, api_mode, trial_expires_at, client_twitch_client_id,
    client_twitch_client_secret)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

/** The parameters of INSERT_STREAMER, in its column order. */
function insertParams(row: NewStreamerRow): unknown[] {
  return [
    row.twitchUserId,
    row.displayName,
    row.avatarUrl,
    row.isActive,
    row.monitorIntervalSeconds,
    row.monitorMinClips,
    row.apiMode,
    row.trialExpiresAt,
    row.clientTwitchClientId,
    row.encryptedClientSecret,
  ];
}

const UNIQUE_VIOLATION = '23505';
/** First key of the two-key advisory lock a streamer's sync holds (the second is its id). */
const SYNC_LOCK_CLASS = 72_716;

@Injectable()
export class StreamsRepository {
  /** Name of the unique constraint on twitch_user_id, as the migration (from the entity) made it. */
  private readonly twitchUserIdConstraint: string | undefined;

  constructor(
    @InjectRepository(StreamerEntity) private readonly streamers: Repository<StreamerEntity>,
  ) {
    this.twitchUserIdConstraint = streamers.metadata.uniques.find((unique) =>
      unique.columns.some((column) => column.databaseName === 'twitch_user_id'),
    )?.name;
  }

  listOrderedByDisplayName(): Promise<StreamerRecord[]> {
    return this.streamers.query(
      `SELECT ${RECORD_COLUMNS} FROM streamers ORDER BY display_name, id`,
    );
  }

  async findById(id: number): Promise<StreamerRecord | null> {
    const rows: StreamerRecord[] = await this.streamers.query(
      `SELECT ${RECORD_COLUMNS} FROM streamers WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  findActive(): Promise<StreamerRecord[]> {
    return this.streamers.query(
      `SELECT ${RECORD_COLUMNS} FROM streamers WHERE is_active ORDER BY id`,
    );
  }

  /** The streamers a cycle polls (see POLLED), by id. */
  findPolled(): Promise<StreamerRecord[]> {
    return this.streamers.query(
      `SELECT ${RECORD_COLUMNS} FROM streamers s WHERE ${POLLED} ORDER BY id`,
    );
  }

  /**
   * Applies one complete Get Streams answer for `checkedIds` (the streamers it was asked about)
   * at `checkedAt`, in one statement: a streamer in `live` is live (its fields refreshed); one
   * omitted counts a missed check and goes offline at the second in a row (§16: one omission may
   * be Twitch's hiccup). Going online opens a live session, going offline closes it, a new
   * started_at while live closes the old session and opens a new one. The rows are locked (FOR
   * NO KEY UPDATE) before they are compared, so two planners checking at once record each
   * transition once; not FOR UPDATE, which would wait behind every sync in flight (its clip
   * inserts and deliveries hold FOR KEY SHARE on the streamer row until they commit). Streamers not in `checkedIds` (unknown: a failed or partial answer) are not touched.
   */
  /** Runs `work` in a transaction of its own. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.streamers.manager.transaction(work);
  }

  async recordLiveChecks(
    checkedAt: Date,
    checkedIds: readonly number[],
    live: readonly LiveStreamRow[],
    manager: EntityManager = this.streamers.manager,
  ): Promise<LiveTransitions> {
    if (checkedIds.length === 0) return { online: [], offline: [] };
    const [row]: Array<{ online: number[] | null; offline: number[] | null }> = await manager.query(
      `WITH live AS (
           SELECT * FROM unnest($3::int[], $4::timestamptz[], $5::int[], $6::text[], $7::text[],
                                $8::text[])
             AS t(id, started_at, viewers, title, game, stream_id)),
         before AS (
           SELECT s.id, s.is_live, s.live_since, s.live_missed_checks
           FROM streamers s WHERE s.id = ANY($2::int[]) ORDER BY s.id FOR NO KEY UPDATE),
         next AS (
           SELECT b.id, b.is_live AS was_live, b.live_since AS was_since, l.id IS NOT NULL AS seen,
                  l.started_at, l.viewers, l.title, l.game, l.stream_id,
                  CASE WHEN l.id IS NOT NULL THEN true
                       WHEN b.is_live AND b.live_missed_checks + 1 >= ${OFFLINE_AFTER_MISSED_CHECKS}
                         THEN false
                       ELSE b.is_live END AS is_live
           FROM before b LEFT JOIN live l ON l.id = b.id),
         updated AS (
           UPDATE streamers s SET
             is_live = n.is_live,
             live_missed_checks = CASE WHEN n.seen OR NOT n.is_live THEN 0
                                       ELSE s.live_missed_checks + 1 END,
             live_since = CASE WHEN n.seen THEN n.started_at WHEN n.is_live THEN s.live_since END,
             live_viewer_count = CASE WHEN n.seen THEN n.viewers
                                      WHEN n.is_live THEN s.live_viewer_count END,
             live_title = CASE WHEN n.seen THEN n.title WHEN n.is_live THEN s.live_title END,
             live_game_name = CASE WHEN n.seen THEN n.game WHEN n.is_live THEN s.live_game_name END,
             last_live_check_at = $1,
             last_seen_live_at = CASE WHEN n.seen THEN $1 ELSE s.last_seen_live_at END
           FROM next n WHERE s.id = n.id
           RETURNING s.id),
         closed AS (
           UPDATE live_sessions ls
           SET ended_at = CASE WHEN n.is_live THEN n.started_at ELSE $1 END
           FROM next n
           WHERE ls.streamer_id = n.id AND ls.ended_at IS NULL AND n.was_live
             AND (NOT n.is_live OR (n.seen AND n.started_at IS DISTINCT FROM n.was_since))
           RETURNING ls.streamer_id),
         opened AS (
           INSERT INTO live_sessions (streamer_id, started_at, twitch_stream_id)
           SELECT n.id, n.started_at, n.stream_id FROM next n
           WHERE n.seen AND (NOT n.was_live OR n.started_at IS DISTINCT FROM n.was_since)
           ON CONFLICT (streamer_id, started_at) DO NOTHING
           RETURNING streamer_id)
         SELECT
           (SELECT array_agg(n.id ORDER BY n.id) FROM next n WHERE n.is_live AND NOT n.was_live)
             AS online,
           (SELECT array_agg(n.id ORDER BY n.id) FROM next n WHERE n.was_live AND NOT n.is_live)
             AS offline,
           (SELECT count(*) FROM updated) + (SELECT count(*) FROM closed)
             + (SELECT count(*) FROM opened) AS written`,
      [
        checkedAt,
        checkedIds,
        live.map((stream) => stream.streamerId),
        live.map((stream) => stream.startedAt),
        live.map((stream) => stream.viewerCount),
        live.map((stream) => stream.title),
        live.map((stream) => stream.gameName),
        live.map((stream) => stream.twitchStreamId),
      ],
    );
    return { online: row.online ?? [], offline: row.offline ?? [] };
  }

  /**
   * Inserts a streamer. A duplicate twitch_user_id is detected by the unique constraint, not by
   * looking first, so two concurrent creates cannot both succeed.
   */
  async insert(row: NewStreamerRow): Promise<StreamerRecord> {
    try {
      const rows: StreamerRecord[] = await this.streamers.query(
        `${INSERT_STREAMER} RETURNING ${RECORD_COLUMNS}`,
        insertParams(row),
      );
      return rows[0];
    } catch (error) {
      if (this.isDuplicateTwitchUserId(error)) {
        throw new StreamerAlreadyExistsError(row.twitchUserId);
      }
      throw error;
    }
  }

  /** Deletes a streamer (its clips and bursts go with it, by cascade); null when there was none. */
  async deleteById(id: number): Promise<{ id: number; twitchUserId: string } | null> {
    const [rows]: [Array<{ id: number; twitchUserId: string }>, number] =
      await this.streamers.query(
        `DELETE FROM streamers WHERE id = $1 RETURNING id, twitch_user_id AS "twitchUserId"`,
        [id],
      );
    return rows[0] ?? null;
  }

  /** The only query that reads the encrypted client secret. Null when the streamer is gone. */
  async findClientCredentials(id: number): Promise<StoredClientCredentials | null> {
    const rows: StoredClientCredentials[] = await this.streamers.query(
      `SELECT client_twitch_client_id AS "clientId",
              client_twitch_client_secret AS "encryptedClientSecret"
       FROM streamers WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * For an import: the streamer with this twitch_user_id and its stored credentials, its row locked
   * until the caller's transaction ends, so that the comparison and the update that follows cannot
   * interleave with another import of the same streamer.
   */
  async findForImport(
    manager: EntityManager,
    twitchUserId: string,
  ): Promise<StreamerImportState | null> {
    const rows: StreamerImportState[] = await manager.query(
      `SELECT ${RECORD_COLUMNS},
              client_twitch_client_id AS "clientTwitchClientId",
              client_twitch_client_secret AS "encryptedClientSecret"
       FROM streamers WHERE twitch_user_id = $1
       FOR UPDATE`,
      [twitchUserId],
    );
    return rows[0] ?? null;
  }

  /**
   * Inserts an imported streamer and returns its id; null when the twitch_user_id exists already
   * (another writer got there first: the caller then treats the row as an update). No exception,
   * so the caller's transaction stays usable.
   */
  async insertForImport(manager: EntityManager, row: NewStreamerRow): Promise<number | null> {
    const rows: Array<{ id: number }> = await manager.query(
      `${INSERT_STREAMER} ON CONFLICT (twitch_user_id) DO NOTHING RETURNING id`,
      insertParams(row),
    );
    return rows[0]?.id ?? null;
  }

  /** Overwrites an imported streamer's fields (the caller holds its row lock). */
  async updateForImport(
    manager: EntityManager,
    id: number,
    fields: ImportedStreamerFields,
  ): Promise<void> {
    await manager.query(
      `UPDATE streamers
       SET display_name = $2, avatar_url = $3, is_active = $4, monitor_interval_seconds = $5,
           monitor_min_clips = $6, api_mode = $7, trial_expires_at = $8,
           client_twitch_client_id = $9, client_twitch_client_secret = $10, updated_at = now()
       WHERE id = $1`,
      [
        id,
        fields.displayName,
        fields.avatarUrl,
        fields.isActive,
        fields.monitorIntervalSeconds,
        fields.monitorMinClips,
        fields.apiMode,
        fields.trialExpiresAt,
        fields.clientTwitchClientId,
        fields.encryptedClientSecret,
      ],
    );
  }

  /**
   * For a user's attach (PRODUCT §12): the streamer with this twitch_user_id, inserted with these
   * fields when there is none. An existing streamer is returned as it is: an attach never changes
   * a streamer's global settings. Runs in the caller's transaction.
   */
  async findOrInsertForAttach(
    manager: EntityManager,
    row: NewStreamerRow,
    managed: boolean,
  ): Promise<{ id: number; created: boolean }> {
    const inserted: Array<{ id: number }> = await manager.query(
      `INSERT INTO streamers (
         twitch_user_id, display_name, avatar_url, is_active, monitor_interval_seconds,
         monitor_min_clips, api_mode, trial_expires_at, client_twitch_client_id,
         client_twitch_client_secret, managed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (twitch_user_id) DO NOTHING
       RETURNING id`,
      [...insertParams(row), managed],
    );
    if (inserted[0]) return { id: inserted[0].id, created: true };
    // A new statement sees a row another transaction committed while the insert waited on it.
    const found: Array<{ id: number }> = await manager.query(
      'SELECT id FROM streamers WHERE twitch_user_id = $1',
      [row.twitchUserId],
    );
    if (!found[0]) throw new Error(`Streamer ${row.twitchUserId} vanished during an attach`);
    return { id: found[0].id, created: false };
  }

  /** Whether a streamer with this twitch_user_id exists (an attach asks before calling Twitch). */
  async existsByTwitchUserId(twitchUserId: string): Promise<boolean> {
    const rows: unknown[] = await this.streamers.query(
      'SELECT 1 FROM streamers WHERE twitch_user_id = $1',
      [twitchUserId],
    );
    return rows.length > 0;
  }

  /** Streamers by twitch_user_id, inside the caller's transaction (an import's lookups). */
  findByTwitchUserIds(
    manager: EntityManager,
    twitchUserIds: readonly string[],
  ): Promise<StreamerRecord[]> {
    if (twitchUserIds.length === 0) return Promise.resolve([]);
    return manager.query(
      `SELECT ${RECORD_COLUMNS} FROM streamers WHERE twitch_user_id = ANY($1::text[]) ORDER BY id`,
      [twitchUserIds],
    );
  }

  private isDuplicateTwitchUserId(error: unknown): boolean {
    if (!(error instanceof QueryFailedError)) return false;
    const driverError = error.driverError as { code?: string; constraint?: string };
    return (
      driverError.code === UNIQUE_VIOLATION &&
      driverError.constraint !== undefined &&
      driverError.constraint === this.twitchUserIdConstraint
    );
  }

  /**
   * Holds the streamer's sync lock until the transaction ends: a second sync of the same streamer
   * (another worker, a re-run job) waits here and then finds the work done.
   */
  async lockForSync(manager: EntityManager, streamerId: number): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [SYNC_LOCK_CLASS, streamerId]);
  }

  /** A successful sync: clips are read up to `syncedUntil` (never moves backwards). */
  async recordSynced(manager: EntityManager, streamerId: number, syncedUntil: Date): Promise<void> {
    await manager.query(
      `UPDATE streamers
       SET last_clip_synced_at = GREATEST(last_clip_synced_at, $2),
           last_sync_status = 'ok', last_sync_error = NULL
       WHERE id = $1`,
      [streamerId, syncedUntil],
    );
  }

  /**
   * A sync that did not happen (skipped) or did not complete (failed), with its reason. A row
   * that already says so is not rewritten.
   */
  async recordSyncProblem(
    streamerId: number,
    status: 'skipped' | 'failed',
    reason: string,
    manager: EntityManager = this.streamers.manager,
  ): Promise<void> {
    await manager.query(
      `UPDATE streamers SET last_sync_status = $2, last_sync_error = $3
       WHERE id = $1
         AND (last_sync_status IS DISTINCT FROM $2 OR last_sync_error IS DISTINCT FROM $3)`,
      [streamerId, status, reason.slice(0, 2000)],
    );
  }
}
