import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/configuration';
import { SyncInterruptedError, SyncInterruption } from './sync-interruption';

/** A stop of `timeoutMs`: running jobs get all but the last 3 s of it. */
function interruption(timeoutMs: number): SyncInterruption {
  const config = { get: () => ({ shutdownTimeoutMs: timeoutMs }) };
  return new SyncInterruption(config as unknown as ConfigService<AppConfig, true>);
}

/** Work that takes `ms` of the (fake) clock. */
const after = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

/** Whether `promise` has settled by now (after the microtasks already due). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await jest.advanceTimersByTimeAsync(0);
  return done;
}

describe('SyncInterruption', () => {
  // The grace and the settle wait are timers: the clock moves only when a test says so.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('gives running jobs the stop timeout less a reserve, and never less than nothing', () => {
    expect(interruption(9_000).graceMs).toBe(6_000);
    expect(interruption(1_000).graceMs).toBe(0);
  });

  it('lets work that finishes within the grace finish, without interrupting it', async () => {
    const stop = interruption(3_200);
    const work = stop.race(after(150, 'fetched'));
    const drained = stop.drain(work);

    await jest.advanceTimersByTimeAsync(149);
    expect(await settled(drained)).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(drained).resolves.toBe('finished');
    await expect(work).resolves.toBe('fetched');
    expect(stop.isInterrupted).toBe(false);
  });

  it('interrupts work still running after the grace, which then fails with SyncInterruptedError', async () => {
    const stop = interruption(3_100);
    const work = stop.race(after(10_000, 'never'));
    const drained = stop.drain(work);
    const outcome = expect(work).rejects.toBeInstanceOf(SyncInterruptedError);

    await jest.advanceTimersByTimeAsync(99);
    expect(stop.isInterrupted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await outcome;
    await expect(drained).resolves.toBe('interrupted');
    expect(() => stop.check()).toThrow(SyncInterruptedError);
    await expect(stop.race(Promise.resolve('late'))).rejects.toBeInstanceOf(SyncInterruptedError);
  });

  it('gives up on work that ignores the interruption, after a bounded wait', async () => {
    const stop = interruption(3_050);
    const started = Date.now();
    const drained = stop.drain(after(60_000, 'stuck'));

    // The grace (50 ms), then the wait for interrupted work to settle (1.5 s), no longer.
    await jest.advanceTimersByTimeAsync(50 + 1_499);
    expect(await settled(drained)).toBe(false);
    expect(stop.isInterrupted).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    await expect(drained).resolves.toBe('abandoned');
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
