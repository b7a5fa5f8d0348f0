/** The live feed's event kinds (PRODUCT §17), as the SSE `event:` field names them. */
export const FEED_EVENT_TYPES = [
  'burst.created',
  'burst.grown',
  'streamer.online',
  'streamer.offline',
] as const;
export type FeedEventType = (typeof FEED_EVENT_TYPES)[number];

/** What the worker publishes: the kind, whose streamer it concerns, and its JSON `data`. */
export interface FeedEventInput {
  type: FeedEventType;
  streamerId: number;
  /** The SSE `data` line: one line of JSON. */
  data: string;
}

/** An event as the log keeps it, with its id (`<ms>-<seq>`, ordered across processes). */
export interface FeedEvent extends FeedEventInput {
  id: string;
}

/** A stream id as Redis Streams writes it: milliseconds, a dash, a sequence number. */
const EVENT_ID = /^(\d{1,15})-(\d{1,15})$/;

export interface EventId {
  ms: number;
  seq: number;
}

/** The id a client sent (`Last-Event-ID`), or null when it is not one of ours. */
export function parseEventId(value: string): EventId | null {
  const match = EVENT_ID.exec(value.trim());
  if (!match) return null;
  return { ms: Number(match[1]), seq: Number(match[2]) };
}

/** Orders two ids as the stream does: by milliseconds, then by sequence. */
export function compareEventIds(a: EventId, b: EventId): number {
  return a.ms - b.ms || a.seq - b.seq;
}

export function formatEventId(id: EventId): string {
  return `${id.ms}-${id.seq}`;
}

export const ZERO_EVENT_ID: EventId = { ms: 0, seq: 0 };
