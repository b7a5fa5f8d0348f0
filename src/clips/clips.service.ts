import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NewlyStoredClip } from './bursts.service';
import { BurstClipDto, BurstDto, RecentBurstsDto } from './dto/burst.dto';
import { BurstClipRow, ClipsRepository, ClipUpsertRow, RecentBurstRow } from './clips.repository';

export type { ClipUpsertRow } from './clips.repository';

export interface ClipUpsertResult {
  /** Clips stored for the first time: the burst rule's input. */
  inserted: NewlyStoredClip[];
  /** Known clips whose view count (or title, thumbnail) changed. */
  updated: number;
}

@Injectable()
export class ClipsService {
  constructor(private readonly clips: ClipsRepository) {}

  /** Bursts whose start lies within the last `sinceMinutes` minutes (inclusive), newest first. */
  async recentBursts(sinceMinutes: number, now: Date = new Date()): Promise<RecentBurstsDto> {
    const since = new Date(now.getTime() - sinceMinutes * 60_000);
    const rows = await this.clips.findBurstsStartingSince(since);
    return { data: rows.map(toBurstDto) };
  }

  /**
   * Stores clips of one streamer in one statement: new ones are inserted, known ones get their
   * view count refreshed. A clip id repeated in `clips` is stored once (the highest view count
   * wins: Twitch pages can shift while counts change).
   */
  async upsertMany(
    manager: EntityManager,
    streamer: { id: number; twitchUserId: string },
    clips: readonly ClipUpsertRow[],
  ): Promise<ClipUpsertResult> {
    const unique = new Map<string, ClipUpsertRow>();
    for (const clip of clips) {
      const seen = unique.get(clip.clipId);
      if (!seen || clip.viewerCount > seen.viewerCount) unique.set(clip.clipId, clip);
    }
    const rows = await this.clips.upsertClips(manager, streamer, [...unique.values()]);
    const inserted = rows
      .filter((row) => row.inserted)
      .map(({ id, clipId, createdAt }) => ({ id, clipId, createdAt }));
    return { inserted, updated: rows.length - inserted.length };
  }
}

function toBurstDto(row: RecentBurstRow): BurstDto {
  return {
    id: row.id,
    inicio: row.startTime,
    inicio_iso: row.startTime,
    fim: row.endTime,
    streamer: {
      id: row.streamerId,
      display_name: row.streamerDisplayName,
      twitch_user_id: row.streamerTwitchUserId,
    },
    clip_count: row.clipCount,
    clipes: row.clips.map(toBurstClipDto),
  };
}

function toBurstClipDto(clip: BurstClipRow): BurstClipDto {
  return {
    id: clip.clipId,
    created_at: clip.createdAt,
    viewer_count: clip.viewerCount,
    video_id: clip.videoId,
    streamer_name: clip.streamerName,
    streamer_external_id: clip.streamerExternalId,
    title: clip.title,
    url: clip.url,
    thumbnail_url: clip.thumbnailUrl,
  };
}
