/**
 * Login burst (TARGETS "Login": 80 parallel wrong logins from 8 addresses → no 5xx, and
 * authenticated reads keep their latency: p99 during the burst ≤ 5× the same read's idle p99).
 *
 * Built service, role api, production environment with Redis (the throttle's store), default
 * login limits and password pool. Readers poll `GET /auth/me` (the guard and the user read: what
 * every authenticated request pays) over keep-alive connections: first idle, then while 80 wrong
 * logins — unknown usernames, 10 from each of 8 loopback addresses, all sent at once — are
 * answered (401 once checked, 429 when shed or throttled). Three rounds, each from addresses of
 * its own (so no round inherits another's throttle counts); the median of the rounds' ratios.
 *
 * Run: npm run bench:login-burst   (CLIPADOR_BENCH_RUNS)
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { login } from './support/database';
import { BENCH_USERS, ensureReadDataset } from './support/dataset';
import { ensureBuilt, sleep, startService } from './support/service';
import { uniqueRedisPrefix } from './support/settings';
import { BenchResult, log, median, printResult, result, round, runIfMain } from './support/stats';

const ROUNDS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 3);
const READERS = 4;
const IDLE_MS = 3_000;
const LOGINS = 80;
const ADDRESSES = 8;

interface Reply {
  status: number;
  ms: number;
}

function send(
  url: URL,
  options: { method: string; headers: Record<string, string>; body?: string; agent?: Agent },
  localAddress?: string,
): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: options.method,
        headers: options.headers,
        agent: options.agent ?? false,
        localAddress,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function p99(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  const dataset = await ensureReadDataset(24 * 60);
  const service = await startService({
    name: 'login-burst-api',
    databaseUrl: dataset.url,
    roles: 'api',
    redisPrefix: uniqueRedisPrefix('login-burst'),
  });
  const results: BenchResult[] = [];
  try {
    const { username, password } = BENCH_USERS.viewer;
    const token = await login(service.url!, username, password);
    const me = new URL(`${service.url}/auth/me`);
    const loginUrl = new URL(`${service.url}/auth/login`);
    const agent = new Agent({ keepAlive: true, maxSockets: READERS });
    const readHeaders = { authorization: `Bearer ${token}` };

    /** Readers polling until `stop()`; every latency and every non-200 is kept. */
    const poll = () => {
      let running = true;
      const latencies: number[] = [];
      const bad: number[] = [];
      const loops = Array.from({ length: READERS }, async () => {
        while (running) {
          const reply = await send(me, { method: 'GET', headers: readHeaders, agent });
          latencies.push(reply.ms);
          if (reply.status !== 200) bad.push(reply.status);
        }
      });
      return {
        latencies,
        bad,
        stop: async () => {
          running = false;
          await Promise.all(loops);
        },
      };
    };

    log('warming up');
    const warm = poll();
    await sleep(2_000);
    await warm.stop();

    const ratios: number[] = [];
    const idleP99s: number[] = [];
    const burstP99s: number[] = [];
    let server5xx = 0;
    let badReads = 0;
    const statusCounts = new Map<number, number>();
    for (let roundNo = 0; roundNo < ROUNDS; roundNo++) {
      const idle = poll();
      await sleep(IDLE_MS);
      await idle.stop();

      const busy = poll();
      const started = performance.now();
      const logins = await Promise.all(
        Array.from({ length: LOGINS }, (_, i) => {
          const from = `127.0.0.${20 + roundNo * ADDRESSES + (i % ADDRESSES)}`;
          const body = JSON.stringify({
            username: `burst-${roundNo}-${i}-${process.pid}`,
            password: 'wrong-password',
          });
          return send(
            loginUrl,
            {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(body)),
              },
              body,
            },
            from,
          );
        }),
      );
      const burstMs = performance.now() - started;
      await busy.stop();

      for (const reply of logins) {
        statusCounts.set(reply.status, (statusCounts.get(reply.status) ?? 0) + 1);
        if (reply.status >= 500) server5xx++;
      }
      badReads += idle.bad.length + busy.bad.length;
      const idleP99 = p99(idle.latencies);
      const burstP99 = p99(busy.latencies);
      idleP99s.push(idleP99);
      burstP99s.push(burstP99);
      ratios.push(burstP99 / idleP99);
      log(
        `round ${roundNo + 1}: idle p99 ${idleP99.toFixed(1)} ms (${idle.latencies.length} reads); ` +
          `during the burst (${burstMs.toFixed(0)} ms) p99 ${burstP99.toFixed(1)} ms ` +
          `(${busy.latencies.length} reads); ratio ${(burstP99 / idleP99).toFixed(2)}`,
      );
    }
    agent.destroy();
    const statuses = [...statusCounts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${count}× ${status}`)
      .join(', ');
    log(`login answers: ${statuses}; 5xx: ${server5xx}; reads not 200: ${badReads}`);
    if (server5xx > 0 || badReads > 0) {
      throw new Error(`the burst caused ${server5xx} login 5xx and ${badReads} failed reads`);
    }
    results.push(
      result(
        'login_burst_read_p99_ratio',
        round(median(ratios)),
        '<=5',
        `/auth/me p99 ${round(median(burstP99s), 1)} ms during 80 logins from 8 addresses vs ` +
          `${round(median(idleP99s), 1)} ms idle; logins: ${statuses}`,
      ),
    );
  } finally {
    await service.stop();
  }
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
