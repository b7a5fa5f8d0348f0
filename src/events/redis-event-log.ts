import type Redis from 'ioredis';
import type { EventLog } from './event-log';
import {
  compareEventIds,
  EventId,
  FeedEvent,
  FeedEventInput,
  FEED_EVENT_TYPES,
  FeedEventType,
  formatEventId,
  parseEventId,
  ZERO_EVENT_ID,
} from './feed-event';

type StreamEntry = [id: string, fields: string[]];

/**
 * The event log on a Redis Stream: XADD with `MINID ~ <now − retention>` (approximate trimming
 * only ever keeps more, so every event younger than the retention is there — a `MAXLEN` cap
 * would keep a count, and a flood would push a resume's events out before 10 minutes), XREAD
 * BLOCK on a connection of its own, and XINFO STREAM to tell whether a `Last-Event-ID` is still
 * resumable.
 */
export class RedisEventLog implements EventLog {
  /** XREAD BLOCK holds its connection: the api process's one reader gets its own. */
  private reader: Redis | undefined;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly options: { retentionMs: number },
  ) {}

  async append(event: FeedEventInput): Promise<string> {
    const minId = String(Date.now() - this.options.retentionMs);
    const id = await this.redis.xadd(
      this.key,
      'MINID',
      '~',
      minId,
      '*',
      'type',
      event.type,
      'streamer',
      String(event.streamerId),
      'data',
      event.data,
    );
    return id as string;
  }

  async after(after: EventId, count: number): Promise<FeedEvent[]> {
    const entries = (await this.redis.xrange(
      this.key,
      `(${formatEventId(after)}`,
      '+',
      'COUNT',
      count,
    )) as StreamEntry[];
    return decodeEntries(entries);
  }

  async waitAfter(after: EventId, blockMs: number): Promise<FeedEvent[]> {
    // An offline queue of its own: while Redis is away the read waits for it to come back
    // (or fails after one reconnection attempt), instead of failing at once in a tight loop.
    if (this.closed) throw new Error('The event log is closed');
    this.reader ??= this.redis.duplicate({ enableOfflineQueue: true });
    const reply = await this.reader.xread(
      'COUNT',
      1_000,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.key,
      formatEventId(after),
    );
    return reply ? decodeEntries(reply[0][1]) : [];
  }

  async latestId(): Promise<EventId> {
    return (await this.info())?.lastGenerated ?? ZERO_EVENT_ID;
  }

  async keepsAfter(id: EventId): Promise<boolean> {
    const info = await this.info();
    if (!info) return compareEventIds(id, ZERO_EVENT_ID) === 0;
    const toNewest = compareEventIds(id, info.lastGenerated);
    if (toNewest >= 0) return toNewest === 0;
    // Trimming only ever removes the oldest entries (and does not move XINFO's
    // max-deleted-entry-id, which only XDEL does): nothing after `id` is gone when nothing was
    // ever removed, or when `id` is at or after the first entry kept.
    if (info.entriesAdded === info.length) return true;
    return info.firstEntry !== null && compareEventIds(id, info.firstEntry) >= 0;
  }

  close(): Promise<void> {
    this.closed = true;
    this.reader?.disconnect();
    this.reader = undefined;
    return Promise.resolve();
  }

  private async info(): Promise<{
    lastGenerated: EventId;
    firstEntry: EventId | null;
    length: number;
    entriesAdded: number;
  } | null> {
    let reply: unknown[];
    try {
      reply = (await this.redis.xinfo('STREAM', this.key)) as unknown[];
    } catch (error) {
      if ((error as Error).message.includes('no such key')) return null;
      throw error;
    }
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
    const first = fields.get('first-entry') as StreamEntry | null | undefined;
    return {
      lastGenerated: parseEventId(String(fields.get('last-generated-id'))) ?? ZERO_EVENT_ID,
      firstEntry: first ? parseEventId(first[0]) : null,
      length: Number(fields.get('length')),
      // Redis 7; before it, unknown (never equal to the length).
      entriesAdded: Number(fields.get('entries-added') ?? NaN),
    };
  }
}

function decodeEntries(entries: StreamEntry[]): FeedEvent[] {
  const events: FeedEvent[] = [];
  for (const [id, fields] of entries) {
    const values = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i], fields[i + 1]);
    const type = values.get('type') as FeedEventType;
    const streamerId = Number(values.get('streamer'));
    const data = values.get('data');
    // Only what this service wrote is relayed; anything else on the key is skipped.
    if (!FEED_EVENT_TYPES.includes(type) || !Number.isSafeInteger(streamerId) || !data) continue;
    events.push({ id, type, streamerId, data });
  }
  return events;
}
