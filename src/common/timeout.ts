import { setTimeout as delay } from 'node:timers/promises';

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Rejects with TimeoutError when `promise` has not settled within `ms`. For work that takes no
 * AbortSignal (an ioredis command, a Bull call): the work itself goes on, only the wait ends. The
 * timer is cancelled as soon as `promise` settles, so it never holds the process open.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timer = new AbortController();
  const timeout = delay(ms, undefined, { signal: timer.signal }).then(() => {
    throw new TimeoutError(what, ms);
  });
  try {
    // The race handles `timeout`'s AbortError once the timer is cancelled.
    return await Promise.race([promise, timeout]);
  } finally {
    timer.abort();
  }
}
