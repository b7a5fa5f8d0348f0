import fc from 'fast-check';
import {
  BudgetSettings,
  BudgetState,
  emptyBudgetState,
  MemoryRateBudgetStore,
  RateBudget,
  RateBudgetStore,
  reserveInState,
  settleInState,
  Timing,
} from './rate-budget';
import { RateLimitReport } from './rate-limit-headers';
import { TwitchRateLimitedError } from './twitch.errors';

const SETTINGS: BudgetSettings = { margin: 0, holdMs: 30_000, pollMs: 20 };
const T0 = 1_700_000_000_000;

/** Twitch's bucket as the client sees it: continuous refill, Remaining floored, Reset ceiled. */
class ServerBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    now: number,
    initialTokens = limit,
  ) {
    this.tokens = initialTokens;
    this.updatedAt = now;
  }

  /** Processes one request: spends a point or rejects; returns the headers of the answer. */
  process(now: number): RateLimitReport {
    this.tokens = Math.min(
      this.limit,
      this.tokens + ((now - this.updatedAt) * this.limit) / this.windowMs,
    );
    this.updatedAt = now;
    const rejected = this.tokens < 1;
    if (!rejected) this.tokens -= 1;
    const fullAt = now + ((this.limit - this.tokens) * this.windowMs) / this.limit;
    return {
      limit: this.limit,
      remaining: Math.floor(this.tokens),
      resetAt: Math.ceil(fullAt / 1000) * 1000,
      rejected,
    };
  }
}

function reserve(state: BudgetState, now: number, nonce: string, settings = SETTINGS) {
  return reserveInState(state, now, nonce, settings);
}

function grantedId(outcome: ReturnType<typeof reserve>): string {
  if (!outcome.granted) throw new Error('expected a grant');
  return outcome.ticketId;
}

describe('rate budget state', () => {
  it('sends a single probe for a client id it knows nothing about', () => {
    const state = emptyBudgetState();
    const first = reserve(state, T0, 'a');
    const second = reserve(state, T0, 'b');

    expect(first).toMatchObject({ granted: true, probe: true });
    expect(second).toEqual({ granted: false, retryInMs: SETTINGS.pollMs, resetAt: 0 });
  });

  it('spends exactly what the probe reported, minus the margin, then waits for the reset', () => {
    const state = emptyBudgetState();
    const probe = grantedId(reserve(state, T0, 'probe', { ...SETTINGS, margin: 2 }));
    settleInState(state, T0, probe, {
      limit: 20,
      remaining: 19,
      resetAt: T0 + 2000,
      rejected: false,
    });

    let granted = 0;
    for (let index = 0; index < 50; index++) {
      if (reserve(state, T0 + 10, `r${index}`, { ...SETTINGS, margin: 2 }).granted) granted += 1;
    }
    expect(granted).toBe(17);
    expect(reserve(state, T0 + 10, 'late', { ...SETTINGS, margin: 2 })).toEqual({
      granted: false,
      retryInMs: 1990,
      resetAt: T0 + 2000,
    });
  });

  it('probes as soon as the refill since the newest report should hold margin + 1 points', () => {
    const state = emptyBudgetState();
    const settings = { ...SETTINGS, margin: 1 };
    // 10 points, empty at T0, full by T0 + 1000: a point per 100 ms. Margin 1 needs 2 points.
    settleInState(state, T0, grantedId(reserve(state, T0, 'p1', settings)), {
      limit: 10,
      remaining: 0,
      resetAt: T0 + 1000,
      rejected: false,
    });
    expect(reserve(state, T0 + 199, 'early', settings)).toEqual({
      granted: false,
      retryInMs: 1,
      resetAt: T0 + 1000,
    });

    expect(reserve(state, T0 + 200, 'p2', settings)).toMatchObject({ granted: true, probe: true });
    // One probe at a time; the others poll for its answer.
    expect(reserve(state, T0 + 200, 'p3', settings)).toEqual({
      granted: false,
      retryInMs: SETTINGS.pollMs,
      resetAt: T0 + 1000,
    });
  });

  it('starts the refill line at the answer of the newest report, and counts what was spent', () => {
    const state = emptyBudgetState();
    // The probe's answer arrives at T0 + 100 reporting 4 of 10, full at T0 + 1300: 6 points in
    // 1200 ms, a point per 200 ms from T0 + 100.
    const probe = grantedId(reserve(state, T0, 'probe'));
    settleInState(state, T0 + 100, probe, {
      limit: 10,
      remaining: 4,
      resetAt: T0 + 1300,
      rejected: false,
    });
    for (let index = 0; index < 4; index++) {
      expect(reserve(state, T0 + 100, `r${index}`).granted).toBe(true);
    }
    // Estimate 0, margin 0: one point of refill is enough.
    expect(reserve(state, T0 + 100, 'wait')).toMatchObject({ granted: false, retryInMs: 200 });
    expect(reserve(state, T0 + 300, 'p2')).toMatchObject({ granted: true, probe: true });
  });

  it('waits for Ratelimit-Reset when the newest report shows no refill rate', () => {
    const full = emptyBudgetState();
    // remaining == limit: nothing missing, so nothing to draw a refill line from.
    settleInState(full, T0, grantedId(reserve(full, T0, 'p1')), {
      limit: 3,
      remaining: 3,
      resetAt: T0 + 1000,
      rejected: false,
    });
    for (const nonce of ['a', 'b', 'c']) expect(reserve(full, T0, nonce).granted).toBe(true);
    expect(reserve(full, T0 + 999, 'early')).toMatchObject({ granted: false, retryInMs: 1 });
    expect(reserve(full, T0 + 1000, 'p2')).toMatchObject({ granted: true, probe: true });

    const stale = emptyBudgetState();
    // The answer arrived after its own Reset (a slow answer, or clocks apart): no span to divide.
    settleInState(stale, T0 + 1500, grantedId(reserve(stale, T0, 'p1')), {
      limit: 5,
      remaining: 0,
      resetAt: T0 + 1000,
      rejected: false,
    });
    expect(reserve(stale, T0 + 1500, 'p2')).toMatchObject({ granted: true, probe: true });
    expect(reserve(stale, T0 + 1500, 'p3')).toMatchObject({
      granted: false,
      retryInMs: SETTINGS.pollMs,
    });
  });

  it('spends a drained bucket at its refill rate, without a 429 and without waiting for full', () => {
    // The bench's credential: 100 points per 10 s, every request answered 30 ms after it is sent.
    const settings = { ...SETTINGS, margin: 1 };
    const server = new ServerBucket(100, 10_000, T0);
    const state = emptyBudgetState();
    const answers: { at: number; id: string; report: RateLimitReport }[] = [];
    let rejected = 0;
    let sent = 0;
    let probesBeforeReset = 0;
    for (let now = T0; now < T0 + 60_000; now += 10) {
      for (const answer of answers.filter((pending) => pending.at <= now)) {
        settleInState(state, now, answer.id, answer.report);
        answers.splice(answers.indexOf(answer), 1);
      }
      for (;;) {
        const resetBefore = state.resetAt;
        const outcome = reserveInState(state, now, `n${sent}`, settings);
        if (!outcome.granted) break;
        if (outcome.probe && now < resetBefore) probesBeforeReset += 1;
        sent += 1;
        const report = server.process(now);
        if (report.rejected) rejected += 1;
        answers.push({ at: now + 30, id: outcome.ticketId, report });
      }
    }

    expect(rejected).toBe(0);
    // 100 points at start and 10 a second for 60 s, less the margin: close to 700 is possible.
    expect(sent).toBeGreaterThan(650);
    expect(probesBeforeReset).toBeGreaterThan(50);
  });

  it('does not let a late, older answer raise the estimate above what is safe', () => {
    const state = emptyBudgetState();
    settleInState(state, T0, grantedId(reserve(state, T0, 'probe')), {
      limit: 10,
      remaining: 9,
      resetAt: T0 + 2000,
      rejected: false,
    });
    const a = grantedId(reserve(state, T0, 'a'));
    const b = grantedId(reserve(state, T0, 'b'));
    // Twitch counted b first (remaining 8) and then a (remaining 7); b's answer arrives first.
    settleInState(state, T0, b, { limit: 10, remaining: 8, resetAt: T0 + 2000, rejected: false });
    settleInState(state, T0, a, { limit: 10, remaining: 7, resetAt: T0 + 2000, rejected: false });
    // Then the reverse order for c and d: d counted first (6), c second (5), c answers first.
    const c = grantedId(reserve(state, T0, 'c'));
    const d = grantedId(reserve(state, T0, 'd'));
    settleInState(state, T0, c, { limit: 10, remaining: 5, resetAt: T0 + 2000, rejected: false });
    settleInState(state, T0, d, { limit: 10, remaining: 6, resetAt: T0 + 2000, rejected: false });

    expect(state.estimate).toBeLessThanOrEqual(5);
    expect(state.inFlight.size).toBe(0);
  });

  it('stops spending at once after a 429, until its Ratelimit-Reset', () => {
    const state = emptyBudgetState();
    settleInState(state, T0, grantedId(reserve(state, T0, 'probe')), {
      limit: 800,
      remaining: 700,
      resetAt: T0 + 60_000,
      rejected: false,
    });
    const ticket = grantedId(reserve(state, T0, 'x'));
    // Someone else spent the bucket: Twitch refuses although we thought 699 points were left.
    settleInState(state, T0, ticket, {
      limit: 800,
      remaining: 0,
      resetAt: T0 + 30_000,
      rejected: true,
    });

    expect(reserve(state, T0 + 1, 'y')).toMatchObject({ granted: false, resetAt: T0 + 60_000 });
  });

  it('forgets reservations whose holder never settled them once they expire', () => {
    const state = emptyBudgetState();
    const probe = grantedId(reserve(state, T0, 'probe', { ...SETTINGS, holdMs: 5000 }));

    expect(reserve(state, T0 + 4999, 'waiting', { ...SETTINGS, holdMs: 5000 }).granted).toBe(false);
    expect(reserve(state, T0 + 5000, 'next', { ...SETTINGS, holdMs: 5000 })).toMatchObject({
      granted: true,
      probe: true,
    });
    expect(state.inFlight.has(probe)).toBe(false);
  });

  it('never sends into an empty bucket, whatever order requests and answers travel in', () => {
    fc.assert(
      fc.property(
        fc.record({
          limit: fc.integer({ min: 1, max: 25 }),
          windowMs: fc.integer({ min: 1000, max: 60_000 }),
          initialShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
          margin: fc.integer({ min: 0, max: 2 }),
          steps: fc.array(
            // Time moves in small steps next to the window: refill must not hide over-spending.
            fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(), fc.integer({ min: 1, max: 300 })),
            { minLength: 50, maxLength: 400, size: 'max' },
          ),
        }),
        ({ limit, windowMs, initialShare, margin, steps }) => {
          const settings = { ...SETTINGS, margin };
          let now = T0;
          // Another process may have spent part of the bucket before this one started.
          const initial = Math.max(1, Math.floor(limit * initialShare));
          const server = new ServerBucket(limit, windowMs, now, initial);
          const state = emptyBudgetState();
          let toServer: string[] = [];
          let toClient: { id: string; report: RateLimitReport }[] = [];
          let rejected = 0;
          let sent = 0;
          let nonce = 0;

          const deliverToServer = (index: number) => {
            const [id] = toServer.splice(index, 1);
            const report = server.process(now);
            if (report.rejected) rejected += 1;
            toClient.push({ id, report });
          };
          const deliverToClient = (index: number) => {
            const [{ id, report }] = toClient.splice(index, 1);
            settleInState(state, now, id, report);
          };

          for (const [op, pick, ms] of steps) {
            if (op === 0) {
              const outcome = reserveInState(state, now, String(nonce++), settings);
              if (outcome.granted) {
                toServer.push(outcome.ticketId);
                sent += 1;
              }
            } else if (op === 1 && toServer.length > 0) {
              deliverToServer(pick % toServer.length);
            } else if (op === 2 && toClient.length > 0) {
              deliverToClient(pick % toClient.length);
            } else if (op === 3) {
              now += ms;
            }
          }
          while (toServer.length > 0) deliverToServer(0);
          while (toClient.length > 0) deliverToClient(toClient.length - 1);
          toServer = [];
          toClient = [];

          expect(rejected).toBe(0);
          // Liveness: once everything is answered and a window has passed, spending resumes.
          now += windowMs + 1000;
          expect(reserveInState(state, now, 'after', settings).granted).toBe(true);
          return sent >= 0;
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('RateBudget', () => {
  function fakeTiming(start = T0): Timing & { slept: number[] } {
    let now = start;
    const slept: number[] = [];
    return {
      slept,
      now: () => now,
      sleep: (ms) => {
        slept.push(ms);
        now += ms;
        return Promise.resolve();
      },
      random: () => 0.5,
    };
  }

  it('waits until Ratelimit-Reset plus jitter when the bucket is spent', async () => {
    const timing = fakeTiming();
    const budget = new RateBudget(
      new MemoryRateBudgetStore(),
      { ...SETTINGS, margin: 0, jitterMs: 100 },
      timing,
    );
    const probe = await budget.acquire('client', T0 + 60_000);
    await budget.settle(probe, { limit: 1, remaining: 0, resetAt: T0 + 3000, rejected: false });

    const next = await budget.acquire('client', T0 + 60_000);

    expect(timing.slept).toEqual([3000 + 50]);
    expect(next).toMatchObject({ probe: true, waitedMs: 3050 });
  });

  it('fails fast with TwitchRateLimitedError when the reset is beyond the deadline', async () => {
    const timing = fakeTiming();
    const budget = new RateBudget(
      new MemoryRateBudgetStore(),
      { ...SETTINGS, jitterMs: 0 },
      timing,
    );
    const probe = await budget.acquire('client', T0 + 1000);
    await budget.settle(probe, { limit: 800, remaining: 0, resetAt: T0 + 60_000, rejected: true });

    await expect(budget.acquire('client', T0 + 5000)).rejects.toBeInstanceOf(
      TwitchRateLimitedError,
    );
    expect(timing.slept).toEqual([]);
  });

  it('keeps one budget per client id', async () => {
    const timing = fakeTiming();
    const budget = new RateBudget(
      new MemoryRateBudgetStore(),
      { ...SETTINGS, jitterMs: 0 },
      timing,
    );
    await budget.acquire('first', T0 + 1000);

    // "first" has a probe outstanding; "second" is unknown and probes on its own.
    await expect(budget.acquire('second', T0 + 1000)).resolves.toMatchObject({ probe: true });
  });

  it("grants a process's waiters in arrival order, whoever would have polled first", async () => {
    // A refill that a poll finds only every third call: waiters all polling at once would hand
    // the first point to the third of them.
    let calls = 0;
    const store: RateBudgetStore = {
      reserve: (_clientId, _now, nonce) =>
        Promise.resolve(
          ++calls % 3 === 0
            ? { granted: true, ticketId: `0:${nonce}`, probe: false }
            : { granted: false, retryInMs: 10, resetAt: 0 },
        ),
      settle: () => Promise.resolve(),
    };
    const budget = new RateBudget(store, { ...SETTINGS, jitterMs: 0 }, fakeTiming());
    const granted: string[] = [];
    await Promise.all(
      ['first', 'second', 'third'].map(async (name) => {
        await budget.acquire('client', T0 + 60_000);
        granted.push(name);
      }),
    );

    expect(granted).toEqual(['first', 'second', 'third']);
  });
});
