/**
 * `GET /config/me` (TARGETS: a user with 15 subscriptions, 50 connections, throughput ≥ 0.5×
 * `GET /auth/me` on the same server).
 *
 * Both go through the global JWT guard; /config/me then reads the user's config row (with the
 * plan's base slots) and their 15 subscriptions with their streamers (and each one's last sent
 * "now live": one lateral over a partial index): two indexed statements, cached per user.
 * Built service, role api, production environment, warm-up, runs interleaved, medians.
 *
 * Run: npm run bench:config-me   (CLIPADOR_BENCH_RUNS, CLIPADOR_BENCH_SECONDS)
 */
import {
  benchDatabaseName,
  createMigratedDatabase,
  createUser,
  login,
  withClient,
} from './support/database';
import { assertClean, autocannon, describeRun, LoadResult, summarise } from './support/load';
import { ensureBuilt, startService } from './support/service';
import { uniqueRedisPrefix } from './support/settings';
import { BenchResult, log, printResult, result, round, runIfMain } from './support/stats';

const CONNECTIONS = 50;
const SUBSCRIPTIONS = 15;
const RUNS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.CLIPADOR_BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = 4;
const USER = { username: 'bench-channel-viewer', password: 'bench-channel-password' };

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  const url = await createMigratedDatabase(benchDatabaseName('config_me'));
  createUser(url, USER.username, USER.password, 'viewer');
  await withClient(url, async (client) => {
    // 15 streamers, all attached (slots raised to hold them), with the user's config row.
    await client.query(
      `INSERT INTO streamers (twitch_user_id, display_name, avatar_url)
       SELECT (100000 + n)::text, 'Streamer ' || n,
              'https://static-cdn.jtvnw.net/jtv_user_pictures/s' || n || '-profile_image-300x300.png'
       FROM generate_series(1, $1::int) AS n`,
      [SUBSCRIPTIONS],
    );
    await client.query(`UPDATE users SET plan = 'Anual Pro', slots_base = 15 WHERE username = $1`, [
      USER.username,
    ]);
    await client.query(
      `INSERT INTO user_channel_configs (user_id) SELECT id FROM users WHERE username = $1`,
      [USER.username],
    );
    await client.query(
      `INSERT INTO user_streamers (user_id, streamer_id, order_index, monitor_min_clips)
       SELECT u.id, s.id, row_number() OVER (ORDER BY s.id) - 1, 3
       FROM users u CROSS JOIN streamers s WHERE u.username = $1`,
      [USER.username],
    );
  });
  const service = await startService({
    name: 'config-me-api',
    databaseUrl: url,
    roles: 'api',
    redisPrefix: uniqueRedisPrefix('config-me'),
  });
  let results: BenchResult[];
  try {
    const token = await login(service.url!, USER.username, USER.password);
    const headers = { authorization: `Bearer ${token}` };
    const me = `${service.url}/auth/me`;
    const config = `${service.url}/config/me`;
    const check = await fetch(config, { headers });
    const body = (await check.json()) as { streamers: unknown[] };
    if (body.streamers.length !== SUBSCRIPTIONS) {
      throw new Error(`expected ${SUBSCRIPTIONS} subscriptions, got ${body.streamers.length}`);
    }
    const load = (target: string, seconds: number) =>
      autocannon({ url: target, connections: CONNECTIONS, durationSec: seconds, headers });

    log(`warming up both for ${WARMUP_SECONDS} s`);
    await load(me, WARMUP_SECONDS);
    await load(config, WARMUP_SECONDS);
    const meRuns: LoadResult[] = [];
    const configRuns: LoadResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const m = await load(me, SECONDS);
      assertClean('/auth/me', m);
      log(describeRun(`run ${run} /auth/me  `, m));
      meRuns.push(m);
      const c = await load(config, SECONDS);
      assertClean('/config/me', c);
      log(describeRun(`run ${run} /config/me`, c));
      configRuns.push(c);
    }
    const m = summarise(meRuns);
    const c = summarise(configRuns);
    log(
      `medians: /auth/me ${m.rps} req/s p99 ${m.p99Ms} ms; /config/me ${c.rps} req/s p99 ${c.p99Ms} ms`,
    );
    results = [
      result(
        'config_me_vs_auth_me_ratio',
        round(c.rps / m.rps),
        '>=0.5',
        `/config/me (${SUBSCRIPTIONS} subscriptions) ${c.rps} req/s p99 ${c.p99Ms} ms; /auth/me ${m.rps} req/s`,
      ),
    ];
  } finally {
    await service.stop();
  }
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
