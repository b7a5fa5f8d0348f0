import { StreamerForSync } from '../streams/streamer-sync.service';
import { fitToBudget } from './sync-cycle.planner';

const now = Date.parse('2026-12-01T12:00:00Z');
const minutes = (n: number) => new Date(now - n * 60_000);
/** Due: last synced more than 5 minutes ago. */
const dueBefore = now - 5 * 60_000;

function streamer(id: number, lastSyncMinutesAgo: number | null, isLive = false): StreamerForSync {
  return {
    id,
    twitchUserId: String(1000 + id),
    displayName: `s${id}`,
    isActive: true,
    apiMode: 'clipador_only',
    trialExpiresAt: null,
    monitorIntervalSeconds: 180,
    monitorMinClips: 2,
    lastClipSyncedAt: lastSyncMinutesAgo === null ? null : minutes(lastSyncMinutesAgo),
    hasClientCredentials: false,
    isLive,
    liveViewerCount: isLive ? 10 : null,
    lastSeenLiveAt: isLive ? minutes(0) : null,
  };
}

const isLive = (s: StreamerForSync) => s.isLive;
const ids = (list: StreamerForSync[]) => list.map((s) => s.id);

describe('fitToBudget', () => {
  it('orders the live tier by last sync, oldest first, so each keeps its place cycle after cycle', () => {
    const streamers = [
      streamer(1, 0.1, true),
      streamer(2, 0.5, true),
      streamer(3, 0.3, true),
      streamer(4, null, true),
    ];
    const fitted = fitToBudget(streamers, isLive, { cycle: 10, limit: 10 }, dueBefore, 4);
    expect(ids(fitted.live)).toEqual([4, 2, 3, 1]);
  });

  it('takes the live tier, then offline streamers oldest first (never synced first)', () => {
    const streamers = [
      streamer(1, 1, true),
      streamer(2, 2),
      streamer(3, 9),
      streamer(4, null),
      streamer(5, 6),
      streamer(6, 3),
    ];
    const fitted = fitToBudget(streamers, isLive, { cycle: 5, limit: 6 }, dueBefore, 4);
    expect(ids(fitted.live)).toEqual([1]);
    expect(ids(fitted.due)).toEqual([4, 3, 5]);
    expect(ids(fitted.chosenOffline)).toEqual([4, 3, 5, 6]);
  });

  it('forces due streamers in from the reserve when the live tier fills the cycle, no others', () => {
    const live = [1, 2, 3, 4].map((id) => streamer(id, 0, true));
    const offline = [streamer(5, 2), streamer(6, 7), streamer(7, 8), streamer(8, 9)];
    // 4 offline, a max gap of 2 cycles: 2 a cycle keep them all in time; the reserve has 2.
    const fitted = fitToBudget([...live, ...offline], isLive, { cycle: 4, limit: 6 }, dueBefore, 2);
    expect(ids(fitted.live)).toEqual([1, 2, 3, 4]);
    expect(ids(fitted.chosenOffline)).toEqual([8, 7]);
    // Only the share the max gap needs: with 4 cycles to go round, one is enough.
    const slower = fitToBudget([...live, ...offline], isLive, { cycle: 4, limit: 6 }, dueBefore, 4);
    expect(ids(slower.chosenOffline)).toEqual([8]);
    // And never one that is not due, whatever the reserve.
    const early = fitToBudget(
      [...live, ...offline],
      isLive,
      { cycle: 4, limit: 9 },
      now - 8.5 * 60_000,
      1,
    );
    expect(ids(early.chosenOffline)).toEqual([8]);
  });

  it('never plans offline streamers beyond the limit, and keeps every live one even past it', () => {
    const live = [1, 2, 3].map((id) => streamer(id, 0, true));
    const fitted = fitToBudget(
      [...live, streamer(4, 60)],
      isLive,
      { cycle: 2, limit: 2 },
      dueBefore,
      1,
    );
    expect(ids(fitted.live)).toEqual([1, 2, 3]);
    expect(fitted.chosenOffline).toEqual([]);
  });

  it('keeps every offline streamer within the max gap when the reserve allows it, the live tier full', () => {
    // 4 live filling the cycle's 4 points, 20 offline, a reserve of 2 points, a cycle a minute,
    // a max gap of 15 minutes: 20 / 14 rounds up to 2 a cycle, which the reserve pays for.
    const live = [1, 2, 3, 4].map((id) => streamer(id, 0, true));
    const offline = Array.from({ length: 20 }, (_, i) => streamer(10 + i, null));
    const streamers = [...live, ...offline];
    const maxGapMs = 15 * 60_000;
    const lastSync = new Map<number, number>();
    const gaps: number[] = [];
    for (let cycle = 0; cycle < 60; cycle++) {
      const at = now + cycle * 60_000;
      const fitted = fitToBudget(
        streamers,
        isLive,
        { cycle: 4, limit: 6 },
        at - maxGapMs + 60_000,
        14,
      );
      expect(fitted.chosenOffline.length).toBeLessThanOrEqual(2);
      for (const chosen of fitted.chosenOffline) {
        const previous = lastSync.get(chosen.id);
        if (previous !== undefined) gaps.push(at - previous);
        lastSync.set(chosen.id, at);
        chosen.lastClipSyncedAt = new Date(at);
      }
    }
    expect(lastSync.size).toBe(20);
    expect(gaps.length).toBeGreaterThan(20);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(maxGapMs);
  });
});
