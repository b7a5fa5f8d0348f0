import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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
export const RECENT_BURSTS_SQL = `
  SELECT
    b.id,
    ${isoUtc('b.start_time')} AS "startTime",
    ${isoUtc('b.end_time')} AS "endTime",
    b.clip_count AS "clipCount",
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
  WHERE b.start_time >= $1
  ORDER BY b.start_time DESC, b.id DESC`;

@Injectable()
export class ClipsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findBurstsStartingSince(since: Date): Promise<RecentBurstRow[]> {
    return this.dataSource.query(RECENT_BURSTS_SQL, [since]);
  }
}
