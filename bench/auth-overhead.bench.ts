/**
 * Auth overhead (TARGETS: `GET /auth/me` throughput ≥ 0.5× `GET /health` on the same server).
 *
 * `/health` answers without touching anything; `/auth/me` goes through the global JWT guard
 * (verify the token, then make sure the user still exists and read its role) and answers the
 * caller. The ratio is the price of authentication per request. Built service, role api,
 * production environment, 50 connections, warm-up, runs interleaved, medians.
 *
 * Run: npm run bench:auth   (CLIPADOR_BENCH_RUNS, CLIPADOR_BENCH_SECONDS, CLIPADOR_BENCH_PROFILE=1)
 */
import { login } from './support/database';
import { BENCH_USERS, ensureReadDataset } from './support/dataset';
import { assertClean, autocannon, describeRun, LoadResult, summarise } from './support/load';
import { BenchProfile } from './support/profile';
import { ensureBuilt, startService } from './support/service';
import { uniqueRedisPrefix } from './support/settings';
import { BenchResult, log, printResult, result, round, runIfMain } from './support/stats';

const CONNECTIONS = 50;
const RUNS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.CLIPADOR_BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = 4;

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  // Any migrated database with the bench users will do; the read data set is one (users table
  // of a real size does not matter: the lookup is by primary key).
  const dataset = await ensureReadDataset(24 * 60);
  const profile = new BenchProfile('auth');
  const service = await startService({
    name: 'auth-api',
    databaseUrl: dataset.url,
    roles: 'api',
    redisPrefix: uniqueRedisPrefix('auth'),
    nodeArgs: profile.nodeArgs,
  });
  let results: BenchResult[];
  try {
    const { username, password } = BENCH_USERS.viewer;
    const token = await login(service.url!, username, password);
    const health = `${service.url}/health`;
    const me = `${service.url}/auth/me`;
    const headers = { authorization: `Bearer ${token}` };
    const load = (url: string, seconds: number) =>
      autocannon({ url, connections: CONNECTIONS, durationSec: seconds, headers });

    log(`warming up both for ${WARMUP_SECONDS} s`);
    await load(health, WARMUP_SECONDS);
    await load(me, WARMUP_SECONDS);
    const healthRuns: LoadResult[] = [];
    const meRuns: LoadResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const h = await load(health, SECONDS);
      assertClean('/health', h);
      log(describeRun(`run ${run} /health `, h));
      healthRuns.push(h);
      const m = await load(me, SECONDS);
      assertClean('/auth/me', m);
      log(describeRun(`run ${run} /auth/me`, m));
      meRuns.push(m);
    }
    const h = summarise(healthRuns);
    const m = summarise(meRuns);
    log(
      `medians: /health ${h.rps} req/s p99 ${h.p99Ms} ms; /auth/me ${m.rps} req/s p99 ${m.p99Ms} ms`,
    );
    results = [
      result(
        'auth_me_vs_health_ratio',
        round(m.rps / h.rps),
        '>=0.5',
        `/auth/me ${m.rps} req/s; /health ${h.rps} req/s`,
      ),
    ];
  } finally {
    await service.stop();
  }
  profile.report();
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
