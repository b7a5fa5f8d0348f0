import type { ServerResponse } from 'node:http';
import { AuthenticatedUser } from '../auth/decorators/current-user.decorator';
import { compareEventIds, EventId, FeedEvent, parseEventId } from './feed-event';

/** A client that lets this much pile up unsent is too slow for the feed: its stream is closed. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Why a stream ended, as its last `end` event says. */
export type EndReason = 'session_ended' | 'token_expired' | 'slow_consumer' | 'server_stopping';

/** One event as SSE bytes, made once and written to every recipient. */
export function eventFrame(event: FeedEvent): Buffer {
  return Buffer.from(`id: ${event.id}\nevent: ${event.type}\ndata: ${event.data}\n\n`);
}

/**
 * One open `GET /events` stream. While its replay (Last-Event-ID) runs, live events are held
 * back and then sent after the replayed ones, each once, in id order.
 */
export class FeedStream {
  /** The newest event id written to this stream: nothing at or before it is written again. */
  private lastSent: EventId | null = null;
  private held: Array<{ event: FeedEvent; frame: Buffer }> | null = null;
  private ended = false;
  expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly user: AuthenticatedUser,
    private readonly response: ServerResponse,
    private readonly onEnd: (stream: FeedStream) => void,
  ) {
    response.once('close', () => this.finish());
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  /** Holds live events until `release` (a replay is about to run). */
  hold(): void {
    this.held = [];
  }

  /** Sends what was held (newer than the replay), then goes live. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const { event, frame } of held) this.deliver(event, frame);
  }

  /** A live event: held while a replay runs, else written (once). */
  send(event: FeedEvent, frame: Buffer): void {
    if (this.held) this.held.push({ event, frame });
    else this.deliver(event, frame);
  }

  /** An event of the replay, written now. */
  replay(event: FeedEvent, frame: Buffer): void {
    this.deliver(event, frame);
  }

  private deliver(event: FeedEvent, frame: Buffer): void {
    if (this.ended) return;
    const id = parseEventId(event.id);
    if (!id || (this.lastSent && compareEventIds(id, this.lastSent) <= 0)) return;
    this.lastSent = id;
    this.write(frame);
  }

  /** A comment, an `id:`-only record or any other raw SSE text. */
  write(chunk: string | Buffer): void {
    if (this.ended) return;
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      this.end('slow_consumer');
      return;
    }
    this.response.write(chunk);
  }

  /** Ends the stream with an `end` event saying why (a browser's EventSource then reconnects). */
  end(reason: EndReason): void {
    if (this.ended) return;
    if (reason !== 'slow_consumer') {
      this.response.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    }
    this.response.end();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.expiryTimer);
    this.onEnd(this);
  }
}
