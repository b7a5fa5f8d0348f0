import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A clip of the streamer that is in no burst yet. */
export interface UnassignedClipRow {
  id: number;
  clipId: string;
  createdAt: Date;
}

/** A stored burst with its anchor clip, as the burst rule needs it. */
export interface OpenBurstRow {
  id: number;
  anchorId: number;
  anchorClipId: string;
  anchorCreatedAt: Date;
  endTime: Date;
  clipCount: number;
}

export interface NewBurstRow {
  anchorId: number;
  startTime: Date;
}

export interface MembershipRow {
  burstId: number;
  clipId: number;
  clipExternalId: string;
}

export interface BurstTotalsRow {
  id: number;
  clipCount: number;
  endTime: Date;
}

/**
 * Writes of the burst rule's plan. Every method takes the caller's EntityManager: they run inside
 * the sync's transaction (on the embedded database a query outside it would wait forever).
 */
@Injectable()
export class BurstsRepository {
  /** Clips not in a burst with created_at ≥ since, in the rule's order. */
  findUnassignedClipsSince(
    manager: EntityManager,
    streamerId: number,
    since: Date,
  ): Promise<UnassignedClipRow[]> {
    return manager.query(
      `SELECT c.id, c.clip_id AS "clipId", c.created_at AS "createdAt"
       FROM clips c
       WHERE c.streamer_id = $1 AND c.created_at >= $2
         AND NOT EXISTS (SELECT 1 FROM burst_clips bc WHERE bc.clip_id = c.id)
       ORDER BY c.created_at, c.clip_id COLLATE "C"`,
      [streamerId, since],
    );
  }

  /** Bursts whose anchor is at or after `since`: the only ones a clip from since + W on can join. */
  findBurstsAnchoredSince(
    manager: EntityManager,
    streamerId: number,
    since: Date,
  ): Promise<OpenBurstRow[]> {
    return manager.query(
      `SELECT b.id, b.anchor_clip_id AS "anchorId", a.clip_id AS "anchorClipId",
              a.created_at AS "anchorCreatedAt", b.end_time AS "endTime", b.clip_count AS "clipCount"
       FROM bursts b
       JOIN clips a ON a.id = b.anchor_clip_id
       WHERE b.streamer_id = $1 AND b.start_time >= $2`,
      [streamerId, since],
    );
  }

  /**
   * Inserts bursts by anchor; an anchor that already has a burst is left alone (the burst's
   * identity is its anchor, so a re-run or a racing worker cannot store it twice). Returns the new
   * bursts' ids by anchor.
   */
  async insertBursts(
    manager: EntityManager,
    streamerId: number,
    bursts: readonly NewBurstRow[],
  ): Promise<Map<number, number>> {
    if (bursts.length === 0) return new Map();
    const rows: Array<{ id: number; anchorId: number }> = await manager.query(
      `INSERT INTO bursts (streamer_id, anchor_clip_id, start_time, end_time, clip_count, ao_vivo)
       SELECT $1, u.anchor_id, u.start_time, u.start_time, 0,
              EXISTS (SELECT 1 FROM live_sessions ls
                      WHERE ls.streamer_id = $1 AND ls.started_at <= u.start_time
                        AND (ls.ended_at IS NULL OR ls.ended_at >= u.start_time))
       FROM unnest($2::int[], $3::timestamptz[]) AS u(anchor_id, start_time)
       ON CONFLICT (anchor_clip_id) DO NOTHING
       RETURNING id, anchor_clip_id AS "anchorId"`,
      [streamerId, bursts.map((b) => b.anchorId), bursts.map((b) => b.startTime)],
    );
    return new Map(rows.map((row) => [row.anchorId, row.id]));
  }

  /** Adds clips to bursts; a clip already in a burst stays where it is (one burst per clip). */
  async insertMemberships(manager: EntityManager, rows: readonly MembershipRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO burst_clips (burst_id, clip_id, clip_external_id)
       SELECT * FROM unnest($1::int[], $2::int[], $3::text[])
       ON CONFLICT (clip_id) DO NOTHING`,
      [rows.map((r) => r.burstId), rows.map((r) => r.clipId), rows.map((r) => r.clipExternalId)],
    );
  }

  /**
   * Sets clip_count and end_time from the memberships themselves, in SQL: the totals can never
   * drift from the rows, whatever was inserted or skipped above.
   */
  refreshTotals(manager: EntityManager, burstIds: readonly number[]): Promise<BurstTotalsRow[]> {
    if (burstIds.length === 0) return Promise.resolve([]);
    return manager
      .query(
        `UPDATE bursts b
         SET clip_count = t.clip_count, end_time = t.end_time, updated_at = now()
         FROM (SELECT bc.burst_id, count(*)::int AS clip_count, max(c.created_at) AS end_time
               FROM burst_clips bc JOIN clips c ON c.id = bc.clip_id
               WHERE bc.burst_id = ANY($1::int[])
               GROUP BY bc.burst_id) t
         WHERE b.id = t.burst_id
         RETURNING b.id, b.clip_count AS "clipCount", b.end_time AS "endTime"`,
        [burstIds],
      )
      .then(([rows]: [BurstTotalsRow[], number]) => rows);
  }
}
