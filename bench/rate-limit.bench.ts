/**
 * Rate-limit use (TARGETS: one credential, the simulator's limit scaled down to 100 points per
 * 10 s: ≥ 90% of the budget used and zero 429s; the same with two worker processes sharing the
 * credential, whose combined calls stay within the budget).
 *
 * A sync cycle of 400 streamers (one Get Clips call each: 4× what one window allows, so work is
 * always waiting for budget) runs first with one worker process, then with two, against the
 * built service (api + worker processes, Bull and the shared budget in Redis).
 *
 * "Budget used" is read from the simulator's own request log by replaying its token bucket over
 * the accepted calls: every point the bucket refilled was either spent by a call or lost because
 * the bucket was already full (the client waited longer than needed). Used = spent / (spent +
 * lost), from the first call to the last, so neither the bucket's initial fill nor the points
 * left when the work ran out count either way.
 *
 * Run: npm run bench:ratelimit
 */
import { RequestRecord, TwitchSimulator } from '../test/twitch-simulator/twitch-simulator';
import { benchDatabaseName, dropDatabase } from './support/database';
import {
  BENCH_TWITCH_APP,
  prepareSyncDatabase,
  startDeployment,
  syncAndWait,
  waitForWorkers,
} from './support/ingestion';
import { ensureBuilt } from './support/service';
import { BenchResult, log, printResult, result, round, runIfMain } from './support/stats';

const STREAMERS = 400;
const POINTS = 100;
const WINDOW_MS = 10_000;

interface BudgetUse {
  accepted: number;
  rejected: number;
  requests: number;
  /** Share of the refilled points that calls spent. */
  used: number;
  /** Calls the bucket allowed from the first call to the last (full bucket + refill). */
  allowed: number;
  spanMs: number;
}

/** Replays the simulator's bucket (full at the first call, refilling continuously). */
export function budgetUse(records: readonly RequestRecord[], rejected: number): BudgetUse {
  const accepted = records.filter((record) => record.status === 200).map((record) => record.at);
  accepted.sort((a, b) => a - b);
  const ratePerMs = POINTS / WINDOW_MS;
  let tokens = POINTS;
  let lost = 0;
  let previous = accepted[0];
  for (const at of accepted) {
    tokens += (at - previous) * ratePerMs;
    if (tokens > POINTS) {
      lost += tokens - POINTS;
      tokens = POINTS;
    }
    tokens -= 1;
    previous = at;
  }
  const spanMs = accepted[accepted.length - 1] - accepted[0];
  return {
    accepted: accepted.length,
    rejected,
    requests: records.length,
    used: accepted.length / (accepted.length + lost),
    allowed: POINTS + spanMs * ratePerMs,
    spanMs,
  };
}

async function scenario(workers: number): Promise<BudgetUse> {
  const name = benchDatabaseName(`ratelimit${workers}`);
  const { url } = await prepareSyncDatabase(name, STREAMERS);
  const sim = await TwitchSimulator.start({
    rateLimit: { points: POINTS, windowMs: WINDOW_MS },
    latencyMs: 0,
  });
  sim.addApp(BENCH_TWITCH_APP.clientId, BENCH_TWITCH_APP.clientSecret);
  const deployment = await startDeployment(`ratelimit-${workers}w`, url, sim, workers);
  try {
    await waitForWorkers(deployment.api.url!, workers);
    const { wallMs } = await syncAndWait(deployment, 240_000);
    const use = budgetUse(sim.requests('clips'), sim.stats().totals.rateLimited);
    log(
      `${workers} worker(s): ${use.accepted} calls in ${(use.spanMs / 1000).toFixed(1)} s ` +
        `(cycle ${(wallMs / 1000).toFixed(1)} s), ${(use.used * 100).toFixed(1)}% of the budget ` +
        `used, ${use.rejected} answered 429, ${use.requests} requests sent vs ` +
        `${use.allowed.toFixed(0)} allowed`,
    );
    return use;
  } finally {
    await deployment.stop();
    await sim.close();
    await dropDatabase(name);
  }
}

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  log(`rate limit: ${POINTS} points per ${WINDOW_MS / 1000} s, ${STREAMERS} calls to make`);
  const one = await scenario(1);
  const two = await scenario(2);
  const describe = (use: BudgetUse) =>
    `${(use.used * 100).toFixed(1)}% used, ${use.rejected}×429, ${use.requests} sent / ${use.allowed.toFixed(0)} allowed`;
  const results = [
    result('ratelimit_one_worker_used', round(one.used, 3), '>=0.9', describe(one)),
    result('ratelimit_one_worker_429s', one.rejected, '<=0', describe(one)),
    result('ratelimit_two_workers_used', round(two.used, 3), '>=0.9', describe(two)),
    result('ratelimit_two_workers_429s', two.rejected, '<=0', describe(two)),
    // Combined calls within the budget: sent (accepted or not) over what the bucket allowed.
    result(
      'ratelimit_two_workers_calls_vs_budget',
      round(two.requests / two.allowed, 3),
      '<=1',
      describe(two),
    ),
  ];
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
