/**
 * Read path (TARGETS: throughput ≥ 1.5× the bare node:http + pg baseline, p99 ≤ the baseline's).
 *
 * `GET /clips/bursts/recent?since_minutes=60` with a viewer's token, 50 connections, against the
 * built service (`node dist/main.js`, role api, production environment) and against
 * bench/baselines/bare-read-server.ts (same SQL, pool of 10, no framework), both on the data set
 * of bench/support/dataset.ts (1M clips, 100k bursts, ~150 in the last hour).
 *
 * Both answers are checked to be the same bursts first. Then each side is warmed up, and the
 * two are measured in turn (baseline, service, baseline, …) so that drift of the shared machine
 * hits both alike; medians of the runs are compared.
 *
 * Run: npm run bench:read   (CLIPADOR_BENCH_RUNS, CLIPADOR_BENCH_SECONDS; CLIPADOR_BENCH_PROFILE=1
 * adds a CPU profile of the service under load and prints its summary)
 */
import { login } from './support/database';
import { BENCH_USERS, ensureReadDataset } from './support/dataset';
import { assertClean, autocannon, describeRun, LoadResult, summarise } from './support/load';
import { BenchProfile } from './support/profile';
import { ensureBuilt, freePort, startScript, startService } from './support/service';
import { uniqueRedisPrefix } from './support/settings';
import { BenchResult, log, printResult, result, round, runIfMain } from './support/stats';

const CONNECTIONS = 50;
const RUNS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.CLIPADOR_BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 5;
const PATH = '/clips/bursts/recent?since_minutes=60';

interface BurstsAnswer {
  data: Array<{ id: number; clip_count: number; clipes: unknown[] }>;
}

async function fetchBursts(url: string, token?: string): Promise<BurstsAnswer> {
  const response = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as BurstsAnswer;
}

/** The two servers must serve the same bursts, or the comparison means nothing. */
function assertSameAnswer(baseline: BurstsAnswer, service: BurstsAnswer): void {
  const ids = (answer: BurstsAnswer) => answer.data.map((burst) => burst.id);
  const a = ids(baseline);
  const b = ids(service);
  // A burst may cross the window's edge between the two requests: allow one at the old end.
  const common = Math.min(a.length, b.length);
  if (
    Math.abs(a.length - b.length) > 1 ||
    a.slice(0, common).join() !== b.slice(0, common).join()
  ) {
    throw new Error(`baseline and service disagree: ${a.length} vs ${b.length} bursts`);
  }
  if (JSON.stringify(baseline.data[0]) !== JSON.stringify(service.data[0])) {
    throw new Error('baseline and service serialise the newest burst differently');
  }
}

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  const dataset = await ensureReadDataset();
  const profile = new BenchProfile('read-path');

  const service = await startService({
    name: 'read-path-api',
    databaseUrl: dataset.url,
    roles: 'api',
    redisPrefix: uniqueRedisPrefix('read'),
    nodeArgs: profile.nodeArgs,
  });
  const baselinePort = await freePort();
  const baseline = await startScript(
    'bench/baselines/bare-read-server.ts',
    [String(baselinePort), dataset.url],
    /listening/,
  );
  const baselineUrl = `http://127.0.0.1:${baselinePort}${PATH}`;
  const serviceUrl = `${service.url}${PATH}`;
  let results: BenchResult[];
  try {
    const { username, password } = BENCH_USERS.viewer;
    const token = await login(service.url!, username, password);
    const headers = { authorization: `Bearer ${token}` };
    const sample = await fetchBursts(serviceUrl, token);
    assertSameAnswer(await fetchBursts(baselineUrl), sample);
    const clips = sample.data.reduce((sum, burst) => sum + burst.clipes.length, 0);
    log(
      `read path: ${dataset.clips} clips, ${dataset.bursts} bursts stored; the answer has ` +
        `${sample.data.length} bursts, ${clips} clips, ${(JSON.stringify(sample).length / 1024).toFixed(0)} KB`,
    );

    const load = (url: string, seconds: number, auth: boolean) =>
      autocannon({
        url,
        connections: CONNECTIONS,
        durationSec: seconds,
        headers: auth ? headers : undefined,
      });
    log(`warming up both for ${WARMUP_SECONDS} s`);
    await load(baselineUrl, WARMUP_SECONDS, false);
    await load(serviceUrl, WARMUP_SECONDS, true);

    const baselineRuns: LoadResult[] = [];
    const serviceRuns: LoadResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const b = await load(baselineUrl, SECONDS, false);
      assertClean('baseline', b);
      log(describeRun(`run ${run} baseline`, b));
      baselineRuns.push(b);
      const s = await load(serviceUrl, SECONDS, true);
      assertClean('service', s);
      log(describeRun(`run ${run} service `, s));
      serviceRuns.push(s);
    }
    const base = summarise(baselineRuns);
    const svc = summarise(serviceRuns);
    log(
      `medians: baseline ${base.rps} req/s p50 ${base.p50Ms} p99 ${base.p99Ms} ms; ` +
        `service ${svc.rps} req/s p50 ${svc.p50Ms} p99 ${svc.p99Ms} ms`,
    );

    const detail = `service ${svc.rps} req/s p99 ${svc.p99Ms} ms; baseline ${base.rps} req/s p99 ${base.p99Ms} ms`;
    results = [
      result('read_path_rps_ratio', round(svc.rps / base.rps), '>=1.5', detail),
      // p99 ≤ the baseline's, as a ratio so that it reads like the other targets.
      result('read_path_p99_ratio', round(svc.p99Ms / Math.max(base.p99Ms, 0.1)), '<=1', detail),
    ];
  } finally {
    await baseline.stop();
    await service.stop();
  }
  profile.report();
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
