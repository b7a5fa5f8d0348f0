import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimitReport } from './rate-limit-headers';
import { TwitchRateLimitedError } from './twitch.errors';

/**
 * The rate budget of one Twitch client id, honoured before a request is sent so that no request
 * goes into an empty bucket.
 *
 * Twitch's bucket refills continuously, but only tells us three numbers per answer (limit,
 * remaining after this request, when it is full again). We keep `estimate`, a LOWER BOUND of the
 * points still available to requests not yet sent, and only send while it stays above a margin:
 *
 * - reserving a point lowers it by one (the request will cost one);
 * - an answer reporting `remaining` raises it to `remaining − in flight − completed since this
 *   request was reserved`, when that is higher. Every request Twitch counted after this one is
 *   either still in flight or completed since it was reserved, so that value is a lower bound
 *   whatever order answers arrive in, and the higher of two lower bounds is one too;
 * - it is never raised above the newest report's `remaining` (another consumer of the same
 *   client id spent points we did not see);
 * - refill between reports is never spent blindly, only probed for: once the estimate is used up
 *   we send ONE probe request and let its answer say what the bucket holds, as soon as the refill
 *   since the newest report should have brought the bucket to `margin + 1` points.
 *
 * That refill is a lower bound too. The newest report, whose answer arrived at `reportAt`, says
 * the bucket held at least `remaining` when Twitch counted it (no later than `reportAt`) and is
 * full by `resetAt` (Reset is rounded up to the second). The bucket refills in a straight line
 * until full, so in between it holds at least the chord from (reportAt, remaining) to
 * (resetAt, limit), less what was spent since, which `estimate` already subtracts: at time t at
 * least `estimate + (limit − remaining) × (t − reportAt) / (resetAt − reportAt)`. Starting the
 * chord at the answer's arrival rather than at Twitch's earlier count only lowers it. With no
 * chord to draw (remaining == limit, or a reset not after the answer) the probe waits for
 * `Ratelimit-Reset`, and after a 429 too: someone we do not see spends the bucket, so the chord
 * says nothing, and Twitch asks for the reset. Waiting for the reset (a full bucket) every time
 * made a client spend in one burst per window, which the budget-fitted cycles bench showed as
 * live streamers alternating 30 s and 40 s gaps.
 *
 * A state with no report yet (first use of a client id) starts at estimate 0, reset 0: the first
 * request is a probe, so N concurrent jobs learn the bucket from one request before they spend.
 *
 * The margin (CLIPADOR_TWITCH_RATE_MARGIN, default 1 point) covers what the bound cannot see: a
 * request we aborted at its timeout that Twitch still counts after we stopped tracking it.
 *
 * Reservations stay "in flight" until settled, or until `holdMs` has passed (a worker process
 * that died holding one must not shrink the budget for ever).
 */

export interface BudgetSettings {
  /** Points of every bucket never spent. */
  margin: number;
  /** How long an unsettled reservation counts as in flight. */
  holdMs: number;
  /** How soon to ask again while another request is probing the bucket. */
  pollMs: number;
}

export type ReserveOutcome =
  | { granted: true; ticketId: string; probe: boolean }
  | { granted: false; retryInMs: number; resetAt: number };

/** Where budgets live: one process (memory) or every process (Redis). Each call is atomic. */
export interface RateBudgetStore {
  reserve(
    clientId: string,
    now: number,
    nonce: string,
    settings: BudgetSettings,
  ): Promise<ReserveOutcome>;
  settle(
    clientId: string,
    now: number,
    ticketId: string,
    report: RateLimitReport | undefined,
    settings: BudgetSettings,
  ): Promise<void>;
}

/** The budget of one client id. The Redis Lua scripts keep the same fields with the same rules. */
export interface BudgetState {
  /** Lower bound of the points available to requests not yet sent; may go negative. */
  estimate: number;
  /** Last `Ratelimit-Limit` seen (informational). */
  limit: number;
  /** Newest `Ratelimit-Reset`, epoch ms; 0 before the first report. */
  resetAt: number;
  /** When the newest report arrived, epoch ms (0 before the first): where its refill line starts. */
  reportAt: number;
  /** The newest report's `Ratelimit-Remaining` (0 for a 429). */
  reportRemaining: number;
  /** Count of reservations ever completed (settled or expired); tickets remember its value. */
  completions: number;
  /** The ticket of the outstanding probe, if any. */
  probe: string | undefined;
  /** Ticket id → epoch ms at which it stops counting as in flight. */
  inFlight: Map<string, number>;
}

export function emptyBudgetState(): BudgetState {
  return {
    estimate: 0,
    limit: 0,
    resetAt: 0,
    reportAt: 0,
    reportRemaining: 0,
    completions: 0,
    probe: undefined,
    inFlight: new Map(),
  };
}

/** A ticket id is `<completions when reserved>:<nonce>`, so settling needs no extra lookup. */
export function completionsAtReserve(ticketId: string): number | undefined {
  const match = /^(\d+):/.exec(ticketId);
  return match ? Number(match[1]) : undefined;
}

function pruneExpired(state: BudgetState, now: number): void {
  for (const [ticketId, expiresAt] of state.inFlight) {
    if (expiresAt > now) continue;
    state.inFlight.delete(ticketId);
    state.completions += 1;
    if (state.probe === ticketId) state.probe = undefined;
  }
}

/**
 * When the probe may go: the first ms at which the newest report's refill line brings
 * `estimate` to `margin + 1`, or `resetAt` when that is later or no refill rate is known.
 * Integer ms from one division, so the Lua twin computes the same value.
 */
export function probeReadyAt(state: BudgetState, margin: number): number {
  const missing = state.limit - state.reportRemaining;
  const span = state.resetAt - state.reportAt;
  if (missing <= 0 || span <= 0) return state.resetAt;
  const need = margin + 1 - state.estimate;
  if (need >= missing) return state.resetAt;
  return Math.min(state.resetAt, state.reportAt + Math.ceil((need * span) / missing));
}

export function reserveInState(
  state: BudgetState,
  now: number,
  nonce: string,
  settings: BudgetSettings,
): ReserveOutcome {
  pruneExpired(state, now);
  let probe: boolean;
  if (state.estimate - settings.margin >= 1) {
    probe = false;
  } else if (state.probe === undefined && now >= probeReadyAt(state, settings.margin)) {
    probe = true;
  } else {
    const readyAt = state.probe === undefined ? probeReadyAt(state, settings.margin) : now;
    const retryInMs = readyAt > now ? readyAt - now : settings.pollMs;
    return { granted: false, retryInMs, resetAt: state.resetAt };
  }
  const ticketId = `${state.completions}:${nonce}`;
  state.estimate -= 1;
  state.inFlight.set(ticketId, now + settings.holdMs);
  if (probe) state.probe = ticketId;
  return { granted: true, ticketId, probe };
}

export function settleInState(
  state: BudgetState,
  now: number,
  ticketId: string,
  report: RateLimitReport | undefined,
): void {
  const removed = state.inFlight.delete(ticketId);
  const completedSince = state.completions - (completionsAtReserve(ticketId) ?? state.completions);
  // An expired ticket was already counted as completed when it was pruned.
  if (removed) state.completions += 1;
  if (state.probe === ticketId) state.probe = undefined;
  if (!report) return;

  // A 429 means the bucket was empty when Twitch looked, whatever the header says.
  const remaining = report.rejected ? 0 : report.remaining;
  const lowerBound = remaining - state.inFlight.size - completedSince;
  let estimate = Math.max(state.estimate, lowerBound);
  // Only the newest report may lower the estimate: an old one says nothing about now.
  if (report.rejected || report.resetAt >= state.resetAt) {
    estimate = Math.min(estimate, remaining);
    state.reportRemaining = remaining;
    // After a 429 someone we do not see is spending this bucket too: no refill line, the probe
    // waits for Ratelimit-Reset as Twitch asks (a reportAt at the reset leaves no span).
    state.reportAt = report.rejected ? Math.max(state.resetAt, report.resetAt) : now;
  }
  state.estimate = estimate;
  state.resetAt = Math.max(state.resetAt, report.resetAt);
  state.limit = report.limit;
}

/** One process's budgets. JavaScript runs each call to completion, so each is atomic. */
export class MemoryRateBudgetStore implements RateBudgetStore {
  private readonly states = new Map<string, BudgetState>();

  private state(clientId: string): BudgetState {
    let state = this.states.get(clientId);
    if (!state) {
      state = emptyBudgetState();
      this.states.set(clientId, state);
    }
    return state;
  }

  reserve(
    clientId: string,
    now: number,
    nonce: string,
    settings: BudgetSettings,
  ): Promise<ReserveOutcome> {
    return Promise.resolve(reserveInState(this.state(clientId), now, nonce, settings));
  }

  settle(
    clientId: string,
    now: number,
    ticketId: string,
    report: RateLimitReport | undefined,
  ): Promise<void> {
    settleInState(this.state(clientId), now, ticketId, report);
    return Promise.resolve();
  }
}

/** A reserved point; settle it exactly once with what the answer said. */
export interface BudgetTicket {
  clientId: string;
  id: string;
  probe: boolean;
  /** Time spent waiting for budget before this ticket was granted. */
  waitedMs: number;
}

export interface Timing {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const realTiming: Timing = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
  random: () => Math.random(),
};

export interface RateBudgetSettings extends BudgetSettings {
  /** Up to this much is added to a wait for `Ratelimit-Reset`, so waiters do not all wake at once. */
  jitterMs: number;
}

/** Waits for budget, using a store for the atomic part. */
export class RateBudget {
  /** Per client id, the end of the line of this process's waiters. */
  private readonly lines = new Map<string, Promise<void>>();

  constructor(
    private readonly store: RateBudgetStore,
    readonly settings: RateBudgetSettings,
    private readonly timing: Timing = realTiming,
  ) {}

  /**
   * Reserves one point of `clientId`'s bucket, waiting as long as needed but not past `deadline`
   * (epoch ms): a wait that cannot end in time fails with TwitchRateLimitedError when the waiter's
   * turn comes.
   *
   * A process's waiters for one client id take turns, in arrival order: when every waiter polled
   * the store at once, each refilled point went to whichever polled first, and an unlucky sync could
   * lose dozens of times in a row (a live streamer synced seconds later than its cycle's order).
   */
  async acquire(clientId: string, deadline: number): Promise<BudgetTicket> {
    const started = this.timing.now();
    const ahead = this.lines.get(clientId) ?? Promise.resolve();
    let leave!: () => void;
    const turn = new Promise<void>((resolve) => (leave = resolve));
    const line = ahead.then(() => turn);
    this.lines.set(clientId, line);
    try {
      await ahead;
      return await this.acquireInTurn(clientId, deadline, started);
    } finally {
      leave();
      if (this.lines.get(clientId) === line) this.lines.delete(clientId);
    }
  }

  private async acquireInTurn(
    clientId: string,
    deadline: number,
    started: number,
  ): Promise<BudgetTicket> {
    for (;;) {
      const now = this.timing.now();
      const nonce = randomBytes(6).toString('hex');
      const outcome = await this.store.reserve(clientId, now, nonce, this.settings);
      if (outcome.granted) {
        return {
          clientId,
          id: outcome.ticketId,
          probe: outcome.probe,
          waitedMs: now - started,
        };
      }
      const waitingForReset = outcome.resetAt > now;
      const wait =
        outcome.retryInMs +
        (waitingForReset ? Math.floor(this.timing.random() * this.settings.jitterMs) : 0);
      if (now + wait > deadline) {
        throw new TwitchRateLimitedError(
          clientId,
          waitingForReset ? new Date(outcome.resetAt) : undefined,
        );
      }
      await this.timing.sleep(wait);
    }
  }

  /** Records what the answer said (`undefined` when there was no answer or no headers). */
  settle(ticket: BudgetTicket, report: RateLimitReport | undefined): Promise<void> {
    return this.store.settle(ticket.clientId, this.timing.now(), ticket.id, report, this.settings);
  }
}
