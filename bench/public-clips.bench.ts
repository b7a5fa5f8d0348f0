import { setTimeout as sleep } from 'node:timers/promises';
/**
 * Public clips (TARGETS: `GET /public/clips?limit=12`, no auth, 50 connections from 8 client
 * addresses, ingestion committing every 5 s → throughput ≥ 1.0× the bare node:http + pg server).
 *
 * The built service (`node dist/main.js`, role api, production environment, Redis) against
 * bench/baselines/bare-public-clips-server.ts (the same SQL per request, pool of 10), both on the
 * read data set (1M clips, 1,000 streamers). The connections are opened from 127.0.0.1–127.0.0.8
 * (bench/support/local-addresses.js), so the service's per-address rate limit counts 8 clients —
 * in Redis, one round trip per request — with a limit set high enough not to refuse the load:
 * what is measured is the cost of counting, not of refusing. Meanwhile a writer commits 5 new
 * clips every 5 s (and refreshes a view count), as ingestion does, so the service's snapshot is
 * rebuilt while it is measured.
 *
 * Both answers are checked to be the same clips first; then warm-up, then runs alternating
 * baseline and service; medians compared.
 *
 * Run: npm run bench:public   (CLIPADOR_BENCH_RUNS, CLIPADOR_BENCH_SECONDS)
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureReadDataset } from './support/dataset';
import { assertClean, autocannon, describeRun, LoadResult, summarise } from './support/load';
import { ensureBuilt, freePort, startScript, startService } from './support/service';
import { uniqueRedisPrefix } from './support/settings';
import { BenchResult, log, printResult, result, round, runIfMain } from './support/stats';

const CONNECTIONS = 50;
const ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);
const RUNS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.CLIPADOR_BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 5;
const COMMIT_EVERY_MS = 5_000;
const PATH = '/public/clips?limit=12';

interface ClipsAnswer {
  data: Array<{ id: string }>;
}

async function fetchClips(url: string): Promise<ClipsAnswer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as ClipsAnswer;
}

/** Ingestion's effect on the feed: new clips of an active streamer, and a view count refreshed. */
function startWriter(url: string): { stop: () => Promise<number> } {
  const client = new Client({ connectionString: url });
  let commits = 0;
  let stopped = false;
  const connected = client.connect();
  const commit = async () => {
    const ids = Array.from({ length: 5 }, () => `BenchPublic${randomBytes(9).toString('hex')}`);
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at,
         viewer_count, title, duration)
       SELECT u.id, s.id, s.display_name, s.twitch_user_id, now(), 1, 'bench clip', 30
       FROM (SELECT id FROM streamers WHERE is_active ORDER BY random() LIMIT 1) pick
       JOIN streamers s ON s.id = pick.id, unnest($1::text[]) AS u(id)`,
      [ids],
    );
    await client.query(
      `UPDATE clips SET viewer_count = viewer_count + 1
       WHERE id = (SELECT id FROM clips ORDER BY created_at DESC LIMIT 1)`,
    );
    await client.query('COMMIT');
    commits++;
  };
  const timer = setInterval(() => {
    if (!stopped)
      void connected.then(commit).catch((error: Error) => log(`writer: ${error.message}`));
  }, COMMIT_EVERY_MS);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await connected;
      await client.end();
      return commits;
    },
  };
}

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  const dataset = await ensureReadDataset();
  const service = await startService({
    name: 'public-clips-api',
    databaseUrl: dataset.url,
    roles: 'api',
    redisPrefix: uniqueRedisPrefix('public'),
    env: { CLIPADOR_PUBLIC_CLIPS_RATE_LIMIT: '1000000000' },
  });
  const baselinePort = await freePort();
  const baseline = await startScript(
    'bench/baselines/bare-public-clips-server.ts',
    [String(baselinePort), dataset.url],
    /listening/,
  );
  const baselineUrl = `http://127.0.0.1:${baselinePort}${PATH}`;
  const serviceUrl = `${service.url}${PATH}`;
  let results: BenchResult[];
  let writer: ReturnType<typeof startWriter> | undefined;
  try {
    const sample = await fetchClips(serviceUrl);
    const bare = await fetchClips(baselineUrl);
    if (JSON.stringify(sample) !== JSON.stringify(bare)) {
      throw new Error('baseline and service answer different clips');
    }
    log(
      `public clips: ${dataset.clips} clips stored; the answer has ${sample.data.length} clips, ` +
        `${JSON.stringify(sample).length} bytes; load from ${ADDRESSES.length} addresses`,
    );
    writer = startWriter(dataset.url);
    const load = (url: string, seconds: number) =>
      autocannon({
        url,
        connections: CONNECTIONS,
        durationSec: seconds,
        localAddresses: ADDRESSES,
      });
    log(`warming up both for ${WARMUP_SECONDS} s`);
    await load(baselineUrl, WARMUP_SECONDS);
    await load(serviceUrl, WARMUP_SECONDS);

    const baselineRuns: LoadResult[] = [];
    const serviceRuns: LoadResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const b = await load(baselineUrl, SECONDS);
      assertClean('baseline', b);
      log(describeRun(`run ${run} baseline`, b));
      baselineRuns.push(b);
      const s = await load(serviceUrl, SECONDS);
      assertClean('service', s);
      log(describeRun(`run ${run} service `, s));
      serviceRuns.push(s);
    }
    const commits = await writer.stop();
    writer = undefined;
    // The snapshot followed the writer: the service's newest clip is the baseline's.
    const [after, afterBare] = [await fetchClips(serviceUrl), await fetchClips(baselineUrl)];
    await sleep(5_100);
    const settled = await fetchClips(serviceUrl);
    if (settled.data[0]?.id !== afterBare.data[0]?.id) {
      throw new Error('the service did not show the last commit within 5 s');
    }
    const base = summarise(baselineRuns);
    const svc = summarise(serviceRuns);
    log(
      `medians: baseline ${base.rps} req/s p50 ${base.p50Ms} p99 ${base.p99Ms} ms; ` +
        `service ${svc.rps} req/s p50 ${svc.p50Ms} p99 ${svc.p99Ms} ms; ${commits} commits ` +
        `(newest clip right after the load: service ${after.data[0]?.id}, baseline ${afterBare.data[0]?.id})`,
    );
    const detail = `service ${svc.rps} req/s p99 ${svc.p99Ms} ms; baseline ${base.rps} req/s p99 ${base.p99Ms} ms; ${commits} commits during the runs`;
    results = [result('public_clips_rps_ratio', round(svc.rps / base.rps), '>=1', detail)];
  } finally {
    await writer?.stop();
    await baseline.stop();
    await service.stop();
  }
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
