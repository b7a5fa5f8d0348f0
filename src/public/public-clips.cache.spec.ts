import { PublicClipDto } from './dto/public-clip.dto';
import { MAX_PUBLIC_CLIPS, PublicClipsCache } from './public-clips.cache';

const clip = (id: string): PublicClipDto => ({
  id,
  created_at: '2026-12-01T10:00:00.000Z',
  viewer_count: 1,
  title: null,
  duration: 30,
  streamer_name: 'Gaules',
  streamer_external_id: '181077473',
});

/** A cache over a database the test controls: its rows, its counter, its clock. */
function rig(refreshMs = 5_000) {
  const state = { rows: [clip('a'), clip('b'), clip('c')], generation: 1, now: 1_000_000 };
  const calls = { loads: [] as number[], reads: 0 };
  const cache = new PublicClipsCache(
    (limit) => {
      calls.loads.push(limit);
      return Promise.resolve(state.rows.slice(0, limit));
    },
    () => {
      calls.reads++;
      return Promise.resolve(state.generation);
    },
    refreshMs,
    () => state.now,
  );
  const ids = async (limit: number) =>
    (JSON.parse((await cache.answer(limit)).toString()) as { data: PublicClipDto[] }).data.map(
      (row) => row.id,
    );
  return { state, calls, cache, ids };
}

describe('PublicClipsCache', () => {
  it('answers the first `limit` clips of one snapshot of the longest feed', async () => {
    const { calls, ids } = rig();
    expect(await ids(2)).toEqual(['a', 'b']);
    expect(await ids(50)).toEqual(['a', 'b', 'c']);
    expect(calls.loads).toEqual([MAX_PUBLIC_CLIPS]);
  });

  it('asks the database nothing while the snapshot was checked less than refreshMs ago', async () => {
    const { state, calls, ids } = rig();
    await ids(12);
    state.rows = [clip('new'), ...state.rows];
    state.generation = 2;
    state.now += 4_999;
    expect(await ids(12)).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual({ loads: [50], reads: 1 });
  });

  it('rebuilds once refreshMs has passed and the counter moved', async () => {
    const { state, calls, ids } = rig();
    await ids(12);
    state.rows = [clip('new'), ...state.rows];
    state.generation = 2;
    state.now += 5_000;
    expect(await ids(12)).toEqual(['new', 'a', 'b', 'c']);
    expect(calls).toEqual({ loads: [50, 50], reads: 2 });
  });

  it('keeps the snapshot when the counter has not moved, and re-arms it for refreshMs', async () => {
    const { state, calls, ids } = rig();
    await ids(12);
    state.now += 6_000;
    await ids(12);
    state.now += 4_000;
    await ids(12);
    expect(calls).toEqual({ loads: [50], reads: 2 });
  });

  it('shares one check and one rebuild between requests that arrive together', async () => {
    const { state, calls, cache } = rig();
    await cache.answer(12);
    state.generation = 5;
    state.now += 10_000;
    await Promise.all(Array.from({ length: 20 }, (_, i) => cache.answer((i % 50) + 1)));
    expect(calls).toEqual({ loads: [50, 50], reads: 2 });
  });

  it('retries on the next request after a failed refresh', async () => {
    const { state } = rig();
    let fail = true;
    const failing = new PublicClipsCache(
      () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(state.rows)),
      () => Promise.resolve(1),
      5_000,
      () => state.now,
    );
    await expect(failing.answer(12)).rejects.toThrow('down');
    fail = false;
    await expect(failing.answer(1)).resolves.toEqual(
      Buffer.from(JSON.stringify({ data: [clip('a')] })),
    );
  });
});
