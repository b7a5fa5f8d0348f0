import { ClipUpsertRow } from '../clips/clips.service';
import type { StreamerForSync } from '../streams/streamer-sync.service';

/** A clip as the old service kept it (its CSV export or its database): what both imports read. */
export interface ImportedClip {
  clipId: string;
  /** Null: the streamer's display_name. */
  streamerName: string | null;
  createdAt: Date;
  viewerCount: number;
  videoId: string | null;
  title: string | null;
  duration: number | null;
}

/** The old service stored no url, thumbnail, VOD offset or creator: those stay empty. */
export function importedClipToUpsertRow(
  clip: ImportedClip,
  streamer: StreamerForSync,
): ClipUpsertRow {
  return {
    clipId: clip.clipId,
    streamerName: clip.streamerName ?? streamer.displayName,
    createdAt: clip.createdAt,
    viewerCount: clip.viewerCount,
    videoId: clip.videoId,
    title: clip.title,
    duration: clip.duration,
    url: null,
    thumbnailUrl: null,
    vodOffset: null,
    creatorName: null,
  };
}

/** The burst rule's order (compareClipPoints): created_at, then clip id by code unit. */
export function byCreatedAtThenId(a: ClipUpsertRow, b: ClipUpsertRow): number {
  const byTime = a.createdAt.getTime() - b.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.clipId < b.clipId ? -1 : a.clipId > b.clipId ? 1 : 0;
}
