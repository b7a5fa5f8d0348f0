/**
 * Notifications (TARGETS: 1,000 due to a loopback webhook receiver: each delivered once by
 * idempotency key; no send before a 429's Retry-After; ≥ 200/s while the receiver allows).
 *
 * One built worker process (Redis: the Bull wake-up and the pacing in Redis, as deployed) and a
 * loopback receiver that answers its first request 429 with Retry-After: 1, then 200. 1,000 due
 * rows for one user's webhook are committed at once; the figures come from the receiver's own
 * log: the keys it accepted, when each request arrived, and the rate from the first request
 * after the wait to the last. Runs with CLIPADOR_APP_ENV=test: production refuses
 * CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS, which a loopback receiver needs.
 *
 * Run: npm run bench:notifications   (CLIPADOR_BENCH_RUNS)
 */
import { SecretBox } from '../src/common/crypto/secret-box';
import { WebhookReceiver } from '../test/notification-simulators/webhook-receiver';
import { benchDatabaseName, createMigratedDatabase, withClient } from './support/database';
import { ensureBuilt, sleep, startService } from './support/service';
import { BENCH_ENCRYPTION_KEY, uniqueRedisPrefix } from './support/settings';
import { BenchResult, log, median, printResult, result, round, runIfMain } from './support/stats';

const COUNT = 1_000;
const RUNS = Number(process.env.CLIPADOR_BENCH_RUNS ?? 3);
const RETRY_AFTER_SECONDS = 1;
/** Requests already under way when the 429 came back are not the sender's choice. */
const IN_FLIGHT_GRACE_MS = 100;

interface RunFigures {
  perSecond: number;
  duplicates: number;
  missing: number;
  early: number;
  totalMs: number;
}

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  const url = await createMigratedDatabase(benchDatabaseName('notifications'));
  const receiver = await WebhookReceiver.start();
  const box = new SecretBox(Buffer.from(BENCH_ENCRYPTION_KEY, 'hex'));
  const userId = await withClient(url, async (client) => {
    const [user] = (
      await client.query<{ id: number }>(
        `INSERT INTO users (username, hashed_password) VALUES ('bench-notify', 'x') RETURNING id`,
      )
    ).rows;
    await client.query(
      `INSERT INTO notification_channels (user_id, webhook_url, webhook_hint, webhook_secret)
       VALUES ($1, $2, 'hint', $3)`,
      [user.id, box.encrypt(receiver.url('/bench')), box.encrypt('whsec_bench')],
    );
    return user.id;
  });
  const worker = await startService({
    name: 'notifications-worker',
    databaseUrl: url,
    roles: 'worker',
    redisPrefix: uniqueRedisPrefix('notifications'),
    env: {
      CLIPADOR_APP_ENV: 'test',
      CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS: 'true',
      CLIPADOR_NOTIFY_POLL_MS: '50',
    },
  });
  const runs: RunFigures[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      receiver.received.length = 0;
      receiver.setMode({ kind: 'rate_limit', retryAfterSeconds: RETRY_AFTER_SECONDS, times: 1 });
      const keys = Array.from({ length: COUNT }, (_, i) => `bench:${run}:${i}`);
      const started = Date.now();
      await withClient(url, (client) =>
        client.query(
          `INSERT INTO notifications (user_id, kind, channel, idempotency_key)
           SELECT $1, 'test', 'webhook', unnest($2::text[])`,
          [userId, keys],
        ),
      );
      const deadline = Date.now() + 120_000;
      while (new Set(receiver.deliveredKeys()).size < COUNT && Date.now() < deadline) {
        await sleep(20);
      }
      const totalMs = Date.now() - started;
      const figures = measure(receiver, keys, totalMs);
      log(
        `run ${run}: ${COUNT - figures.missing}/${COUNT} delivered in ${totalMs} ms ` +
          `(${figures.perSecond}/s after the ${RETRY_AFTER_SECONDS} s wait), ` +
          `${figures.duplicates} duplicate key(s), ${figures.early} send(s) before Retry-After`,
      );
      runs.push(figures);
    }
  } finally {
    await worker.stop();
    await receiver.close();
  }
  const worst = (pick: (run: RunFigures) => number) => Math.max(...runs.map(pick));
  const results = [
    result(
      'notifications_per_second',
      round(median(runs.map((run) => run.perSecond)), 0),
      '>=200',
      `${COUNT} due to one loopback webhook, one worker; median of ${RUNS} runs, from the first send after the 429's ${RETRY_AFTER_SECONDS} s Retry-After to the last`,
    ),
    result(
      'notifications_duplicate_or_missing_keys',
      worst((run) => run.duplicates + run.missing),
      '<=0',
      'by the receiver’s log of accepted Idempotency-Keys, worst run',
    ),
    result(
      'notifications_sent_before_retry_after',
      worst((run) => run.early),
      '<=0',
      `requests arriving after the 429 (+${IN_FLIGHT_GRACE_MS} ms for those already in flight) and before its Retry-After, worst run`,
    ),
  ];
  results.forEach(printResult);
  return results;
}

function measure(receiver: WebhookReceiver, keys: string[], totalMs: number): RunFigures {
  const accepted = receiver.deliveredKeys();
  const counts = new Map<string, number>();
  for (const key of accepted) counts.set(key, (counts.get(key) ?? 0) + 1);
  const duplicates = [...counts.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const missing = keys.filter((key) => !counts.has(key)).length;
  const limited = receiver.received.find((request) => request.status === 429);
  const waitEnds = limited ? limited.at + RETRY_AFTER_SECONDS * 1000 : 0;
  const early = limited
    ? receiver.received.filter(
        (request) => request.at > limited.at + IN_FLIGHT_GRACE_MS && request.at < waitEnds,
      ).length
    : 0;
  const after = receiver.received.filter(
    (request) => request.at >= waitEnds && request.status === 200,
  );
  const spanMs = after.length > 1 ? after[after.length - 1].at - after[0].at : 0;
  return {
    perSecond: spanMs > 0 ? round(((after.length - 1) * 1000) / spanMs, 0) : 0,
    duplicates,
    missing,
    early,
    totalMs,
  };
}

runIfMain(module, main);
