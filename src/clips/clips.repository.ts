import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** One clip of a burst, as the recent-bursts query builds it (timestamps already ISO text). */
export interface BurstClipRow {
  clipId: string;
  createdAt: string;
  viewerCount: number;
  videoId: string | null;
  streamerName: string;
  streamerExternalId: string;
  title: string | null;
  url: string | null;
  thumbnailUrl: string | null;
}

export interface RecentBurstRow {
  id: number;
  startTime: string;
  endTime: string;
  clipCount: number;
  aoVivo: boolean;
  streamerId: number;
  streamerDisplayName: string;
  streamerTwitchUserId: string;
  clips: BurstClipRow[];
}

/** `Date.prototype.toISOString()`'s format, produced by PostgreSQL: UTC, milliseconds, `Z`. */
function isoUtc(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * Bursts that started at or after $1, newest first, each with its streamer and its clips, in one
 * statement whatever the number of bursts: one consistent snapshot (a burst growing meanwhile
 * cannot show a clip_count that disagrees with its clips) and one round trip.
 *
 * - The range on the bare `start_time` column, ordered by it, is a backward scan of
 *   `idx_bursts_start_time` that stops at $1; each burst's clips come through
 *   `idx_burst_clips_burst_id` and the clips primary key.
 * - Clips are ordered by created_at, then clip id by byte (`COLLATE "C"`), the order the burst rule
 *   uses, independent of the database's collation.
 * - Timestamps are formatted here, so the clips arrive as ready JSON and Node parses no dates.
 */
export const RECENT_BURSTS_SQL = burstsSql(
  'b.start_time >= $1',
  'ORDER BY b.start_time DESC, b.id DESC',
);

/** The same burst objects, by id (the live feed's events, published after a sync commits). */
const BURSTS_BY_ID_SQL = burstsSql('b.id = ANY($1::int[])', 'ORDER BY b.id');

function burstsSql(where: string, orderBy: string): string {
  return `
  SELECT
    b.id,
    ${isoUtc('b.start_time')} AS "startTime",
    ${isoUtc('b.end_time')} AS "endTime",
    b.clip_count AS "clipCount",
    b.ao_vivo AS "aoVivo",
    s.id AS "streamerId",
    s.display_name AS "streamerDisplayName",
    s.twitch_user_id AS "streamerTwitchUserId",
    COALESCE(
      (SELECT json_agg(
                json_build_object(
                  'clipId', c.clip_id,
                  'createdAt', ${isoUtc('c.created_at')},
                  'viewerCount', c.viewer_count,
                  'videoId', c.video_id,
                  'streamerName', c.streamer_name,
                  'streamerExternalId', c.streamer_external_id,
                  'title', c.title,
                  'url', c.url,
                  'thumbnailUrl', c.thumbnail_url)
                ORDER BY c.created_at, c.clip_id COLLATE "C")
       FROM burst_clips bc
       JOIN clips c ON c.id = bc.clip_id
       WHERE bc.burst_id = b.id),
      '[]'::json) AS clips
  FROM bursts b
  JOIN streamers s ON s.id = b.streamer_id
  WHERE ${where}
  ${orderBy}`;
}

/** A clip as ingestion or the seed hands it over, already mapped from Twitch's or a CSV's shape. */
export interface ClipUpsertRow {
  clipId: string;
  streamerName: string;
  createdAt: Date;
  viewerCount: number;
  videoId: string | null;
  title: string | null;
  duration: number | null;
  url: string | null;
  thumbnailUrl: string | null;
  vodOffset: number | null;
  creatorName: string | null;
}

/** A row the upsert wrote: inserted (new clip) or updated (its view count or title changed). */
export interface UpsertedClipRow {
  id: number;
  clipId: string;
  createdAt: Date;
  inserted: boolean;
}

/**
 * Inserts new clips and refreshes the view count (and title, thumbnail) of known ones, in one
 * statement over unnest() arrays: no parameter limit, one round trip, and race-free against
 * another writer (ON CONFLICT). Rows whose values did not change are not rewritten (and not
 * returned), so the re-read margin of every sync costs reads, not writes. A source without a
 * title or thumbnail (an old CSV export) does not erase the ones Twitch gave.
 */
const UPSERT_CLIPS_SQL = `
  INSERT INTO clips AS c (
    clip_id, streamer_id, streamer_external_id, streamer_name, created_at, viewer_count,
    video_id, title, duration, url, thumbnail_url, vod_offset, creator_name, fetched_at)
  SELECT u.clip_id, $1, $2, u.streamer_name, u.created_at, u.viewer_count,
         u.video_id, u.title, u.duration, u.url, u.thumbnail_url, u.vod_offset, u.creator_name, now()
  FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::text[], $8::text[],
              $9::float8[], $10::text[], $11::text[], $12::int[], $13::text[])
       AS u(clip_id, streamer_name, created_at, viewer_count, video_id, title, duration, url,
            thumbnail_url, vod_offset, creator_name)
  ON CONFLICT (clip_id) DO UPDATE
    SET viewer_count = EXCLUDED.viewer_count,
        title = COALESCE(EXCLUDED.title, c.title),
        thumbnail_url = COALESCE(EXCLUDED.thumbnail_url, c.thumbnail_url),
        fetched_at = EXCLUDED.fetched_at
    WHERE c.viewer_count IS DISTINCT FROM EXCLUDED.viewer_count
       OR c.title IS DISTINCT FROM COALESCE(EXCLUDED.title, c.title)
       OR c.thumbnail_url IS DISTINCT FROM COALESCE(EXCLUDED.thumbnail_url, c.thumbnail_url)
  RETURNING c.id, c.clip_id AS "clipId", c.created_at AS "createdAt", (c.xmax = 0) AS inserted`;

@Injectable()
export class ClipsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findBurstsStartingSince(since: Date): Promise<RecentBurstRow[]> {
    return this.dataSource.query(RECENT_BURSTS_SQL, [since]);
  }

  findBurstsByIds(ids: readonly number[]): Promise<RecentBurstRow[]> {
    return this.dataSource.query(BURSTS_BY_ID_SQL, [ids]);
  }

  /** `rows` must not repeat a clip id (one statement cannot touch a row twice). */
  upsertClips(
    manager: EntityManager,
    streamer: { id: number; twitchUserId: string },
    rows: readonly ClipUpsertRow[],
  ): Promise<UpsertedClipRow[]> {
    if (rows.length === 0) return Promise.resolve([]);
    const column = <K extends keyof ClipUpsertRow>(key: K) => rows.map((row) => row[key]);
    return manager.query(UPSERT_CLIPS_SQL, [
      streamer.id,
      streamer.twitchUserId,
      column('clipId'),
      column('streamerName'),
      column('createdAt'),
      column('viewerCount'),
      column('videoId'),
      column('title'),
      column('duration'),
      column('url'),
      column('thumbnailUrl'),
      column('vodOffset'),
      column('creatorName'),
    ]);
  }
}
