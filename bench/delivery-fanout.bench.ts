/**
 * Delivery fan-out (TARGETS: one burst of 5 clips on a streamer with 10,000 active subscribers →
 * its 50,000 clip_deliveries rows in the sync's transaction, ≤ 1 s, one statement).
 *
 * Runs the service's own DeliveriesService.deliver() (the statement of deliveries.repository.ts)
 * against PostgreSQL, inside BEGIN … COMMIT as a sync does, through a manager that counts the
 * statements it is given. The time is the statement's plus the commit's (index maintenance and
 * WAL included); median of runs, the table emptied between them.
 *
 * Run: npm run bench:fanout   (CLIPADOR_BENCH_RUNS)
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import type { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { DeliveriesRepository } from '../src/deliveries/deliveries.repository';
import { DeliveriesService } from '../src/deliveries/deliveries.service';
import { benchDatabaseName, createMigratedDatabase, withClient } from './support/database';
import { ensureBuilt } from './support/service';
import { BenchResult, log, median, printResult, result, round, runIfMain } from './support/stats';

const SUBSCRIBERS = 10_000;
const CLIPS = 5;
const RUNS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 5);

/** The manager a sync hands over, reduced to what the fan-out uses; counts the statements. */
function countingManager(client: Client): { manager: EntityManager; statements: () => number } {
  let statements = 0;
  const manager = {
    query: async (sql: string, parameters?: unknown[]) => {
      statements++;
      return (await client.query(sql, parameters)).rows;
    },
  } as unknown as EntityManager;
  return { manager, statements: () => statements };
}

async function seed(
  client: Client,
): Promise<{ streamerId: number; burstId: number; clipIds: number[] }> {
  const [{ id: streamerId }] = (
    await client.query<{ id: number }>(
      `INSERT INTO streamers (twitch_user_id, display_name) VALUES ('555000', 'Fan-out') RETURNING id`,
    )
  ).rows;
  await client.query(
    `INSERT INTO users (username, hashed_password, role, plan, slots_base)
     SELECT 'fan_' || n, 'not-a-hash', 'viewer', 'Mensal Plus', 8 FROM generate_series(1, $1::int) n`,
    [SUBSCRIBERS],
  );
  // Each subscriber has a few other subscriptions before this one (within their 8 slots), and a
  // config row: the slot check and the thresholds have real rows to read.
  await client.query(
    `INSERT INTO streamers (twitch_user_id, display_name)
     SELECT (556000 + n)::text, 'Other ' || n FROM generate_series(1, 3) n`,
  );
  await client.query(
    `INSERT INTO user_streamers (user_id, streamer_id, order_index)
     SELECT u.id, s.id, row_number() OVER (PARTITION BY u.id ORDER BY s.id) - 1
     FROM users u CROSS JOIN streamers s WHERE s.twitch_user_id LIKE '556%'`,
  );
  await client.query(
    `INSERT INTO user_streamers (user_id, streamer_id, order_index)
     SELECT id, $1, 3 FROM users`,
    [streamerId],
  );
  await client.query(
    `INSERT INTO user_channel_configs (user_id, monitor_mode)
     SELECT id, CASE WHEN id % 2 = 0 THEN 'AUTOMATICO' ELSE 'PADRAO' END FROM users`,
  );
  const clipIds = (
    await client.query<{ id: number }>(
      `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at,
                          viewer_count, title, creator_name)
       SELECT 'FanOutClip' || n, $1, 'Fan-out', '555000', now() - interval '10 minutes' + n * interval '10 seconds',
              10 * n, 'Moment ' || n, 'viewer' || n
       FROM generate_series(1, $2::int) n
       RETURNING id`,
      [streamerId, CLIPS],
    )
  ).rows.map((row) => row.id);
  const [{ id: burstId }] = (
    await client.query<{ id: number }>(
      `INSERT INTO bursts (streamer_id, anchor_clip_id, start_time, end_time, clip_count)
       SELECT $1, $2, min(created_at), max(created_at), count(*) FROM clips WHERE id = ANY($3::int[])
       RETURNING id`,
      [streamerId, clipIds[0], clipIds],
    )
  ).rows;
  await client.query(
    `INSERT INTO burst_clips (burst_id, clip_id, clip_external_id)
     SELECT $1, id, clip_id FROM clips WHERE id = ANY($2::int[])`,
    [burstId, clipIds],
  );
  await client.query('ANALYZE');
  return { streamerId, burstId, clipIds };
}

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  // The service's own log line per fan-out would interleave with the figures.
  Logger.overrideLogger(['error', 'warn']);
  const url = await createMigratedDatabase(benchDatabaseName('fanout'));
  const service = new DeliveriesService(new DeliveriesRepository(null as never));
  const results = await withClient(url, async (client) => {
    log(`seeding ${SUBSCRIBERS} active subscribers and a burst of ${CLIPS} clips`);
    const { streamerId, burstId, clipIds } = await seed(client);
    const commit = { streamerId, burstIds: [burstId], newClipIds: clipIds, liveViewerCount: null };
    const timings: number[] = [];
    let written = 0;
    let statements = 0;
    for (let run = 0; run <= RUNS; run++) {
      await client.query('TRUNCATE clip_deliveries');
      const counting = countingManager(client);
      const started = performance.now();
      await client.query('BEGIN');
      written = (await service.deliver(counting.manager, commit)).written;
      await client.query('COMMIT');
      const ms = performance.now() - started;
      statements = counting.statements();
      const [{ n }] = (
        await client.query<{ n: number }>('SELECT count(*)::int AS n FROM clip_deliveries')
      ).rows;
      if (n !== SUBSCRIBERS * CLIPS || written !== n) {
        throw new Error(`expected ${SUBSCRIBERS * CLIPS} rows, wrote ${written}, found ${n}`);
      }
      // Run 0 warms the caches up and is not counted.
      if (run > 0) timings.push(ms);
      log(
        `run ${run}: ${n} rows in ${statements} statement(s), ${ms.toFixed(0)} ms with the commit${run === 0 ? ' (warm-up)' : ''}`,
      );
    }
    // A re-run (the same sync again) writes nothing.
    await client.query('BEGIN');
    const again = (await service.deliver(countingManager(client).manager, commit)).written;
    await client.query('COMMIT');
    const ms = round(median(timings), 0);
    log(`median ${ms} ms for ${written} rows; re-run wrote ${again}`);
    if (again !== 0) throw new Error(`a re-run wrote ${again} rows`);
    return [
      result(
        'delivery_fanout_ms',
        ms,
        '<=1000',
        `${written} rows (${SUBSCRIBERS} subscribers × ${CLIPS} clips) in ${statements} statement, commit included; a re-run writes 0`,
      ),
    ];
  });
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
