import { TimeoutError, withTimeout } from './timeout';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('withTimeout', () => {
  it('answers what the promise answers, and cancels its timer at once', async () => {
    const before = timers();
    await expect(withTimeout(Promise.resolve('pong'), 60_000, 'Redis')).resolves.toBe('pong');
    expect(timers()).toBe(before);
  });

  it('passes the promise’s own rejection through', async () => {
    const failure = new Error('connection refused');
    await expect(withTimeout(Promise.reject(failure), 60_000, 'Redis')).rejects.toBe(failure);
  });

  it('rejects with TimeoutError naming what did not answer, and in how long', async () => {
    const never = new Promise<never>(() => undefined);
    const outcome = withTimeout(never, 5, 'The job queue (Redis)');
    await expect(outcome).rejects.toBeInstanceOf(TimeoutError);
    await expect(outcome).rejects.toThrow('The job queue (Redis) did not answer within 5 ms');
  });
});
