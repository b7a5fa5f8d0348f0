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
 * - refill between reports is ignored: waiting for it could only under-spend;
 * - once the estimate is used up we wait until `Ratelimit-Reset`, then send ONE probe request and
 *   let its answer say what the bucket holds. Probing instead of assuming "full" keeps us safe if
 *   Twitch rounds the reset second down, and costs one round trip per window.
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
  } else if (now >= state.resetAt && state.probe === undefined) {
    probe = true;
  } else {
    const retryInMs = state.resetAt > now ? state.resetAt - now : settings.pollMs;
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
  if (report.rejected || report.resetAt >= state.resetAt) estimate = Math.min(estimate, remaining);
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
    _now: number,
    ticketId: string,
    report: RateLimitReport | undefined,
  ): Promise<void> {
    settleInState(this.state(clientId), ticketId, report);
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
  constructor(
    private readonly store: RateBudgetStore,
    readonly settings: RateBudgetSettings,
    private readonly timing: Timing = realTiming,
  ) {}

  /**
   * Reserves one point of `clientId`'s bucket, waiting as long as needed but not past `deadline`
   * (epoch ms): a wait that cannot end in time fails at once with TwitchRateLimitedError.
   */
  async acquire(clientId: string, deadline: number): Promise<BudgetTicket> {
    const started = this.timing.now();
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
