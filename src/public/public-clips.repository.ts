import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PublicClipDto } from './dto/public-clip.dto';

/**
 * The newest $1 clips of active streamers, already in the answer's shape (created_at as the ISO
 * text `Date.prototype.toISOString()` gives). A read across clips and streamers in one statement
 * (PRODUCT §1 allows a read across modules; this module writes nothing): a backward scan of
 * idx_clips_created_at that stops after $1 clips of active streamers. The benchmark's bare
 * baseline runs this same statement.
 */
export const PUBLIC_CLIPS_SQL = `
  SELECT c.clip_id AS id,
         to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         c.viewer_count, c.title, c.duration, s.display_name AS streamer_name,
         c.streamer_external_id
  FROM clips c
  JOIN streamers s ON s.id = c.streamer_id
  WHERE s.is_active
  ORDER BY c.created_at DESC, c.id DESC
  LIMIT $1`;

@Injectable()
export class PublicClipsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  newest(limit: number): Promise<PublicClipDto[]> {
    return this.dataSource.query(PUBLIC_CLIPS_SQL, [limit]);
  }
}
