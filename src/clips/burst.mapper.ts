import { BurstClipRow, RecentBurstRow } from './clips.repository';
import { BurstClipDto, BurstDto } from './dto/burst.dto';

/**
 * A recent-bursts row as the API answers it. The read benchmark's bare baseline server imports it
 * too, so both answer the same JSON and the comparison cannot drift.
 */
export function toBurstDto(row: RecentBurstRow): BurstDto {
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
    ao_vivo: row.aoVivo,
    clipes: row.clips.map(toBurstClipDto),
  };
}

export function toBurstClipDto(clip: BurstClipRow): BurstClipDto {
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
