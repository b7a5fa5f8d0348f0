/**
 * Clip ingest write path (TARGETS: ≥ 0.5× the rows/s of COPY).
 *
 * The service's own write path — ClipsService.upsertMany, one INSERT … SELECT FROM unnest(…)
 * ON CONFLICT DO UPDATE per streamer, each in its own transaction as a sync does, 8 streamers at
 * a time (the default ingestion concurrency) on a pool of 10 — against `COPY … FROM STDIN` (psql
 * `\copy`, a client-side COPY over the same socket) of the same rows into an empty copy of the
 * table (`LIKE clips INCLUDING ALL` plus its foreign key: same columns, indexes, constraints).
 *
 * The upsert is measured as a sync sees it, in two passes over an empty table: first every row
 * is new (insert), then every row comes back with a higher view count (the view refresh:
 * update). Its rows/s is all rows written over both passes' time. COPY can only insert, so its
 * rows/s is one load of the same rows. Each run does both, back to back, on emptied tables; the
 * figure is the median over 5 runs of each run's ratio.
 *
 * Run: npm run bench:ingest
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ClipsRepository, ClipUpsertRow } from '../src/clips/clips.repository';
import { ClipsService } from '../src/clips/clips.service';
import { ChangeGenerationsReader } from '../src/change-generations/change-generations';
import { loadConfig } from '../src/config/configuration';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { benchDatabaseName, createMigratedDatabase, dropDatabase } from './support/database';
import { ensureBuilt } from './support/service';
import { RESULTS_DIR } from './support/settings';
import { BenchResult, log, median, printResult, result, round, runIfMain } from './support/stats';

const STREAMERS = 1_000;
const CLIPS_PER_STREAMER = 100;
const CONCURRENCY = 8;
const RUNS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 5);

interface Streamer {
  id: number;
  twitchUserId: string;
  displayName: string;
}

function rowsFor(streamer: Streamer, viewBoost: number): ClipUpsertRow[] {
  const base = Date.now() - 3 * 3600_000;
  const rows: ClipUpsertRow[] = [];
  for (let i = 0; i < CLIPS_PER_STREAMER; i++) {
    const clipId = `Ingest${streamer.id}x${i}-${((streamer.id * 7919 + i * 104729) % 1e9).toString(36)}`;
    rows.push({
      clipId,
      streamerName: streamer.displayName,
      createdAt: new Date(base + i * 37_000),
      viewerCount: 10 + ((i * 31) % 500) + viewBoost,
      videoId: String(2_000_000_000 + streamer.id),
      title: `Clip ${i} of ${streamer.displayName}`,
      duration: 30,
      url: `https://clips.twitch.tv/${clipId}`,
      thumbnailUrl: `https://clips-media-assets2.twitch.tv/${clipId}-preview-480x272.jpg`,
      vodOffset: i * 60,
      creatorName: `viewer${i}`,
    });
  }
  return rows;
}

/** One CSV line per row, in COPY's column order (the columns the upsert writes). */
function csvLine(streamer: Streamer, row: ClipUpsertRow, fetchedAt: string): string {
  const quote = (value: string | null) => (value === null ? '' : `"${value.replace(/"/g, '""')}"`);
  return [
    quote(row.clipId),
    streamer.id,
    quote(streamer.twitchUserId),
    quote(row.streamerName),
    row.createdAt.toISOString(),
    row.viewerCount,
    quote(row.videoId),
    quote(row.title),
    row.duration ?? '',
    quote(row.url),
    quote(row.thumbnailUrl),
    row.vodOffset ?? '',
    quote(row.creatorName),
    fetchedAt,
  ].join(',');
}

const COPY_COLUMNS =
  'clip_id, streamer_id, streamer_external_id, streamer_name, created_at, viewer_count, video_id, ' +
  'title, duration, url, thumbnail_url, vod_offset, creator_name, fetched_at';

async function runPool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  const name = benchDatabaseName('ingest');
  const url = await createMigratedDatabase(name);
  const config = loadConfig({ CLIPADOR_DATABASE_URL: url, CLIPADOR_DATABASE_LOGGING: 'false' });
  const dataSource = await new DataSource(buildDataSourceOptions(config.database)).initialize();
  let results: BenchResult[];
  try {
    await dataSource.query(
      `INSERT INTO streamers (twitch_user_id, display_name)
       SELECT (200000 + s)::text, 'ingest_' || s FROM generate_series(1, $1) s`,
      [STREAMERS],
    );
    // An empty copy of the table: same columns, defaults, indexes, constraints — and its foreign
    // key, which LIKE leaves out but every row written to clips is checked against.
    await dataSource.query('CREATE TABLE clips_copy (LIKE clips INCLUDING ALL)');
    await dataSource.query(
      `ALTER TABLE clips_copy ADD FOREIGN KEY (streamer_id) REFERENCES streamers (id)
       ON DELETE CASCADE`,
    );
    const streamers: Streamer[] = await dataSource.query(
      `SELECT id, twitch_user_id AS "twitchUserId", display_name AS "displayName"
       FROM streamers ORDER BY id`,
    );
    const clips = new ClipsService(
      new ClipsRepository(dataSource),
      new ChangeGenerationsReader(dataSource),
    );
    const totalRows = STREAMERS * CLIPS_PER_STREAMER;
    const fresh = new Map(streamers.map((s) => [s.id, rowsFor(s, 0)]));
    const refreshed = new Map(streamers.map((s) => [s.id, rowsFor(s, 1)]));

    const csvPath = join(RESULTS_DIR, 'ingest-rows.csv.tmp');
    const fetchedAt = new Date().toISOString();
    writeFileSync(
      csvPath,
      streamers
        .flatMap((s) => fresh.get(s.id)!.map((row) => csvLine(s, row, fetchedAt)))
        .join('\n') + '\n',
    );

    const upsertPass = async (rowsBy: Map<number, ClipUpsertRow[]>) => {
      let written = 0;
      await runPool(streamers, CONCURRENCY, async (streamer) => {
        const result = await dataSource.transaction((manager) =>
          clips.upsertMany(manager, streamer, rowsBy.get(streamer.id)!),
        );
        written += result.inserted.length + result.updated;
      });
      return written;
    };

    const upsertRates: number[] = [];
    const copyRates: number[] = [];
    const ratios: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      await dataSource.query('TRUNCATE clips CASCADE');
      await dataSource.query('VACUUM ANALYZE clips');
      const cpu0 = process.cpuUsage();
      let t0 = performance.now();
      const inserted = await upsertPass(fresh);
      const insertMs = performance.now() - t0;
      t0 = performance.now();
      const updated = await upsertPass(refreshed);
      const updateMs = performance.now() - t0;
      if (inserted !== totalRows || updated !== totalRows) {
        throw new Error(`upsert wrote ${inserted} + ${updated} rows, expected ${totalRows} each`);
      }
      const upsertRate = (inserted + updated) / ((insertMs + updateMs) / 1000);
      const cpu = process.cpuUsage(cpu0);
      log(
        `  this process: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU over ` +
          `${(insertMs + updateMs).toFixed(0)} ms of upserts`,
      );
      upsertRates.push(upsertRate);

      await dataSource.query('TRUNCATE clips_copy');
      await dataSource.query('VACUUM ANALYZE clips_copy');
      t0 = performance.now();
      execFileSync('psql', [
        url,
        '-v',
        'ON_ERROR_STOP=1',
        '-q',
        '-c',
        `\\copy clips_copy (${COPY_COLUMNS}) FROM '${csvPath}' WITH (FORMAT csv)`,
      ]);
      const copyMs = performance.now() - t0;
      const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM clips_copy');
      if (count !== totalRows) throw new Error(`COPY loaded ${count} rows, expected ${totalRows}`);
      const copyRate = totalRows / (copyMs / 1000);
      copyRates.push(copyRate);
      ratios.push(upsertRate / copyRate);
      log(
        `run ${run}: upsert insert ${(totalRows / (insertMs / 1000)).toFixed(0)} rows/s, ` +
          `refresh ${(totalRows / (updateMs / 1000)).toFixed(0)} rows/s, both ` +
          `${upsertRate.toFixed(0)} rows/s; COPY ${copyRate.toFixed(0)} rows/s`,
      );
    }
    const upsert = median(upsertRates);
    const copy = median(copyRates);
    log(
      `medians: upsert ${upsert.toFixed(0)} rows/s, COPY ${copy.toFixed(0)} rows/s ` +
        `(${totalRows} rows, ${CLIPS_PER_STREAMER} per statement, ${CONCURRENCY} at a time)`,
    );
    // Each run pairs an upsert and a COPY measured back to back: the median of those ratios is
    // steadier on a shared machine than the ratio of two medians taken at different moments.
    results = [
      result(
        'ingest_upsert_vs_copy_ratio',
        round(median(ratios)),
        '>=0.5',
        `upsert ${upsert.toFixed(0)} rows/s; COPY ${copy.toFixed(0)} rows/s`,
      ),
    ];
  } finally {
    await dataSource.destroy();
    await dropDatabase(name);
    rmSync(join(RESULTS_DIR, 'ingest-rows.csv.tmp'), { force: true });
  }
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
