import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { benchDatabaseName, createMigratedDatabase, createUser, withClient } from './database';
import { databaseUrl } from './settings';
import { log } from './stats';

/**
 * The benchmark data set: 1,000 streamers, about 1M clips and 100k bursts over the last 28 days,
 * ending now, so that the last hour holds about 150 bursts (TARGETS.md's read-path figure).
 *
 * Generated inside PostgreSQL (INSERT … SELECT over generate_series), so nothing crosses the wire
 * and a full set takes well under a minute. Every reader of this file gets the same shape:
 *
 * - per streamer, 851 "events" about 47 minutes apart (± a 10-minute jitter, a per-streamer
 *   phase), so events never come within one burst window (180 s) of each other;
 * - every 8th event is a burst of 2 (60%), 3 (30%) or 4 (10%) clips 20 s apart, stored as the
 *   burst rule would store it (anchor = first clip, clip_count, end_time, burst_clips), with
 *   K = 2 and W = 180 s on every streamer; every other event is a lone clip;
 * - clips are inserted in time order (row ids grow with time, as they do in production), with
 *   Twitch-like ids, URLs, titles and view counts.
 *
 * The answer for the last 60 minutes is then ~150 bursts, ~2.5 clips each (~130 KB of JSON).
 */

export const DATASET = {
  streamers: 1_000,
  eventsPerStreamer: 851,
  spanDays: 28,
  burstEvery: 8,
  windowSeconds: 180,
  minClips: 2,
  clipSpacingSeconds: 20,
} as const;

/** Bumped whenever the generator changes, so an old data set is regenerated. */
const DATASET_VERSION = 1;

export const BENCH_USERS = {
  viewer: { username: 'bench-viewer', password: 'bench-viewer-password', role: 'viewer' },
  admin: { username: 'bench-admin', password: 'bench-admin-password', role: 'admin' },
} as const;

export interface Dataset {
  url: string;
  name: string;
  generatedAt: Date;
  clips: number;
  bursts: number;
  /** Bursts that started within the last 60 minutes when the set was made. */
  burstsInLastHour: number;
}

/**
 * The read data set, regenerated when it is older than `maxAgeMinutes` (its last hour empties as
 * time passes) or when the generator changed.
 */
export async function ensureReadDataset(maxAgeMinutes = 10): Promise<Dataset> {
  const name = benchDatabaseName('data');
  const url = databaseUrl(name);
  const existing = await readMeta(url);
  if (
    existing &&
    existing.version === DATASET_VERSION &&
    Date.now() - existing.generatedAt.getTime() < maxAgeMinutes * 60_000
  ) {
    log(
      `data set ${name}: reusing (made ${Math.round((Date.now() - existing.generatedAt.getTime()) / 1000)} s ago)`,
    );
    return describe(url, name, existing.generatedAt);
  }
  return generateReadDataset(name);
}

async function readMeta(url: string): Promise<{ version: number; generatedAt: Date } | undefined> {
  try {
    return await withClient(url, async (client) => {
      const { rows } = await client.query<{ version: number; generated_at: Date }>(
        'SELECT version, generated_at FROM bench_dataset',
      );
      return rows[0] ? { version: rows[0].version, generatedAt: rows[0].generated_at } : undefined;
    });
  } catch {
    return undefined;
  }
}

async function describe(url: string, name: string, generatedAt: Date): Promise<Dataset> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ clips: number; bursts: number; recent: number }>(
      `SELECT (SELECT count(*) FROM clips)::int AS clips,
              (SELECT count(*) FROM bursts)::int AS bursts,
              (SELECT count(*) FROM bursts WHERE start_time >= now() - interval '60 minutes')::int
                AS recent`,
    );
    return {
      url,
      name,
      generatedAt,
      clips: rows[0].clips,
      bursts: rows[0].bursts,
      burstsInLastHour: rows[0].recent,
    };
  });
}

export async function generateReadDataset(name: string): Promise<Dataset> {
  const started = performance.now();
  log(`data set ${name}: creating and migrating`);
  const url = await createMigratedDatabase(name);
  for (const user of Object.values(BENCH_USERS)) {
    createUser(url, user.username, user.password, user.role);
  }
  const generatedAt = await withClient(url, (client) => fill(client));
  await withClient(url, async (client) => {
    // Outside any transaction: fresh statistics and visibility maps, as a live database has.
    await client.query('VACUUM (ANALYZE) clips, bursts, burst_clips, streamers');
  });
  const dataset = await describe(url, name, generatedAt);
  log(
    `data set ${name}: ${dataset.clips} clips, ${dataset.bursts} bursts, ` +
      `${dataset.burstsInLastHour} in the last hour, made in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return dataset;
}

async function fill(client: Client): Promise<Date> {
  const d = DATASET;
  const spacingSeconds = (d.spanDays * 86_400) / d.eventsPerStreamer;
  const step = async (label: string, sql: string, params: unknown[] = []) => {
    const t0 = performance.now();
    const { rowCount } = await client.query(sql, params);
    log(`  ${label}: ${rowCount ?? 0} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };

  const { rows } = await client.query<{ now: Date }>('SELECT now() AS now');
  const now = rows[0].now;
  await client.query('SET synchronous_commit = off');
  // The rows are consistent by construction: skip the per-row foreign-key triggers (superuser).
  await client.query('SET session_replication_role = replica');
  await client.query('SELECT setseed(0.4242)');

  await step(
    'streamers',
    `INSERT INTO streamers (twitch_user_id, display_name, monitor_interval_seconds,
                            monitor_min_clips, last_clip_synced_at)
     SELECT (100000 + s)::text, 'streamer_' || s, $2, $3, $1
     FROM generate_series(1, $4) s`,
    [now, d.windowSeconds, d.minClips, d.streamers],
  );
  await step(
    'events',
    `CREATE TEMP TABLE bench_events AS
     SELECT e.streamer_id, e.display_name, e.twitch_user_id, e.k, e.is_burst, e.t,
            CASE WHEN NOT e.is_burst THEN 1 WHEN e.r < 0.6 THEN 2 WHEN e.r < 0.9 THEN 3 ELSE 4 END
              AS size
     FROM (SELECT st.id AS streamer_id, st.display_name, st.twitch_user_id, k,
                  (k % $4::int = st.id % $4::int) AS is_burst,
                  date_trunc('second', $1::timestamptz - make_interval(
                    secs => ($2::int - 1 - k) * $3::float8 + (st.id % 47) * 60
                             + floor(random() * 600)))
                    AS t,
                  random() AS r
           FROM streamers st CROSS JOIN generate_series(0, $2::int - 1) k) e`,
    [now, d.eventsPerStreamer, spacingSeconds, d.burstEvery],
  );
  await step(
    'clip rows',
    `CREATE TEMP TABLE bench_clip_rows AS
     SELECT e.streamer_id, e.display_name, e.twitch_user_id, e.k, j, e.is_burst,
            'Bench' || e.streamer_id || 'k' || e.k || 'j' || j || '-' ||
              substr(md5(e.streamer_id || ':' || e.k || ':' || j), 1, 10) AS clip_id,
            'Bench' || e.streamer_id || 'k' || e.k || 'j0-' ||
              substr(md5(e.streamer_id || ':' || e.k || ':0'), 1, 10) AS anchor_clip_id,
            e.t + make_interval(secs => j * $1::int) AS created_at
     FROM bench_events e CROSS JOIN LATERAL generate_series(0, e.size - 1) j`,
    [d.clipSpacingSeconds],
  );
  await step(
    'clips',
    `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at,
                        viewer_count, video_id, title, duration, url, thumbnail_url, vod_offset,
                        creator_name, fetched_at)
     SELECT clip_id, streamer_id, display_name, twitch_user_id, created_at,
            (random() * 5000)::int, (2000000000 + streamer_id * 1000 + k / 20)::text,
            'Clip ' || k || '.' || j || ' of ' || display_name, 30,
            'https://clips.twitch.tv/' || clip_id,
            'https://clips-media-assets2.twitch.tv/' || clip_id || '-preview-480x272.jpg',
            (k * 37) % 10000, 'viewer' || ((k * 7919 + j) % 100000), $1
     FROM bench_clip_rows ORDER BY created_at, clip_id`,
    [now],
  );
  await step(
    'bursts',
    `INSERT INTO bursts (streamer_id, anchor_clip_id, start_time, end_time, clip_count,
                         created_at, updated_at)
     SELECT e.streamer_id, c.id, e.t, e.t + make_interval(secs => (e.size - 1) * $2::int), e.size,
            $1, $1
     FROM bench_clip_rows r
     JOIN bench_events e ON e.streamer_id = r.streamer_id AND e.k = r.k
     JOIN clips c ON c.clip_id = r.clip_id
     WHERE r.is_burst AND r.j = 0
     ORDER BY e.t`,
    [now, d.clipSpacingSeconds],
  );
  await step(
    'burst_clips',
    `INSERT INTO burst_clips (burst_id, clip_id, clip_external_id)
     SELECT b.id, c.id, c.clip_id
     FROM bench_clip_rows r
     JOIN clips c ON c.clip_id = r.clip_id
     JOIN clips a ON a.clip_id = r.anchor_clip_id
     JOIN bursts b ON b.anchor_clip_id = a.id
     WHERE r.is_burst`,
  );
  await client.query(`DROP TABLE bench_events; DROP TABLE bench_clip_rows`);
  await client.query(
    `CREATE TABLE bench_dataset (version int NOT NULL, generated_at timestamptz NOT NULL);
     INSERT INTO bench_dataset VALUES (${DATASET_VERSION}, '${now.toISOString()}')`,
  );
  return now;
}
