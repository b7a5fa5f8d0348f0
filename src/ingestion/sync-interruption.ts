import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/configuration';

/** A sync stopped before its transaction because the process is stopping; nothing was written. */
export class SyncInterruptedError extends Error {
  constructor() {
    super('The sync was interrupted: this worker is stopping');
    this.name = 'SyncInterruptedError';
  }
}

/**
 * Time left to the stop once running jobs are interrupted: for them to settle (a sync already in
 * its transaction commits), for the queue to take them back, and for connections to close.
 */
const STOP_RESERVE_MS = 3_000;
/** Of that reserve, how long interrupted jobs (and the queue taking them back) may take. */
const SETTLE_AFTER_INTERRUPT_MS = 1_500;

/** How a drain ended: all work done in the grace, interrupted work settled, or given up on. */
export type DrainOutcome = 'finished' | 'interrupted' | 'abandoned';

/**
 * Lets a stopping worker interrupt the syncs it is running. A sync can spend minutes on Twitch
 * (timeouts, retries, rate-limit waits), longer than a stop may take; its transaction takes
 * milliseconds. So a sync checks for interruption around the Twitch fetch and before its
 * transaction, never inside it: an interrupted sync has written nothing, and its job runs again.
 */
@Injectable()
export class SyncInterruption {
  /** How long running jobs get to finish on their own when the process is asked to stop. */
  readonly graceMs: number;
  private readonly controller = new AbortController();
  private readonly interrupted: Promise<never>;

  constructor(config: ConfigService<AppConfig, true>) {
    this.graceMs = Math.max(
      0,
      config.get('app', { infer: true }).shutdownTimeoutMs - STOP_RESERVE_MS,
    );
    this.interrupted = new Promise<never>((_, reject) => {
      this.controller.signal.addEventListener('abort', () => reject(new SyncInterruptedError()));
    });
    // Nobody may be racing against it when it fires.
    this.interrupted.catch(() => undefined);
  }

  get isInterrupted(): boolean {
    return this.controller.signal.aborted;
  }

  /** From now on every running and future sync stops at its next check. */
  interrupt(): void {
    this.controller.abort();
  }

  /** Throws SyncInterruptedError once `interrupt()` was called. */
  check(): void {
    if (this.isInterrupted) throw new SyncInterruptedError();
  }

  /**
   * `work`, or SyncInterruptedError as soon as the worker is interrupted. The work itself is
   * abandoned, not cancelled: its outcome is ignored, and the process is about to exit.
   */
  async race<T>(work: Promise<T>): Promise<T> {
    this.check();
    work.catch(() => undefined);
    return Promise.race([work, this.interrupted]);
  }

  /**
   * Waits for `running` to settle, for at most the grace period; then interrupts whatever is still
   * running and waits a little more for it to give up. Never waits longer than that: whatever
   * still hangs then (a queue that cannot reach Redis) is abandoned to the process exit.
   */
  async drain(running: Promise<unknown>): Promise<DrainOutcome> {
    const settled = running.then(
      () => true,
      () => true,
    );
    if (await within(settled, this.graceMs)) return 'finished';
    this.interrupt();
    return (await within(settled, SETTLE_AFTER_INTERRUPT_MS)) ? 'interrupted' : 'abandoned';
  }
}

/**
 * True when `done` settles within `ms`, false otherwise. On the global setTimeout, not
 * node:timers/promises, so that the unit specs drive the grace with jest's fake timers.
 */
async function within(done: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([done, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}
