import { MemoryStreamerSyncLock } from './streamer-sync-lock';

describe('MemoryStreamerSyncLock', () => {
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
    await new Promise((resolve) => setTimeout(resolve, 40));
    await expect(lock.extend(1, token, 60)).resolves.toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    // 80 ms after acquiring: alive only because it was extended.
    await expect(lock.acquire(1, 60)).resolves.toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 70));
    const next = await lock.acquire(1, 60);
    expect(next).toBeDefined();
    // The lapsed holder can neither extend nor release the new holder's lock.
    await expect(lock.extend(1, token, 60)).resolves.toBe(false);
    await lock.release(1, token);
    await expect(lock.acquire(1, 60)).resolves.toBeUndefined();
  });
});
