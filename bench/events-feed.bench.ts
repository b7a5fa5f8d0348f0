/**
 * The live feed (TARGETS: 2,000 SSE clients on one api process, a burst committed — every client
 * has it within p99 ≤ 1 s; ≤ 30 KB RSS per client).
 *
 * 2,000 viewers, each with a session and a subscription to one streamer, each holding one
 * `GET /events` stream on one api process (opened from 127.0.0.1–4 in turn, from a client
 * process of its own). A worker process syncs the streamer against the Twitch simulator, which
 * has a new burst each round; the worker publishes `burst.created` to the Redis Stream after the
 * commit, the api process reads it once and fans it out. The delay of a client is its receipt
 * minus the event's `at` (set when the worker publishes, right after the commit and the one
 * query that reads the burst). RSS per client: the api process's resident set with the streams
 * open minus before them, over the number of streams.
 *
 * Run: npm run bench:events   (CLIPADOR_BENCH_RUNS rounds, default 3; CLIPADOR_BENCH_SSE_CLIENTS)
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { TwitchSimulator } from '../test/twitch-simulator/twitch-simulator';
import { benchDatabaseName, withClient } from './support/database';
import {
  BENCH_TWITCH_APP,
  prepareSyncDatabase,
  startDeployment,
  syncAndWait,
  waitForWorkers,
} from './support/ingestion';
import { ensureBuilt, sleep } from './support/service';
import { BENCH_JWT_SECRET, REPO_ROOT, RESULTS_DIR } from './support/settings';
import { BenchResult, log, median, printResult, result, round, runIfMain } from './support/stats';

const CLIENTS = Number(process.env.CLIPADOR_BENCH_SSE_CLIENTS ?? 2_000);
const ROUNDS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 3);
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

function currentRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** 2,000 viewers with a live session each and a subscription to the streamer; their tokens. */
async function prepareViewers(url: string, streamerId: number): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ id: number; username: string; sid: string }>(
      `WITH u AS (
         INSERT INTO users (username, hashed_password, role)
         SELECT 'feed_viewer_' || n, 'not-a-login-hash', 'viewer' FROM generate_series(1, $1::int) n
         RETURNING id, username),
       s AS (
         INSERT INTO auth_sessions (id, user_id, expires_at)
         SELECT gen_random_uuid(), id, now() + interval '1 day' FROM u RETURNING id, user_id),
       sub AS (
         INSERT INTO user_streamers (user_id, streamer_id, order_index)
         SELECT id, $2, 0 FROM u)
       SELECT u.id, u.username, s.id AS sid FROM u JOIN s ON s.user_id = u.id ORDER BY u.id`,
      [CLIENTS, streamerId],
    );
    // Access tokens as a login signs them (HS256, sid, ver), without 2,000 bcrypt checks.
    return rows.map((row) =>
      jwt.sign(
        {
          sub: String(row.id),
          username: row.username,
          role: 'viewer',
          type: 'access',
          sid: row.sid,
          ver: 0,
        },
        BENCH_JWT_SECRET,
        { algorithm: 'HS256', expiresIn: 3_600, jwtid: randomUUID() },
      ),
    );
  });
}

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  const { url, streamers } = await prepareSyncDatabase(benchDatabaseName('events_feed'), 1);
  const streamer = streamers[0];
  const tokens = await prepareViewers(url, streamer.id);
  const tokensFile = join(RESULTS_DIR, 'events-feed-tokens.json');
  writeFileSync(tokensFile, JSON.stringify(tokens));

  const sim = await TwitchSimulator.start({ rateLimit: null, latencyMs: 0 });
  sim.addApp(BENCH_TWITCH_APP.clientId, BENCH_TWITCH_APP.clientSecret);
  const deployment = await startDeployment('events-feed', url, sim, 1);
  const clients = fork(join(REPO_ROOT, 'bench/support/sse-clients.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
  });
  const ask = <T>(message: object, reply: string): Promise<T> =>
    new Promise((resolve) => {
      const listener = (answer: { type: string }) => {
        if (answer.type !== reply) return;
        clients.off('message', listener);
        resolve(answer as T);
      };
      clients.on('message', listener);
      clients.send(message);
    });

  let results: BenchResult[];
  try {
    await waitForWorkers(deployment.api.url!, 1);
    // A first sync so that the streamer's first-sync look-back is behind us.
    await syncAndWait(deployment, 60_000);
    const apiPid = deployment.api.pid;
    await sleep(1_000);
    const rssBefore = currentRssKb(apiPid);
    const opened = await ask<{ ok: number; failed: number }>(
      { type: 'open', url: deployment.api.url, tokensFile, addresses: ADDRESSES },
      'opened',
    );
    log(`${opened.ok} streams open, ${opened.failed} refused`);
    if (opened.ok !== CLIENTS) throw new Error(`only ${opened.ok} of ${CLIENTS} streams opened`);
    // Steady state: the garbage of 2,000 handshakes is collected within a few idle seconds.
    await sleep(5_000);
    const rssAfter = currentRssKb(apiPid);
    const perClientKb = (rssAfter - rssBefore) / CLIENTS;
    log(`api RSS ${rssBefore} kB → ${rssAfter} kB: ${perClientKb.toFixed(1)} kB per stream`);

    const p99s: number[] = [];
    const maxes: number[] = [];
    let missing = 0;
    for (let round_ = 1; round_ <= ROUNDS; round_++) {
      // 9, 5 and 1 minutes ago: inside the sync's re-read margin, and more than the burst
      // window (180 s) apart, so each round is a new burst rather than a growth.
      const anchor = Date.now() - (13 - 4 * round_) * 60_000;
      for (const seconds of [0, 10, 20]) {
        sim.addClip({
          broadcaster_id: streamer.twitchUserId,
          created_at: new Date(anchor + seconds * 1000),
        });
      }
      await syncAndWait(deployment, 60_000);
      const [burst] = await withClient(
        url,
        async (client) =>
          (
            await client.query<{ id: number }>(
              'SELECT id FROM bursts WHERE streamer_id = $1 ORDER BY id DESC LIMIT 1',
              [streamer.id],
            )
          ).rows,
      );
      let delays: number[] = [];
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        delays = (
          await ask<{ delaysMs: number[] }>({ type: 'delays', burstId: burst.id }, 'delays')
        ).delaysMs;
        if (delays.length >= CLIENTS) break;
        await sleep(100);
      }
      missing += CLIENTS - delays.length;
      const sorted = [...delays].sort((a, b) => a - b);
      const p99 = percentile(sorted, 99);
      p99s.push(p99);
      maxes.push(sorted[sorted.length - 1]);
      log(
        `round ${round_}: burst ${burst.id} reached ${delays.length}/${CLIENTS} streams; ` +
          `p50 ${percentile(sorted, 50)} ms, p99 ${p99} ms, max ${sorted[sorted.length - 1]} ms`,
      );
    }
    const p99 = median(p99s);
    const detail = `${CLIENTS} streams on one api process, ${ROUNDS} bursts: p99 ${p99s.join('/')} ms, max ${maxes.join('/')} ms, ${missing} missed; RSS ${round(perClientKb, 1)} kB per stream`;
    results = [
      result('events_feed_p99_ms', p99, '<=1000', detail),
      result('events_feed_missed', missing, '<=0', detail),
      result('events_feed_rss_kb_per_client', round(perClientKb, 1), '<=30', detail),
    ];
  } finally {
    clients.send({ type: 'close' });
    await deployment.stop();
    await sim.close();
  }
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
