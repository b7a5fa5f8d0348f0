import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ClipPoint, ExistingBurst, planBursts } from './burst-rule';
import { BurstsRepository, MembershipRow } from './bursts.repository';

/** The streamer's burst settings (W and K), as ingestion or the seed know them. */
export interface BurstSettings {
  streamerId: number;
  windowSeconds: number;
  minClips: number;
}

/** A clip that was just stored for the first time. */
export interface NewlyStoredClip {
  id: number;
  clipId: string;
  createdAt: Date;
}

export interface BurstChange {
  burstId: number;
  anchorClipId: string;
  startTime: Date;
  endTime: Date;
  clipCount: number;
  addedClips: number;
}

export interface BurstChanges {
  created: BurstChange[];
  grown: BurstChange[];
}

/**
 * Applies the burst rule (a pure function) to one streamer's newly stored clips and writes the
 * result: new bursts, and clips added to existing ones. Runs inside the caller's transaction,
 * which should hold the streamer's sync lock.
 */
@Injectable()
export class BurstsService {
  constructor(private readonly bursts: BurstsRepository) {}

  async applyToNewClips(
    manager: EntityManager,
    settings: BurstSettings,
    newClips: readonly NewlyStoredClip[],
  ): Promise<BurstChanges> {
    if (newClips.length === 0) return { created: [], grown: [] };
    const earliest = Math.min(...newClips.map((clip) => clip.createdAt.getTime()));
    // Nothing older than one window before the earliest new clip can reach it or be reached by it.
    const since = new Date(earliest - settings.windowSeconds * 1000);

    const [unassigned, open] = await Promise.all([
      this.bursts.findUnassignedClipsSince(manager, settings.streamerId, since),
      this.bursts.findBurstsAnchoredSince(manager, settings.streamerId, since),
    ]);
    const existing: ExistingBurst[] = open.map((burst) => ({
      burstId: burst.id,
      anchor: {
        clipId: burst.anchorClipId,
        createdAtMs: burst.anchorCreatedAt.getTime(),
        ref: burst.anchorId,
      },
      endMs: burst.endTime.getTime(),
      clipCount: burst.clipCount,
    }));
    const points: ClipPoint[] = unassigned.map((clip) => ({
      clipId: clip.clipId,
      createdAtMs: clip.createdAt.getTime(),
      ref: clip.id,
    }));
    const plan = planBursts(points, existing, {
      windowSeconds: settings.windowSeconds,
      minClips: settings.minClips,
    });
    if (plan.created.length === 0 && plan.grown.length === 0) return { created: [], grown: [] };

    const burstIdByAnchor = await this.bursts.insertBursts(
      manager,
      settings.streamerId,
      plan.created.map((burst) => ({
        anchorId: burst.anchor.ref,
        startTime: new Date(burst.anchor.createdAtMs),
      })),
    );
    const memberships: MembershipRow[] = [];
    const touched = new Map<number, { anchor: ClipPoint; added: number; created: boolean }>();
    const place = (
      burstId: number,
      anchor: ClipPoint,
      clips: readonly ClipPoint[],
      created: boolean,
    ) => {
      for (const clip of clips) {
        memberships.push({ burstId, clipId: clip.ref, clipExternalId: clip.clipId });
      }
      touched.set(burstId, { anchor, added: clips.length, created });
    };
    for (const burst of plan.created) {
      const burstId = burstIdByAnchor.get(burst.anchor.ref);
      // Absent: another writer stored this anchor's burst first; its clips are theirs to place.
      if (burstId !== undefined) place(burstId, burst.anchor, burst.clips, true);
    }
    const anchorOf = new Map(existing.map((burst) => [burst.burstId, burst.anchor]));
    for (const burst of plan.grown) {
      place(burst.burstId, anchorOf.get(burst.burstId)!, burst.added, false);
    }
    await this.bursts.insertMemberships(manager, memberships);
    const totals = await this.bursts.refreshTotals(manager, [...touched.keys()]);

    const changes: BurstChanges = { created: [], grown: [] };
    for (const row of totals) {
      const { anchor, added, created } = touched.get(row.id)!;
      (created ? changes.created : changes.grown).push({
        burstId: row.id,
        anchorClipId: anchor.clipId,
        startTime: new Date(anchor.createdAtMs),
        endTime: row.endTime,
        clipCount: row.clipCount,
        addedClips: added,
      });
    }
    return changes;
  }
}
