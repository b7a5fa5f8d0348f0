import { Injectable } from '@nestjs/common';
import { BurstClipDto, BurstDto, RecentBurstsDto } from './dto/burst.dto';
import { BurstClipRow, ClipsRepository, RecentBurstRow } from './clips.repository';

@Injectable()
export class ClipsService {
  constructor(private readonly clips: ClipsRepository) {}

  /** Bursts whose start lies within the last `sinceMinutes` minutes (inclusive), newest first. */
  async recentBursts(sinceMinutes: number, now: Date = new Date()): Promise<RecentBurstsDto> {
    const since = new Date(now.getTime() - sinceMinutes * 60_000);
    const rows = await this.clips.findBurstsStartingSince(since);
    return { data: rows.map(toBurstDto) };
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
