import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BurstChanges, BurstsService, NewlyStoredClip } from '../../clips/bursts.service';
import { ClipsService } from '../../clips/clips.service';
import { byCreatedAtThenId, importedClipToUpsertRow } from '../import-clip-row';
import { ValidationFailedError } from '../../common/errors/domain.error';
import {
  StreamerImport,
  StreamerImportOutcome,
  StreamerImportService,
} from '../../streams/streamer-import.service';
import { StreamerForSync, StreamerSyncService } from '../../streams/streamer-sync.service';
import { readSeedFile, Rejection, SeedFileContent, SeedRow } from './seed-file';
import { CLIP_ROWS, ClipSeedRow, STREAMER_ROWS } from './seed-rows';

export interface SeedRequest {
  streamersPath?: string;
  clipsPath?: string;
  dryRun: boolean;
}

export interface FileCounts {
  inserted: number;
  updated: number;
  skipped: number;
  /** Rejected rows by line, in line order. */
  rejected: Rejection[];
}

export interface SeedReport {
  dryRun: boolean;
  streamers?: FileCounts;
  clips?: FileCounts;
  /** Bursts made or grown by the imported clips (present when a clips file was given). */
  bursts?: { created: number; grown: number };
}

/**
 * Clips per upsert statement and per burst-rule pass. A streamer's clips all go in one transaction
 * anyway; the batches keep statements and the rule's inputs bounded for a 100k-clip export.
 */
const CLIP_BATCH = 5_000;

/**
 * `seed`: imports the old service's CSV exports. Both files are read and validated first (an
 * unreadable file stops the run before anything is written); then streamers are imported (each row
 * on its own), then clips, one transaction per streamer: its clips and the bursts they make, under
 * the same sync lock that ingestion takes, so a sync of that streamer cannot interleave.
 */
@Injectable()
export class SeedService {
  private readonly logger = new Logger(SeedService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly imports: StreamerImportService,
    private readonly streams: StreamerSyncService,
    private readonly clips: ClipsService,
    private readonly bursts: BurstsService,
  ) {}

  async seed(request: SeedRequest): Promise<SeedReport> {
    const streamerFile = request.streamersPath
      ? await readSeedFile(request.streamersPath, STREAMER_ROWS)
      : undefined;
    const clipFile = request.clipsPath
      ? await readSeedFile(request.clipsPath, CLIP_ROWS)
      : undefined;

    const report = await this.withinScope(request.dryRun, async (scope) => {
      const result: SeedReport = { dryRun: request.dryRun };
      // Streamers first: the clips file may name streamers the streamers file brings.
      if (streamerFile) result.streamers = await this.importStreamers(scope, streamerFile);
      if (clipFile) {
        const { clips, bursts } = await this.importClips(scope, clipFile);
        result.clips = clips;
        result.bursts = bursts;
      }
      return result;
    });
    this.logger.log(
      {
        dryRun: report.dryRun,
        streamers: report.streamers && summaryCounts(report.streamers),
        clips: report.clips && summaryCounts(report.clips),
        bursts: report.bursts,
      },
      'seed_finished',
    );
    return report;
  }

  /**
   * A real run works on the data source: each `scope.transaction()` is a transaction of its own.
   * A dry run does the same work inside one outer transaction that is rolled back, where each
   * `scope.transaction()` becomes a savepoint: the counts are those of a real run, and nothing is
   * kept (only identity sequences advance, as they do for any rolled-back insert).
   */
  private async withinScope<T>(
    dryRun: boolean,
    work: (scope: EntityManager) => Promise<T>,
  ): Promise<T> {
    if (!dryRun) return work(this.dataSource.manager);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      return await work(runner.manager);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  private async importStreamers(
    scope: EntityManager,
    file: SeedFileContent<StreamerImport>,
  ): Promise<FileCounts> {
    const counts = emptyCounts(file.rejected);
    for (const row of file.rows) {
      const outcome = await this.importStreamer(scope, row);
      if (typeof outcome === 'string') counts[outcome]++;
      else counts.rejected.push(outcome);
    }
    counts.rejected.sort(byLine);
    return counts;
  }

  /** One streamer row in its own transaction; a row that breaks the credential rules is rejected. */
  private async importStreamer(
    scope: EntityManager,
    row: SeedRow<StreamerImport>,
  ): Promise<StreamerImportOutcome | Rejection> {
    try {
      return await scope.transaction((manager) => this.imports.importStreamer(manager, row.value));
    } catch (error) {
      if (!(error instanceof ValidationFailedError)) throw error;
      return { line: row.line, reason: error.problems.map((p) => p.message).join('; ') };
    }
  }

  private async importClips(
    scope: EntityManager,
    file: SeedFileContent<ClipSeedRow>,
  ): Promise<Pick<SeedReport, 'clips' | 'bursts'>> {
    const counts = emptyCounts(file.rejected);
    const createdBursts = new Set<number>();
    const grownBursts = new Set<number>();
    const groups = groupByStreamer(file.rows);
    const streamers = await this.streams.findByTwitchUserIds(scope, [...groups.keys()]);
    const known = new Map(streamers.map((streamer) => [streamer.twitchUserId, streamer]));

    for (const [twitchUserId, rows] of groups) {
      const streamer = known.get(twitchUserId);
      if (!streamer) {
        const reason = `unknown streamer ${twitchUserId} (neither stored nor imported by this run)`;
        counts.rejected.push(...rows.map((row) => ({ line: row.line, reason })));
        continue;
      }
      const result = await this.importStreamerClips(scope, streamer, rows);
      counts.inserted += result.inserted;
      counts.updated += result.updated;
      counts.skipped += rows.length - result.inserted - result.updated;
      result.created.forEach((id) => createdBursts.add(id));
      result.grown.forEach((id) => grownBursts.add(id));
    }
    counts.rejected.sort(byLine);
    // A burst made by one batch and grown by the next is one new burst.
    const grown = [...grownBursts].filter((id) => !createdBursts.has(id)).length;
    return { clips: counts, bursts: { created: createdBursts.size, grown } };
  }

  /**
   * All of one streamer's clips in one transaction, as ingestion writes them: the sync lock, the
   * upsert (a stored clip gets its view count refreshed), and the burst rule over the clips that
   * are new. Clips go in created_at order (ties by clip id, the rule's order), batch by batch:
   * the rule is batch-invariant for clips that arrive in that order, so the bursts are those of
   * one pass over the whole set.
   */
  private async importStreamerClips(
    scope: EntityManager,
    streamer: StreamerForSync,
    rows: readonly SeedRow<ClipSeedRow>[],
  ): Promise<{ inserted: number; updated: number; created: number[]; grown: number[] }> {
    const ordered = rows
      .map((row) => importedClipToUpsertRow(row.value, streamer))
      .sort(byCreatedAtThenId);
    return scope.transaction(async (manager) => {
      await this.streams.lockForSync(manager, streamer.id);
      const totals = { inserted: 0, updated: 0, created: [] as number[], grown: [] as number[] };
      for (let start = 0; start < ordered.length; start += CLIP_BATCH) {
        const batch = ordered.slice(start, start + CLIP_BATCH);
        const upserted = await this.clips.upsertMany(manager, streamer, batch);
        const changes = await this.applyBursts(manager, streamer, upserted.inserted);
        totals.inserted += upserted.inserted.length;
        totals.updated += upserted.updated;
        totals.created.push(...changes.created.map((burst) => burst.burstId));
        totals.grown.push(...changes.grown.map((burst) => burst.burstId));
      }
      return totals;
    });
  }

  private applyBursts(
    manager: EntityManager,
    streamer: StreamerForSync,
    inserted: readonly NewlyStoredClip[],
  ): Promise<BurstChanges> {
    return this.bursts.applyToNewClips(
      manager,
      {
        streamerId: streamer.id,
        windowSeconds: streamer.monitorIntervalSeconds,
        minClips: streamer.monitorMinClips,
      },
      inserted,
    );
  }
}

function emptyCounts(rejected: readonly Rejection[]): FileCounts {
  return { inserted: 0, updated: 0, skipped: 0, rejected: [...rejected] };
}

function summaryCounts(counts: FileCounts) {
  return { ...counts, rejected: counts.rejected.length };
}

function byLine(a: Rejection, b: Rejection): number {
  return a.line - b.line;
}

/** Rows by streamer, streamers in the order the file first names them. */
function groupByStreamer(
  rows: readonly SeedRow<ClipSeedRow>[],
): Map<string, SeedRow<ClipSeedRow>[]> {
  const groups = new Map<string, SeedRow<ClipSeedRow>[]>();
  for (const row of rows) {
    const group = groups.get(row.value.streamerTwitchUserId);
    if (group) group.push(row);
    else groups.set(row.value.streamerTwitchUserId, [row]);
  }
  return groups;
}
