import type { EventLog } from './event-log';
import {
  compareEventIds,
  EventId,
  FeedEvent,
  FeedEventInput,
  formatEventId,
  ZERO_EVENT_ID,
} from './feed-event';

interface Kept {
  id: EventId;
  event: FeedEvent;
}

interface Waiter {
  after: EventId;
  resolve: (events: FeedEvent[]) => void;
  timer: NodeJS.Timeout;
}

/**
 * The event log without Redis: a ring in this process, trimmed by age (the retention) and by
 * size, with ids made the way Redis makes them (`<ms>-<seq>`, never going back).
 */
export class MemoryEventLog implements EventLog {
  private readonly kept: Kept[] = [];
  private latest: EventId = ZERO_EVENT_ID;
  /** The newest id trimmed away: a resume from before it may have missed events. */
  private maxDeleted: EventId = ZERO_EVENT_ID;
  private waiters: Waiter[] = [];

  constructor(
    private readonly retentionMs: number,
    private readonly capacity: number,
  ) {}

  append(input: FeedEventInput): Promise<string> {
    const now = Date.now();
    const id =
      now > this.latest.ms ? { ms: now, seq: 0 } : { ms: this.latest.ms, seq: this.latest.seq + 1 };
    this.latest = id;
    const event: FeedEvent = { ...input, id: formatEventId(id) };
    this.kept.push({ id, event });
    this.trim(now);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.collect(waiter.after, Infinity));
    }
    return Promise.resolve(event.id);
  }

  after(after: EventId, count: number): Promise<FeedEvent[]> {
    return Promise.resolve(this.collect(after, count));
  }

  waitAfter(after: EventId, blockMs: number): Promise<FeedEvent[]> {
    const ready = this.collect(after, Infinity);
    if (ready.length > 0) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        after,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          resolve([]);
        }, blockMs),
      };
      this.waiters.push(waiter);
    });
  }

  latestId(): Promise<EventId> {
    return Promise.resolve(this.latest);
  }

  keepsAfter(id: EventId): Promise<boolean> {
    return Promise.resolve(
      compareEventIds(id, this.maxDeleted) >= 0 && compareEventIds(id, this.latest) <= 0,
    );
  }

  close(): Promise<void> {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve([]);
    }
    this.waiters = [];
    return Promise.resolve();
  }

  private collect(after: EventId, count: number): FeedEvent[] {
    // Ids only grow, so the events after `after` are a suffix: find its start from the end.
    let start = this.kept.length;
    while (start > 0 && compareEventIds(this.kept[start - 1].id, after) > 0) start--;
    return this.kept.slice(start, start + Math.min(count, this.kept.length)).map((k) => k.event);
  }

  private trim(now: number): void {
    const cutoff = now - this.retentionMs;
    let drop = 0;
    while (
      drop < this.kept.length &&
      (this.kept[drop].id.ms < cutoff || this.kept.length - drop > this.capacity)
    ) {
      drop++;
    }
    if (drop === 0) return;
    this.maxDeleted = this.kept[drop - 1].id;
    this.kept.splice(0, drop);
  }
}
