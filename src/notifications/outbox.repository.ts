import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ACTIVE_USER_STATUSES } from '../users/plan-rules';
import type {
  NotificationChannel,
  NotificationKind,
  NotificationStatus,
} from './entities/notification.entity';

/** The channels a user has configured, one row each (a lateral VALUES over the row). */
const CONFIGURED_CHANNELS = `
  CROSS JOIN LATERAL (VALUES ('webhook', nc.webhook_url IS NOT NULL),
                             ('discord', nc.discord_url IS NOT NULL),
                             ('telegram', nc.telegram_chat_id IS NOT NULL)) AS ch(channel, configured)`;

/**
 * One row per (user, burst, channel) that the sync's deliveries reached. The first becomes the
 * original (`burst:<burst>:<user>:<channel>`); once it exists, a growth adds an edit keyed by the
 * user's clip count of that burst, so a re-run of the same growth writes nothing twice. The
 * clip count reads clip_deliveries as this transaction left them (the fan-out ran just before).
 */
const ENQUEUE_BURSTS = `
WITH pairs AS (
  SELECT DISTINCT user_id, burst_id FROM unnest($2::int[], $3::int[]) AS t(user_id, burst_id)
),
targets AS (
  SELECT p.user_id, p.burst_id, ch.channel,
         'burst:' || p.burst_id || ':' || p.user_id || ':' || ch.channel AS original_key
  FROM pairs p
  JOIN notification_channels nc ON nc.user_id = p.user_id
  ${CONFIGURED_CHANNELS}
  WHERE ch.configured
),
rows AS (
  SELECT t.*, o.id AS original_id,
         (SELECT count(*) FROM clip_deliveries d
          WHERE d.user_id = t.user_id AND d.burst_id = t.burst_id) AS clip_count
  FROM targets t LEFT JOIN notifications o ON o.idempotency_key = t.original_key
),
inserted AS (
  INSERT INTO notifications (user_id, kind, channel, streamer_id, burst_id, original_id,
                             idempotency_key)
  SELECT user_id, CASE WHEN original_id IS NULL THEN 'burst' ELSE 'burst_grown' END, channel, $1,
         burst_id, original_id,
         CASE WHEN original_id IS NULL THEN original_key
              ELSE 'burst_grown:' || burst_id || ':' || user_id || ':' || channel || ':' || clip_count
         END
  FROM rows
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS n FROM inserted`;

/**
 * One `chefe_clip` row per (user, clip, channel) the partner modes delivered (§13): a clip of the
 * user's clipador chefe, announced on its own, keyed by clip and user so a re-run writes nothing
 * twice. (A `chefe_e_bot` user whose chefe clip is also in a burst hears of both, as §13 says.)
 */
const ENQUEUE_CHEFE_CLIPS = `
WITH pairs AS (
  SELECT DISTINCT user_id, clip_id FROM unnest($2::int[], $3::int[]) AS t(user_id, clip_id)
),
inserted AS (
  INSERT INTO notifications (user_id, kind, channel, streamer_id, clip_id, idempotency_key)
  SELECT p.user_id, 'chefe_clip', ch.channel, $1, p.clip_id,
         'chefe_clip:' || p.clip_id || ':' || p.user_id || ':' || ch.channel
  FROM pairs p
  JOIN notification_channels nc ON nc.user_id = p.user_id
  ${CONFIGURED_CHANNELS}
  WHERE ch.configured
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS n FROM inserted`;

/**
 * "Now live" for each subscriber of a streamer that just went online, once per live session
 * (the key holds the session's start): active users within their plan whose notify_online is
 * on (the default, also without a config row).
 */
const ENQUEUE_LIVE = `
WITH online AS (
  SELECT id, live_since FROM streamers
  WHERE id = ANY($1::int[]) AND is_live AND live_since IS NOT NULL
),
subs AS (
  SELECT us.user_id, o.id AS streamer_id, o.live_since
  FROM online o
  JOIN user_streamers us ON us.streamer_id = o.id
  JOIN users u ON u.id = us.user_id
  LEFT JOIN user_channel_configs c ON c.user_id = us.user_id
  WHERE COALESCE(c.notify_online, true)
    AND lower(btrim(u.status)) = ANY($2::text[])
    AND (u.plan_expires_at IS NULL OR u.plan_expires_at > now())
),
inserted AS (
  INSERT INTO notifications (user_id, kind, channel, streamer_id, idempotency_key)
  SELECT s.user_id, 'live', ch.channel, s.streamer_id,
         'live:' || s.streamer_id || ':' || floor(extract(epoch FROM s.live_since))::bigint
           || ':' || s.user_id || ':' || ch.channel
  FROM subs s
  JOIN notification_channels nc ON nc.user_id = s.user_id
  ${CONFIGURED_CHANNELS}
  WHERE ch.configured
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS n FROM inserted`;

/**
 * Claims up to $2 due rows for this dispatch (claim token $3) with a lease of $1 ms, in one
 * statement. Due: pending, its time come, no live lease (a worker that died mid-send leaves its
 * lease to expire, then the row is claimed again: same row, same Idempotency-Key), and for an
 * edit, its original no longer pending (an edit waits for the message it edits; until then it
 * is folded into it, see COMPLETE). SKIP LOCKED lets several workers claim side by side.
 * Round robin across users: the candidates are ranked per user, and the batch takes every
 * user's first row before anyone's second, so one streamer with many subscribers (or one user
 * with a backlog) cannot starve the others.
 */
const CLAIM = `
WITH due AS (
  SELECT n.id, n.user_id, n.next_attempt_at
  FROM notifications n
  WHERE n.status = 'pending' AND n.next_attempt_at <= now()
    AND (n.locked_until IS NULL OR n.locked_until <= now())
    AND (n.original_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM notifications o WHERE o.id = n.original_id AND o.status = 'pending'))
  ORDER BY n.next_attempt_at, n.id
  LIMIT $2 * 4
),
ranked AS (
  SELECT id, next_attempt_at,
         row_number() OVER (PARTITION BY user_id ORDER BY next_attempt_at, id) AS turn
  FROM due
),
picked AS (
  SELECT n.id, r.turn, r.next_attempt_at
  FROM notifications n JOIN ranked r ON r.id = n.id
  WHERE n.status = 'pending' AND (n.locked_until IS NULL OR n.locked_until <= now())
  ORDER BY r.turn, r.next_attempt_at, n.id
  LIMIT $2
  FOR UPDATE OF n SKIP LOCKED
)
UPDATE notifications n
SET attempts = n.attempts + 1,
    locked_until = now() + $1::int * interval '1 millisecond',
    claim_token = $3::uuid
FROM picked
WHERE n.id = picked.id
RETURNING n.id::text AS id`;

/**
 * Everything a claimed row's message needs, read in one statement (one snapshot): the streamer,
 * the burst and the clips delivered to this user from it, a chefe_clip's clip, the original's
 * message id (edits),
 * the user's channels (still encrypted), and, for an original, the newest edit pending on it:
 * every edit up to that one is covered by what this read rendered (foldUpTo).
 */
const RENDER = `
SELECT n.id::text AS id, n.user_id AS "userId", n.kind, n.channel, n.attempts,
       n.idempotency_key AS "idempotencyKey", n.created_at AS "createdAt",
       n.streamer_id AS "streamerId", s.display_name AS "displayName",
       s.twitch_user_id AS "twitchUserId", s.live_since AS "liveSince", s.live_title AS "liveTitle",
       s.live_game_name AS "liveGameName", s.live_viewer_count AS "liveViewerCount",
       n.burst_id AS "burstId", b.start_time AS "burstStart", b.end_time AS "burstEnd",
       b.ao_vivo AS "aoVivo",
       (SELECT COALESCE(json_agg(json_build_object(
                 'id', cl.clip_id, 'url', cl.url, 'title', cl.title,
                 'viewerCount', cl.viewer_count, 'createdAt', cl.created_at)
               ORDER BY cl.created_at, cl.id), '[]'::json)
        FROM clip_deliveries d JOIN clips cl ON cl.id = d.clip_id
        WHERE n.burst_id IS NOT NULL AND d.user_id = n.user_id AND d.burst_id = n.burst_id)
         AS clips,
       n.clip_id AS "clipId", c.clip_id AS "clipExternalId", c.url AS "clipUrl",
       c.title AS "clipTitle", c.creator_name AS "clipCreatorName",
       c.viewer_count AS "clipViewerCount", c.created_at AS "clipCreatedAt",
       o.remote_message_id AS "originalMessageId",
       (SELECT max(g.id)::text FROM notifications g
        WHERE g.original_id = n.id AND g.status = 'pending') AS "foldUpTo",
       nc.webhook_url AS "webhookUrl", nc.webhook_secret AS "webhookSecret",
       nc.discord_url AS "discordUrl", nc.telegram_chat_id AS "telegramChatId"
FROM notifications n
LEFT JOIN streamers s ON s.id = n.streamer_id
LEFT JOIN bursts b ON b.id = n.burst_id
LEFT JOIN clips c ON c.id = n.clip_id
LEFT JOIN notifications o ON o.id = n.original_id
LEFT JOIN notification_channels nc ON nc.user_id = n.user_id
WHERE n.id = ANY($1::bigint[])`;

/**
 * Records a dispatch's outcomes in one statement, only for rows this dispatch still holds (its
 * claim token: a row whose lease ran out and that another worker claimed is that worker's now).
 * A sent original also marks the edits it covered (id ≤ foldUpTo) as sent, folded into it.
 */
const COMPLETE = `
WITH o AS (
  SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                       $7::int[], $8::jsonb[], $9::bigint[])
    AS t(id, status, remote_id, error, next_at, refund, payload, fold_up_to)
),
done AS (
  UPDATE notifications n SET
    status = o.status,
    sent_at = CASE WHEN o.status = 'sent' THEN now() ELSE n.sent_at END,
    remote_message_id = COALESCE(o.remote_id, n.remote_message_id),
    last_error = o.error,
    next_attempt_at = COALESCE(o.next_at, n.next_attempt_at),
    attempts = n.attempts - o.refund,
    payload = COALESCE(o.payload, n.payload),
    locked_until = NULL,
    claim_token = NULL
  FROM o
  WHERE n.id = o.id AND n.claim_token = $1::uuid
  RETURNING n.id, o.status, o.fold_up_to
),
folded AS (
  UPDATE notifications g SET status = 'sent', sent_at = now(), folded_into_id = d.id
  FROM done d
  WHERE d.status = 'sent' AND d.fold_up_to IS NOT NULL
    AND g.original_id = d.id AND g.status = 'pending' AND g.id <= d.fold_up_to
  RETURNING 1
)
SELECT (SELECT count(*) FROM done)::int AS done, (SELECT count(*) FROM folded)::int AS folded`;

export interface RenderRow {
  id: string;
  userId: number;
  kind: NotificationKind;
  channel: NotificationChannel;
  attempts: number;
  idempotencyKey: string;
  createdAt: Date;
  streamerId: number | null;
  displayName: string | null;
  twitchUserId: string | null;
  liveSince: Date | null;
  liveTitle: string | null;
  liveGameName: string | null;
  liveViewerCount: number | null;
  burstId: number | null;
  burstStart: Date | null;
  burstEnd: Date | null;
  aoVivo: boolean | null;
  clips: Array<{
    id: string;
    url: string | null;
    title: string | null;
    viewerCount: number | null;
    createdAt: string;
  }>;
  clipId: number | null;
  clipExternalId: string | null;
  clipUrl: string | null;
  clipTitle: string | null;
  clipCreatorName: string | null;
  clipViewerCount: number | null;
  clipCreatedAt: Date | null;
  originalMessageId: string | null;
  foldUpTo: string | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  discordUrl: string | null;
  telegramChatId: string | null;
}

export interface Completion {
  id: string;
  status: NotificationStatus;
  remoteMessageId: string | null;
  error: string | null;
  nextAttemptAt: Date | null;
  /** 1: this try does not count as an attempt (a 429, or pacing). */
  refund: 0 | 1;
  payload: Record<string, unknown> | null;
  foldUpTo: string | null;
}

export interface NotificationRecord {
  id: string;
  kind: NotificationKind;
  channel: NotificationChannel;
  status: NotificationStatus;
  attempts: number;
  streamerId: number | null;
  burstId: number | null;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  nextAttemptAt: Date;
  folded: boolean;
}

/** notifications (the outbox): the only place its SQL lives. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async enqueueBursts(
    manager: EntityManager,
    streamerId: number,
    pairs: ReadonlyArray<{ userId: number; burstId: number }>,
  ): Promise<number> {
    if (pairs.length === 0) return 0;
    const rows: Array<{ n: number }> = await manager.query(ENQUEUE_BURSTS, [
      streamerId,
      pairs.map((pair) => pair.userId),
      pairs.map((pair) => pair.burstId),
    ]);
    return rows[0]?.n ?? 0;
  }

  async enqueueChefeClips(
    manager: EntityManager,
    streamerId: number,
    pairs: ReadonlyArray<{ userId: number; clipId: number }>,
  ): Promise<number> {
    if (pairs.length === 0) return 0;
    const rows: Array<{ n: number }> = await manager.query(ENQUEUE_CHEFE_CLIPS, [
      streamerId,
      pairs.map((pair) => pair.userId),
      pairs.map((pair) => pair.clipId),
    ]);
    return rows[0]?.n ?? 0;
  }

  async enqueueLive(manager: EntityManager, streamerIds: readonly number[]): Promise<number> {
    if (streamerIds.length === 0) return 0;
    const rows: Array<{ n: number }> = await manager.query(ENQUEUE_LIVE, [
      streamerIds,
      ACTIVE_USER_STATUSES,
    ]);
    return rows[0]?.n ?? 0;
  }

  /** A test message to each configured channel of the user; the channels enqueued. */
  async enqueueTest(userId: number, nonce: string): Promise<NotificationChannel[]> {
    const rows: Array<{ channel: NotificationChannel }> = await this.dataSource.query(
      `INSERT INTO notifications (user_id, kind, channel, idempotency_key)
       SELECT nc.user_id, 'test', ch.channel, 'test:' || $2 || ':' || ch.channel
       FROM notification_channels nc ${CONFIGURED_CHANNELS}
       WHERE nc.user_id = $1 AND ch.configured
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING channel`,
      [userId, nonce],
    );
    return rows.map((row) => row.channel);
  }

  async claim(claimToken: string, limit: number, leaseMs: number): Promise<string[]> {
    const [rows]: [Array<{ id: string }>, number] = await this.dataSource.query(CLAIM, [
      leaseMs,
      limit,
      claimToken,
    ]);
    return rows.map((row) => row.id);
  }

  render(ids: readonly string[]): Promise<RenderRow[]> {
    return this.dataSource.query(RENDER, [ids]);
  }

  async complete(
    claimToken: string,
    completions: readonly Completion[],
  ): Promise<{ done: number; folded: number }> {
    if (completions.length === 0) return { done: 0, folded: 0 };
    const rows: Array<{ done: number; folded: number }> = await this.dataSource.query(COMPLETE, [
      claimToken,
      completions.map((c) => c.id),
      completions.map((c) => c.status),
      completions.map((c) => c.remoteMessageId),
      completions.map((c) => c.error),
      completions.map((c) => c.nextAttemptAt),
      completions.map((c) => c.refund),
      completions.map((c) => (c.payload === null ? null : JSON.stringify(c.payload))),
      completions.map((c) => c.foldUpTo),
    ]);
    return rows[0];
  }

  /** The earliest time a pending row becomes due (for the dispatcher's next wake-up). */
  async nextDueAt(): Promise<Date | null> {
    const rows: Array<{ at: Date | null }> = await this.dataSource.query(
      `SELECT min(GREATEST(next_attempt_at, COALESCE(locked_until, next_attempt_at))) AS at
       FROM notifications WHERE status = 'pending'`,
    );
    return rows[0]?.at ?? null;
  }

  recent(userId: number, limit: number): Promise<NotificationRecord[]> {
    return this.dataSource.query(
      `SELECT id::text AS id, kind, channel, status, attempts, streamer_id AS "streamerId",
              burst_id AS "burstId", last_error AS "lastError", created_at AS "createdAt",
              sent_at AS "sentAt", next_attempt_at AS "nextAttemptAt",
              folded_into_id IS NOT NULL AS folded
       FROM notifications WHERE user_id = $1
       ORDER BY created_at DESC, id DESC
       LIMIT $2`,
      [userId, limit],
    );
  }
}
