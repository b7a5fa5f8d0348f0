import { MemoryStreamerSyncLock } from './streamer-sync-lock';

describe('MemoryStreamerSyncLock', () => {
  // The lock reads Date.now(); the clock moves only when a test says so.
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('refuses a second holder until the first releases', async () => {
    const lock = new MemoryStreamerSyncLock();
    const token = await lock.acquire(1, 1_000);
    expect(token).toBeDefined();
    await expect(lock.acquire(1, 1_000)).resolves.toBeUndefined();
    await expect(lock.acquire(2, 1_000)).resolves.toBeDefined();
    await lock.release(1, token!);
    await expect(lock.acquire(1, 1_000)).resolves.toBeDefined();
  });

  it('lapses when its holder stops extending it, and stays while it extends it', async () => {
    const lock = new MemoryStreamerSyncLock();
    const token = (await lock.acquire(1, 60))!;
    jest.advanceTimersByTime(40);
    await expect(lock.extend(1, token, 60)).resolves.toBe(true);
    jest.advanceTimersByTime(40);
    // 80 ms after acquiring: alive only because it was extended.
    await expect(lock.acquire(1, 60)).resolves.toBeUndefined();
    // 40 ms after the extension the lock still holds; at 60 ms it has lapsed.
    jest.advanceTimersByTime(19);
    await expect(lock.acquire(1, 60)).resolves.toBeUndefined();
    jest.advanceTimersByTime(1);
    const next = await lock.acquire(1, 60);
    expect(next).toBeDefined();
    // The lapsed holder can neither extend nor release the new holder's lock.
    await expect(lock.extend(1, token, 60)).resolves.toBe(false);
    await lock.release(1, token);
    await expect(lock.acquire(1, 60)).resolves.toBeUndefined();
  });
});
