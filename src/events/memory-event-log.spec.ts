import { compareEventIds, formatEventId, parseEventId } from './feed-event';
import { MemoryEventLog } from './memory-event-log';

const event = (streamerId: number) => ({
  type: 'burst.created' as const,
  streamerId,
  data: `{"n":${streamerId}}`,
});

describe('MemoryEventLog', () => {
  afterEach(() => jest.useRealTimers());

  it('gives ids that keep growing within one millisecond and across them', async () => {
    const log = new MemoryEventLog(600_000, 100);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(parseEventId(await log.append(event(i)))!);
    for (let i = 1; i < ids.length; i++) {
      expect(compareEventIds(ids[i], ids[i - 1])).toBeGreaterThan(0);
    }
    const after = await log.after(ids[1], 10);
    expect(after.map((e) => e.streamerId)).toEqual([2, 3, 4]);
    expect(await log.after(ids[4], 10)).toEqual([]);
  });

  it('keeps resumes possible until the retention trims what came after the id', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const log = new MemoryEventLog(60_000, 100);
    const first = parseEventId(await log.append(event(1)))!;
    jest.setSystemTime(1_030_000);
    const second = parseEventId(await log.append(event(2)))!;
    expect(await log.keepsAfter(first)).toBe(true);
    // 61 s after the first: appending trims it; from before it, a resume would miss it.
    jest.setSystemTime(1_061_000);
    await log.append(event(3));
    expect(await log.keepsAfter({ ms: first.ms - 1, seq: 0 })).toBe(false);
    expect(await log.keepsAfter(first)).toBe(true);
    expect((await log.after(first, 10)).map((e) => e.streamerId)).toEqual([2, 3]);
    expect(await log.keepsAfter(second)).toBe(true);
    // An id from the future (another log, a lost Redis) is not resumable either.
    expect(await log.keepsAfter({ ms: 2_000_000, seq: 0 })).toBe(false);
  });

  it('trims by size as well, and wakes a waiting reader on append', async () => {
    const log = new MemoryEventLog(600_000, 2);
    const waiting = log.waitAfter({ ms: 0, seq: 0 }, 5_000);
    const id = await log.append(event(1));
    expect((await waiting).map((e) => e.id)).toEqual([id]);
    await log.append(event(2));
    await log.append(event(3));
    expect(await log.keepsAfter(parseEventId(id)!)).toBe(true);
    await log.append(event(4));
    // Four appended, two kept: events 1 and 2 are gone.
    expect(await log.keepsAfter(parseEventId(id)!)).toBe(false);
    expect(formatEventId(await log.latestId())).toMatch(/^\d+-\d+$/);
  });
});
