import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/configuration';
import { SyncInterruptedError, SyncInterruption } from './sync-interruption';

/** A stop of `timeoutMs`: running jobs get all but the last 3 s of it. */
function interruption(timeoutMs: number): SyncInterruption {
  const config = { get: () => ({ shutdownTimeoutMs: timeoutMs }) };
  return new SyncInterruption(config as unknown as ConfigService<AppConfig, true>);
}

/** Work that takes `ms`; unref'd, so the long ones left behind do not hold the test worker open. */
const after = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

describe('SyncInterruption', () => {
  it('gives running jobs the stop timeout less a reserve, and never less than nothing', () => {
    expect(interruption(9_000).graceMs).toBe(6_000);
    expect(interruption(1_000).graceMs).toBe(0);
  });

  it('lets work that finishes within the grace finish, without interrupting it', async () => {
    const stop = interruption(3_200);
    const work = stop.race(after(50, 'fetched'));

    await expect(stop.drain(work)).resolves.toBe('finished');
    await expect(work).resolves.toBe('fetched');
    expect(stop.isInterrupted).toBe(false);
  });

  it('interrupts work still running after the grace, which then fails with SyncInterruptedError', async () => {
    const stop = interruption(3_100);
    const work = stop.race(after(10_000, 'never'));
    const drained = stop.drain(work);

    await expect(work).rejects.toBeInstanceOf(SyncInterruptedError);
    await expect(drained).resolves.toBe('interrupted');
    expect(() => stop.check()).toThrow(SyncInterruptedError);
    await expect(stop.race(Promise.resolve('late'))).rejects.toBeInstanceOf(SyncInterruptedError);
  });

  it('gives up on work that ignores the interruption, after a bounded wait', async () => {
    const stop = interruption(3_050);
    const started = Date.now();

    await expect(stop.drain(after(60_000, 'stuck'))).resolves.toBe('abandoned');
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
