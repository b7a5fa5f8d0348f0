import { BurstDto } from './dto/burst.dto';
import {
  assembleAnswer,
  BurstLoader,
  countStartingSince,
  RecentBurstsCache,
  SnapshotBurst,
} from './recent-bursts.cache';

const NOW = Date.UTC(2024, 4, 1, 20, 0, 0);
const MINUTE = 60_000;

function burst(id: number, startMs: number): { startMs: number; dto: BurstDto } {
  const iso = new Date(startMs).toISOString();
  return {
    startMs,
    dto: {
      id,
      inicio: iso,
      inicio_iso: iso,
      fim: iso,
      streamer: { id: 1, display_name: 'S', twitch_user_id: '1' },
      clip_count: 2,
      ao_vivo: false,
      clipes: [],
    },
  };
}

/** A fake database: bursts newest first, filtered by the loader's `since` like the SQL. */
function fakeStore(initial: Array<{ startMs: number; dto: BurstDto }>) {
  let rows = initial;
  const loads: Date[] = [];
  const load: BurstLoader = (since) => {
    loads.push(since);
    return Promise.resolve(rows.filter((row) => row.startMs >= since.getTime()));
  };
  return {
    load,
    loads,
    set: (next: Array<{ startMs: number; dto: BurstDto }>) => (rows = next),
  };
}

function ids(body: Buffer): number[] {
  return (JSON.parse(body.toString()) as { data: BurstDto[] }).data.map((b) => b.id);
}

describe('recent bursts cache', () => {
  describe('countStartingSince', () => {
    const list: SnapshotBurst[] = [30, 20, 20, 10].map((startMs) => ({
      startMs,
      json: Buffer.from('{}'),
    }));

    it('counts the newest-first prefix whose start is at or after the cut-off', () => {
      expect(countStartingSince(list, 5)).toBe(4);
      expect(countStartingSince(list, 10)).toBe(4);
      expect(countStartingSince(list, 11)).toBe(3);
      expect(countStartingSince(list, 20)).toBe(3);
      expect(countStartingSince(list, 21)).toBe(1);
      expect(countStartingSince(list, 31)).toBe(0);
      expect(countStartingSince([], 0)).toBe(0);
    });
  });

  it('writes exactly what JSON.stringify would for {data: [...]}', () => {
    const rows = [burst(2, NOW), burst(1, NOW - MINUTE)];
    const snapshot = rows.map((row) => ({
      startMs: row.startMs,
      json: Buffer.from(JSON.stringify(row.dto)),
    }));
    expect(assembleAnswer(snapshot, 2).toString()).toBe(
      JSON.stringify({ data: rows.map((row) => row.dto) }),
    );
    expect(assembleAnswer(snapshot, 0).toString()).toBe('{"data":[]}');
  });

  it('reuses one query while the generation is unchanged, and the very bytes', async () => {
    const store = fakeStore([burst(1, NOW - 5 * MINUTE)]);
    const cache = new RecentBurstsCache(store.load, 245);
    const first = await cache.answer(60, 7, NOW);
    const second = await cache.answer(60, 7, NOW + 1000);
    expect(ids(first)).toEqual([1]);
    expect(second).toBe(first);
    expect(store.loads).toHaveLength(1);
    // The snapshot reaches back the whole horizon, not just this request's window.
    expect(store.loads[0].getTime()).toBe(NOW - 245 * MINUTE);
  });

  it('rebuilds when a request has read a newer generation (a commit happened)', async () => {
    const store = fakeStore([burst(1, NOW - 5 * MINUTE)]);
    const cache = new RecentBurstsCache(store.load, 245);
    expect(ids(await cache.answer(60, 7, NOW))).toEqual([1]);
    store.set([burst(2, NOW - MINUTE), burst(1, NOW - 5 * MINUTE)]);
    expect(ids(await cache.answer(60, 7, NOW))).toEqual([1]);
    expect(ids(await cache.answer(60, 8, NOW))).toEqual([2, 1]);
    expect(store.loads).toHaveLength(2);
  });

  it('keeps serving a snapshot to a request that read an older generation', async () => {
    const store = fakeStore([burst(1, NOW - 5 * MINUTE)]);
    const cache = new RecentBurstsCache(store.load, 245);
    await cache.answer(60, 9, NOW);
    await cache.answer(60, 8, NOW);
    expect(store.loads).toHaveLength(1);
  });

  it('drops a burst whose start leaves the window as time passes, with no query', async () => {
    const store = fakeStore([burst(2, NOW - 30_000), burst(1, NOW - 59_000)]);
    const cache = new RecentBurstsCache(store.load, 245);
    expect(ids(await cache.answer(1, 1, NOW))).toEqual([2, 1]);
    // Exactly one minute after its start the burst is still in (the window is inclusive)...
    expect(ids(await cache.answer(1, 1, NOW + 1_000))).toEqual([2, 1]);
    // ...one millisecond later it is out; the other follows 29 s later.
    expect(ids(await cache.answer(1, 1, NOW + 1_001))).toEqual([2]);
    expect(ids(await cache.answer(1, 1, NOW + 30_001))).toEqual([]);
    // A wider window on the same snapshot still has both.
    expect(ids(await cache.answer(60, 1, NOW + 30_001))).toEqual([2, 1]);
    expect(store.loads).toHaveLength(1);
  });

  it('shares one build between concurrent requests', async () => {
    const store = fakeStore([burst(1, NOW - MINUTE)]);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: BurstLoader = async (since) => {
      await gate;
      return store.load(since);
    };
    const cache = new RecentBurstsCache(slow, 245);
    const answers = [cache.answer(60, 3, NOW), cache.answer(30, 3, NOW), cache.answer(60, 2, NOW)];
    release();
    expect((await Promise.all(answers)).map(ids)).toEqual([[1], [1], [1]]);
    expect(store.loads).toHaveLength(1);
  });

  it('does not let a waiting request use a build older than the generation it read', async () => {
    const store = fakeStore([burst(1, NOW - MINUTE)]);
    const cache = new RecentBurstsCache(store.load, 245);
    const older = cache.answer(60, 3, NOW);
    store.set([burst(2, NOW - 10_000), burst(1, NOW - MINUTE)]);
    const newer = cache.answer(60, 4, NOW);
    expect(ids(await older)).toEqual([1]);
    expect(ids(await newer)).toEqual([2, 1]);
  });

  it('answers from the database a cut-off older than the snapshot reaches', async () => {
    const store = fakeStore([burst(1, NOW - MINUTE), burst(0, NOW - 250 * MINUTE)]);
    const cache = new RecentBurstsCache(store.load, 245);
    await cache.answer(60, 1, NOW);
    // A request whose clock reads 10 minutes behind the snapshot's builder's, asking for 240.
    expect(ids(await cache.answer(240, 1, NOW - 10 * MINUTE))).toEqual([1, 0]);
    expect(store.loads).toHaveLength(2);
  });

  it('propagates a failed build and tries again on the next request', async () => {
    let fail = true;
    const store = fakeStore([burst(1, NOW - MINUTE)]);
    const cache = new RecentBurstsCache((since) => {
      if (fail) return Promise.reject(new Error('database down'));
      return store.load(since);
    }, 245);
    await expect(cache.answer(60, 1, NOW)).rejects.toThrow('database down');
    fail = false;
    expect(ids(await cache.answer(60, 1, NOW))).toEqual([1]);
  });
});
