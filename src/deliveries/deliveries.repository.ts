import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ACTIVE_USER_STATUSES } from '../users/plan-rules';
import { ModeMinClipsParameters } from './thresholds';

export interface FanOutInput {
  streamerId: number;
  /** Bursts the sync created or grew (ids), all of this streamer. */
  burstIds: readonly number[];
  /** Clips the sync stored for the first time (clips.id): the partner modes' candidates. */
  newClipIds: readonly number[];
  modeMinClips: ModeMinClipsParameters;
}

/**
 * What a fan-out wrote: its row count, each (user, burst) that got at least one clip, and each
 * (user, clip) the partner modes delivered (the creator is the user's clipador chefe).
 */
export interface FanOutResult {
  written: number;
  reached: Array<{ userId: number; burstId: number }>;
  chefe: Array<{ userId: number; clipId: number }>;
}

export interface DeliveryRecord {
  id: string;
  clipExternalId: string;
  deliveredAt: Date;
  /** delivered_at to the microsecond, for the cursor (a Date keeps milliseconds only). */
  cursorAt: string;
  streamerDisplayName: string | null;
  streamerTwitchId: string | null;
  viewerCount: number | null;
  clipTitle: string | null;
}

/**
 * The fan-out of PRODUCT §13 as ONE statement, whatever the number of subscribers:
 *   subs     every subscription of the streamer whose user is active (§11) and within their
 *            slots (the first slots_total subscriptions by order_index, id), with the user's
 *            window and min (thresholds.ts: max of the streamer's, the subscription's and the
 *            mode's min; MANUAL's window when set);
 *   bursts   the bursts handed over, with their clips' times sorted: a user's view of a burst
 *            reaches min clips iff its min-th earliest clip lies within the user's window from
 *            the anchor, so the check is one array lookup per user and burst;
 *   bot      for users not in `somente_chefe`: every clip of a qualifying burst within their
 *            window (the clips already delivered hit the unique key: a grown burst then yields
 *            only its new clips);
 *   chefe    for `somente_chefe` / `chefe_e_bot`: every new clip whose creator is the user's
 *            clipador_chefe_username (case-insensitive), burst or not.
 * ON CONFLICT (user_id, clip_external_id) DO NOTHING makes re-runs, retries after a killed worker
 * and concurrent workers write nothing twice. It answers the rows written, the (user, burst)
 * pairs they reached and the (user, clip) pairs the chefe rule wrote: the notification outbox is
 * written from those in the same transaction.
 *
 * The rows it references (the streamer, the users, the bursts and clips) are locked FOR KEY SHARE,
 * as a foreign key's check would lock them: clip_deliveries keeps its references by triggers (the
 * DeliveryReferencesByTrigger migration), and a concurrent delete of a referenced row waits for
 * this transaction, then its trigger sees the deliveries.
 */
const FAN_OUT = `
WITH streamer AS (
  SELECT id, display_name, twitch_user_id, monitor_min_clips, monitor_interval_seconds
  FROM streamers WHERE id = $1
  FOR KEY SHARE
),
subs AS (
  SELECT us.user_id,
         CASE WHEN c.monitor_mode = 'MANUAL' AND c.manual_interval_seconds IS NOT NULL
              THEN c.manual_interval_seconds
              ELSE COALESCE(us.monitor_interval_seconds, s.monitor_interval_seconds)
         END AS window_seconds,
         GREATEST(
           s.monitor_min_clips,
           COALESCE(us.monitor_min_clips, s.monitor_min_clips),
           CASE COALESCE(c.monitor_mode, 'AUTOMATICO')
             WHEN 'AUTOMATICO' THEN $4::int
             WHEN 'PADRAO' THEN $5::int
             WHEN 'RAPIDO' THEN $6::int
             WHEN 'MANUAL' THEN CASE WHEN $7::boolean THEN c.manual_min_clips
                                     ELSE c.manual_min_clips_vod END
           END
         ) AS min_clips,
         COALESCE(c.partner_mode, 'somente_bot') AS partner_mode,
         lower(c.clipador_chefe_username) AS chefe
  FROM user_streamers us
  CROSS JOIN streamer s
  JOIN users u ON u.id = us.user_id
  LEFT JOIN user_channel_configs c ON c.user_id = us.user_id
  WHERE us.streamer_id = $1
    AND lower(btrim(u.status)) = ANY($8::text[])
    AND (u.plan_expires_at IS NULL OR u.plan_expires_at > now())
    AND (SELECT count(*) FROM user_streamers earlier
         WHERE earlier.user_id = us.user_id
           AND (earlier.order_index, earlier.id) < (us.order_index, us.id))
        < GREATEST(u.slots_base, COALESCE(c.slots_configured, u.slots_base))
  FOR KEY SHARE OF u
),
burst_clip_rows AS (
  SELECT b.id AS burst_id, b.start_time, b.end_time, cl.id AS clip_id, cl.clip_id AS external_id,
         cl.created_at, cl.title, cl.viewer_count
  FROM bursts b
  JOIN burst_clips bc ON bc.burst_id = b.id
  JOIN clips cl ON cl.id = bc.clip_id
  WHERE b.id = ANY($2::int[]) AND b.streamer_id = $1
  FOR KEY SHARE OF b, cl
),
target_bursts AS (
  SELECT burst_id, start_time, array_agg(created_at ORDER BY created_at) AS times
  FROM burst_clip_rows GROUP BY burst_id, start_time
),
bot AS (
  SELECT subs.user_id, r.burst_id, r.start_time, r.end_time, r.clip_id, r.external_id, r.title,
         r.viewer_count
  FROM subs
  JOIN target_bursts tb
    ON tb.times[subs.min_clips] <= tb.start_time + subs.window_seconds * interval '1 second'
  JOIN burst_clip_rows r
    ON r.burst_id = tb.burst_id
   AND r.created_at <= tb.start_time + subs.window_seconds * interval '1 second'
  WHERE subs.partner_mode <> 'somente_chefe'
),
chefe AS (
  SELECT subs.user_id, b.id AS burst_id, b.start_time, b.end_time, cl.id AS clip_id,
         cl.clip_id AS external_id, cl.title, cl.viewer_count
  FROM clips cl
  JOIN subs ON subs.chefe = lower(cl.creator_name)
  LEFT JOIN burst_clips bc ON bc.clip_id = cl.id
  LEFT JOIN bursts b ON b.id = bc.burst_id
  WHERE cl.id = ANY($3::int[]) AND cl.streamer_id = $1
    AND subs.partner_mode IN ('somente_chefe', 'chefe_e_bot')
  FOR KEY SHARE OF cl
),
inserted AS (
INSERT INTO clip_deliveries (user_id, streamer_id, burst_id, clip_id, clip_external_id,
                             burst_start, burst_end, delivered_at, delivery_channel, extra_payload)
SELECT d.user_id, s.id, d.burst_id, d.clip_id, d.external_id, d.start_time, d.end_time, now(),
       'web',
       jsonb_build_object('streamer_display_name', s.display_name,
                          'streamer_external_id', s.twitch_user_id,
                          'clip_title', d.title,
                          'viewer_count', d.viewer_count)
FROM (SELECT * FROM bot UNION ALL SELECT * FROM chefe) d
CROSS JOIN streamer s
ON CONFLICT (user_id, clip_external_id) DO NOTHING
RETURNING user_id, burst_id, clip_id
),
reached AS (
  SELECT DISTINCT user_id, burst_id FROM inserted WHERE burst_id IS NOT NULL
),
chefe_reached AS (
  SELECT DISTINCT i.user_id, i.clip_id
  FROM inserted i JOIN chefe c ON c.user_id = i.user_id AND c.clip_id = i.clip_id
)
SELECT (SELECT count(*) FROM inserted)::int AS n,
       (SELECT array_agg(user_id ORDER BY user_id, burst_id) FROM reached) AS users,
       (SELECT array_agg(burst_id ORDER BY user_id, burst_id) FROM reached) AS bursts,
       (SELECT array_agg(user_id ORDER BY user_id, clip_id) FROM chefe_reached) AS chefe_users,
       (SELECT array_agg(clip_id ORDER BY user_id, clip_id) FROM chefe_reached) AS chefe_clips`;

/** clip_deliveries: the only table this module writes. */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs the fan-out in the caller's transaction; the rows written and whom they reached. */
  async fanOut(manager: EntityManager, input: FanOutInput): Promise<FanOutResult> {
    const rows: Array<{
      n: number;
      users: number[] | null;
      bursts: number[] | null;
      chefe_users: number[] | null;
      chefe_clips: number[] | null;
    }> = await manager.query(FAN_OUT, [
      input.streamerId,
      input.burstIds,
      input.newClipIds,
      input.modeMinClips.automatico,
      input.modeMinClips.padrao,
      input.modeMinClips.rapido,
      input.modeMinClips.manualLive,
      ACTIVE_USER_STATUSES,
    ]);
    const row = rows[0];
    const bursts = row?.bursts ?? [];
    const chefeClips = row?.chefe_clips ?? [];
    return {
      written: row?.n ?? 0,
      reached: (row?.users ?? []).map((userId, i) => ({ userId, burstId: bursts[i] })),
      chefe: (row?.chefe_users ?? []).map((userId, i) => ({ userId, clipId: chefeClips[i] })),
    };
  }

  /** A user's deliveries, newest first, older than the cursor when given. */
  history(
    userId: number,
    limit: number,
    before: { deliveredAt: string; id: string } | null,
  ): Promise<DeliveryRecord[]> {
    return this.dataSource.query(
      `SELECT id::text AS id, clip_external_id AS "clipExternalId", delivered_at AS "deliveredAt",
              to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                AS "cursorAt",
              extra_payload->>'streamer_display_name' AS "streamerDisplayName",
              extra_payload->>'streamer_external_id' AS "streamerTwitchId",
              (extra_payload->>'viewer_count')::int AS "viewerCount",
              extra_payload->>'clip_title' AS "clipTitle"
       FROM clip_deliveries
       WHERE user_id = $1
         AND ($3::timestamptz IS NULL OR (delivered_at, id) < ($3::timestamptz, $4::bigint))
       ORDER BY delivered_at DESC, id DESC
       LIMIT $2`,
      [userId, limit, before?.deliveredAt ?? null, before?.id ?? null],
    );
  }
}
