import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import {
  BudgetSettings,
  emptyBudgetState,
  RateBudgetStore,
  reserveInState,
  ReserveOutcome,
  settleInState,
} from '../../src/twitch/rate-budget';
import { RateLimitReport } from '../../src/twitch/rate-limit-headers';
import { RESERVE, RedisRateBudgetStore } from '../../src/twitch/redis-rate-budget.store';
import { seededRandom } from '../twitch-simulator/scenario';
import { TokenBucket } from '../twitch-simulator/token-bucket';
import { PrivateRedis } from './support/servers';

/**
 * The rate budget exists twice: `reserveInState` / `settleInState` in TypeScript (one process)
 * and the same rules in Lua (every process, through Redis). Here both are driven by one seeded
 * schedule of reserves, settles with and without reports, 429s, answers arriving out of order,
 * tickets left to expire and clock jumps, and must decide the same thing at every step. A private
 * Redis server, because the reload case runs SCRIPT FLUSH, which is server-wide.
 */

const SETTINGS: BudgetSettings = { margin: 1, holdMs: 5_000, pollMs: 25 };
const T0 = 1_700_000_000_000;

interface Decision {
  step: number;
  granted: boolean;
  /** The ticket id's completions count (the nonce part is the schedule's own). */
  ticket?: string;
  probe?: boolean;
  retryInMs?: number;
  resetAt?: number;
}

function decision(step: number, outcome: ReserveOutcome): Decision {
  return outcome.granted
    ? { step, granted: true, ticket: outcome.ticketId, probe: outcome.probe }
    : { step, granted: false, retryInMs: outcome.retryInMs, resetAt: outcome.resetAt };
}

type Action =
  | { kind: 'reserve'; now: number; nonce: string }
  | { kind: 'settle'; now: number; pick: number; report: RateLimitReport | undefined }
  | { kind: 'forget'; pick: number };

/**
 * A schedule a busy client id could see: a bucket of `limit` points, bursts of reserves, answers
 * settled in random order with Twitch-like reports (remaining drifting down, a 429 now and then,
 * a report older than the newest one, a full bucket, an answer arriving after its own reset), some
 * answers never settled (their tickets expire after holdMs) and time moving by a few ms to past
 * a reset.
 */
function schedule(seed: number, steps: number): Action[] {
  const random = seededRandom(seed);
  const int = (below: number) => Math.floor(random() * below);
  const limit = 10 + int(40);
  let now = T0;
  let remaining = limit;
  let resetAt = T0 + 1_000 * (1 + int(5));
  const actions: Action[] = [];
  for (let step = 0; step < steps; step++) {
    const roll = random();
    if (roll < 0.45) {
      actions.push({ kind: 'reserve', now, nonce: `n${step}` });
    } else if (roll < 0.85) {
      let report: RateLimitReport | undefined;
      const shape = random();
      if (shape < 0.1) report = undefined;
      else if (shape < 0.2) report = { limit, remaining: 0, resetAt, rejected: true };
      // No refill rate to draw from these two: a full bucket, a reset not after the answer.
      else if (shape < 0.25) report = { limit, remaining: limit, resetAt, rejected: false };
      else if (shape < 0.3) report = { limit, remaining, resetAt: now - int(500), rejected: false };
      else {
        remaining = Math.max(0, remaining - int(3));
        // Now and then an answer that left Twitch before the last reset moved on.
        const reportReset = shape < 0.4 ? resetAt - 1_000 : resetAt;
        report = { limit, remaining, resetAt: reportReset, rejected: false };
      }
      actions.push({ kind: 'settle', now, pick: int(1_000), report });
    } else if (roll < 0.9) {
      actions.push({ kind: 'forget', pick: int(1_000) });
    }
    const jump = random();
    if (jump < 0.05) now += SETTINGS.holdMs + int(2_000);
    else if (jump < 0.15) now = Math.max(now, resetAt) + int(50);
    else now += int(40);
    if (now >= resetAt) {
      remaining = limit;
      resetAt = now + 1_000 * (1 + int(5));
    }
  }
  return actions;
}

/**
 * A client id spending a drained bucket as Twitch refills it (the simulator's TokenBucket answers
 * every settle, so reports carry a real refill rate): reserves as fast as granted, answers a few
 * ms to a few hundred ms later in random order, a few never. This is where probes go on the
 * refill line before Ratelimit-Reset.
 */
function refillSchedule(seed: number, steps: number): Action[] {
  const random = seededRandom(seed);
  const int = (below: number) => Math.floor(random() * below);
  const limit = 10 + int(40);
  let now = T0;
  const bucket = new TokenBucket(limit, 1_000 * (1 + int(5)), now);
  const actions: Action[] = [];
  for (let step = 0; step < steps; step++) {
    const roll = random();
    if (roll < 0.5) {
      actions.push({ kind: 'reserve', now, nonce: `n${step}` });
    } else if (roll < 0.95) {
      const rejected = !bucket.take(now);
      const { remaining, reset } = bucket.headers(now);
      const report = {
        limit,
        remaining: rejected ? 0 : remaining,
        resetAt: reset * 1000,
        rejected,
      };
      actions.push({ kind: 'settle', now, pick: int(1_000), report });
    } else {
      actions.push({ kind: 'forget', pick: int(1_000) });
    }
    now += int(random() < 0.1 ? 400 : 40);
  }
  return actions;
}

/**
 * The TypeScript rules for one client id, as MemoryRateBudgetStore runs them, counting the probes
 * sent before Ratelimit-Reset (on the refill line of the newest report) so the test can show the
 * schedules reach that path.
 */
class ObservedStore implements RateBudgetStore {
  private readonly state = emptyBudgetState();
  probesBeforeReset = 0;

  reserve(_clientId: string, now: number, nonce: string, settings: BudgetSettings) {
    const resetAt = this.state.resetAt;
    const outcome = reserveInState(this.state, now, nonce, settings);
    if (outcome.granted && outcome.probe && now < resetAt) this.probesBeforeReset += 1;
    return Promise.resolve(outcome);
  }

  settle(_clientId: string, now: number, ticketId: string, report: RateLimitReport | undefined) {
    settleInState(this.state, now, ticketId, report);
    return Promise.resolve();
  }
}

/** Runs `actions` against `store`, its own tickets in hand, recording every reserve's answer. */
async function run(store: RateBudgetStore, clientId: string, actions: Action[]) {
  const held: string[] = [];
  const decisions: Decision[] = [];
  for (const [step, action] of actions.entries()) {
    if (action.kind === 'reserve') {
      const outcome = await store.reserve(clientId, action.now, action.nonce, SETTINGS);
      if (outcome.granted) held.push(outcome.ticketId);
      decisions.push(decision(step, outcome));
    } else if (held.length > 0) {
      const [ticket] = held.splice(action.pick % held.length, 1);
      if (action.kind === 'settle') {
        await store.settle(clientId, action.now, ticket, action.report, SETTINGS);
      }
    }
  }
  return decisions;
}

describe('rate budget: the Lua store and the TypeScript store', () => {
  let server: PrivateRedis;
  let redis: Redis;
  const prefix = `twins-${process.pid}:`;

  beforeAll(async () => {
    server = await PrivateRedis.start();
    redis = server.client();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });

  it('decide the same at every step of 60 seeded schedules', async () => {
    const lua = new RedisRateBudgetStore(redis, prefix);
    let grants = 0;
    let refusals = 0;
    let probes = 0;
    let probesBeforeReset = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const actions = seed <= 40 ? schedule(seed, 400) : refillSchedule(seed, 400);
      const clientId = `client-${seed}`;
      const observed = new ObservedStore();
      const inMemory = await run(observed, clientId, actions);
      probesBeforeReset += observed.probesBeforeReset;
      const inRedis = await run(lua, clientId, actions);
      // One assertion per schedule, so a failure names its seed and the first step that differs.
      const firstDifference = inMemory.findIndex(
        (expected, index) => JSON.stringify(expected) !== JSON.stringify(inRedis[index]),
      );
      expect({ seed, firstDifference, at: inRedis[firstDifference] }).toEqual({
        seed,
        firstDifference: -1,
        at: undefined,
      });
      expect(inRedis).toHaveLength(inMemory.length);
      for (const step of inMemory) {
        if (!step.granted) refusals += 1;
        else if (step.probe) probes += 1;
        else grants += 1;
      }
    }
    // The schedules reach every branch: plain grants, probes after a reset or on the refill line
    // before it, refusals.
    expect(grants).toBeGreaterThan(500);
    expect(probes).toBeGreaterThan(40);
    expect(probesBeforeReset).toBeGreaterThan(40);
    expect(probes - probesBeforeReset).toBeGreaterThan(20);
    expect(refusals).toBeGreaterThan(500);
  });

  it('reloads its script after SCRIPT FLUSH and still serves the request', async () => {
    const store = new RedisRateBudgetStore(redis, prefix);
    const first = await store.reserve('reload', T0, 'a', SETTINGS);
    expect(first).toMatchObject({ granted: true, probe: true });
    const sha = createHash('sha1').update(RESERVE.lua).digest('hex');
    expect(await redis.script('EXISTS', sha)).toEqual([1]);

    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', sha)).toEqual([0]);
    const noscriptBefore = await noscriptErrors(redis);

    // The probe is still out: the second request waits for it, as before the flush.
    const second = await store.reserve('reload', T0 + 1, 'b', SETTINGS);
    expect(second).toEqual({ granted: false, retryInMs: SETTINGS.pollMs, resetAt: 0 });
    // EVALSHA was refused with NOSCRIPT, and the script sent again with EVAL: Redis knows it now.
    expect(await noscriptErrors(redis)).toBe(noscriptBefore + 1);
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
    // From then on EVALSHA again: no further NOSCRIPT.
    await store.reserve('reload', T0 + 2, 'c', SETTINGS);
    expect(await noscriptErrors(redis)).toBe(noscriptBefore + 1);
  });
});

/** Redis 7 counts each error reply by its prefix (`INFO errorstats`). */
async function noscriptErrors(redis: Redis): Promise<number> {
  const info = await redis.info('errorstats');
  const match = /errorstat_NOSCRIPT:count=(\d+)/.exec(info);
  return match ? Number(match[1]) : 0;
}
