import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChangeGenerationsReader } from '../change-generations/change-generations';
import { NewlyStoredClip } from './bursts.service';
import { toBurstDto } from './burst.mapper';
import { BurstDto } from './dto/burst.dto';
import { MAX_SINCE_MINUTES } from './dto/recent-bursts-query.dto';
import { ClipsRepository, ClipUpsertRow } from './clips.repository';
import { RecentBurstsCache } from './recent-bursts.cache';

export type { ClipUpsertRow } from './clips.repository';

export interface ClipUpsertResult {
  /** Clips stored for the first time: the burst rule's input. */
  inserted: NewlyStoredClip[];
  /** Known clips whose view count (or title, thumbnail) changed. */
  updated: number;
}

/**
 * The snapshot of recent bursts reaches this far back: the longest window a request may ask for,
 * plus 5 minutes for requests that take their clock reading a little before the snapshot's
 * builder did.
 */
const SNAPSHOT_HORIZON_MINUTES = MAX_SINCE_MINUTES + 5;

@Injectable()
export class ClipsService {
  private readonly recent: RecentBurstsCache;

  constructor(
    private readonly clips: ClipsRepository,
    private readonly generations: ChangeGenerationsReader,
  ) {
    this.recent = new RecentBurstsCache(async (since) => {
      const rows = await this.clips.findBurstsStartingSince(since);
      // to_char truncates to the millisecond, so the parsed start is floor(start): comparing it
      // with a whole-millisecond cut-off gives the same answer as `start_time >= $1` in SQL.
      return rows.map((row) => ({ startMs: Date.parse(row.startTime), dto: toBurstDto(row) }));
    }, SNAPSHOT_HORIZON_MINUTES);
  }

  /**
   * Bursts whose start lies within the last `sinceMinutes` minutes (inclusive), newest first:
   * the JSON bytes of `{"data":[…]}` (RecentBurstsDto's shape), from the snapshot
   * cache (src/clips/recent-bursts.cache.ts). `burstsGeneration` is the `bursts` change counter
   * as read for this request after it arrived (the JWT guard reads it); without it, it is read
   * here. `sinceMinutes` must be from 1 to MAX_SINCE_MINUTES, as the query DTO enforces.
   */
  async recentBurstsJson(
    sinceMinutes: number,
    burstsGeneration?: number,
    now: Date = new Date(),
  ): Promise<Buffer> {
    const generation = burstsGeneration ?? (await this.generations.read()).bursts;
    return this.recent.answer(sinceMinutes, generation, now.getTime());
  }

  /** These bursts as the API shows them (§6 burst objects, clips included), by id. */
  async burstsByIds(ids: readonly number[]): Promise<BurstDto[]> {
    if (ids.length === 0) return [];
    return (await this.clips.findBurstsByIds(ids)).map(toBurstDto);
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
