import { setTimeout as sleep } from 'node:timers/promises';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { ChannelsService } from '../channels/channels.service';
import { AuthenticatedRequest, AuthenticatedUser } from '../auth/decorators/current-user.decorator';
import { connectionCapOf } from '../common/net/connection-cap';
import { AppConfig, EventsSection } from '../config/configuration';
import { feedEvents, sseClients } from '../metrics/metrics.registry';
import { EventLog } from './event-log';
import { EventId, FeedEvent, formatEventId, parseEventId } from './feed-event';
import { eventFrame, FeedStream } from './feed-stream';
import { SessionEndedError, StreamsFullError, TooManyStreamsError } from './events.errors';

/** How long one XREAD BLOCK waits before the reader loops (and notices a stop). */
const READ_BLOCK_MS = 5_000;
/** A replay reads the log in pages of this many events. */
const REPLAY_PAGE = 1_000;
/** What a browser's EventSource waits before reconnecting (the SSE `retry:` field). */
export const RECONNECT_MS = 3_000;

/**
 * The api process's side of the live feed (PRODUCT §17): one reader of the event log per process,
 * fanning each event out in memory to the streams of the users it concerns (subscribers of its
 * streamer, and admins). It also keeps streams honest: a heartbeat comment every
 * CLIPADOR_EVENTS_HEARTBEAT_MS, the end of a stream at its token's `exp`, and a periodic check
 * (CLIPADOR_EVENTS_SESSION_CHECK_MS, one query for every stream of the process) that ends the
 * streams of sessions revoked anywhere (logout, password change, reuse, a deleted user).
 */
@Injectable()
export class EventsHub implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventsHub.name);
  private readonly settings: EventsSection;
  private readonly isApi: boolean;
  private readonly streams = new Set<FeedStream>();
  private readonly byUser = new Map<number, Set<FeedStream>>();
  private readonly admins = new Set<FeedStream>();
  /** The newest event this process has read: where its reader continues, where a new stream starts. */
  private position: EventId | null = null;
  private running = false;
  private reading: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly log: EventLog,
    private readonly channels: ChannelsService,
    private readonly auth: AuthService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('events', { infer: true });
    this.isApi = config.get('app', { infer: true }).roles.includes('api');
  }

  get streamCount(): number {
    return this.streams.size;
  }

  onApplicationBootstrap(): void {
    if (!this.isApi) return;
    this.running = true;
    this.reading = this.readLoop();
    this.timers = [
      setInterval(() => this.heartbeat(), this.settings.heartbeatMs),
      setInterval(() => void this.checkSessions(), this.settings.sessionCheckMs),
    ];
  }

  /** Before the HTTP server closes: it would otherwise wait for every stream to end by itself. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    for (const stream of [...this.streams]) stream.end('server_stopping');
    await this.log.close();
    await this.reading;
  }

  /**
   * Opens the caller's stream on this request, or throws (before anything is sent) when the
   * session has ended or a limit is reached: 429 past the user's streams, 503 past the process's.
   */
  async open(
    request: AuthenticatedRequest,
    reply: FastifyReply,
    user: AuthenticatedUser,
    lastEventId: string | undefined,
  ): Promise<void> {
    this.checkUserLimit(user);
    if (!(await this.auth.liveSessionIds([user.sessionId])).has(user.sessionId)) {
      throw new SessionEndedError();
    }
    this.checkUserLimit(user);
    const socket = request.raw.socket;
    const cap = connectionCapOf(request.server.server);
    if (cap && !cap.takeStream(socket)) {
      void reply.header('Retry-After', String(RECONNECT_MS / 1000));
      throw new StreamsFullError();
    }
    socket.setTimeout(0);
    socket.setNoDelay(true);

    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      // CORS and security headers set by the hooks so far, then the stream's own.
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      // nginx: pass each event through at once instead of buffering the answer.
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
      // One stream per connection: the socket closes with the stream, so its slot is freed.
      connection: 'close',
    });
    const stream = new FeedStream(user, response, (ended) => {
      this.remove(ended);
      cap?.releaseStream(socket);
    });
    this.add(stream);
    const untilExpiry = user.tokenExpiresAt.getTime() - Date.now();
    stream.expiryTimer = setTimeout(() => stream.end('token_expired'), Math.max(0, untilExpiry));
    stream.expiryTimer.unref();

    stream.write(`retry: ${RECONNECT_MS}\n\n`);
    const resumeFrom = lastEventId === undefined ? null : lastEventId;
    if (resumeFrom === null) {
      // An `id:`-only record sets the client's last event id without an event: a reconnection
      // resumes from here even when nothing came in between.
      if (this.position) stream.write(`id: ${formatEventId(this.position)}\n\n`);
      return;
    }
    await this.resume(stream, resumeFrom);
  }

  private checkUserLimit(user: AuthenticatedUser): void {
    const open = this.byUser.get(user.id)?.size ?? 0;
    if (open >= this.settings.maxStreamsPerUser) {
      throw new TooManyStreamsError(this.settings.maxStreamsPerUser);
    }
  }

  /**
   * Replays what the stream missed since `lastEventId` (live events held meanwhile), or, when the
   * log no longer has everything after it, says so with a `reset` event carrying the current
   * position: the dashboard reloads what it shows and carries on from there.
   */
  private async resume(stream: FeedStream, lastEventId: string): Promise<void> {
    stream.hold();
    try {
      const from = parseEventId(lastEventId);
      if (!from || !(await this.log.keepsAfter(from))) {
        const current = this.position ?? (await this.log.latestId());
        stream.write(
          `id: ${formatEventId(current)}\nevent: reset\ndata: ${JSON.stringify({
            reason: from ? 'last_event_id_too_old' : 'last_event_id_unknown',
          })}\n\n`,
        );
        return;
      }
      let after = from;
      for (;;) {
        const page = await this.log.after(after, REPLAY_PAGE);
        if (page.length === 0) break;
        const audience = await this.audienceOf(page, [stream]);
        for (const event of page) {
          if (audience(event).has(stream)) stream.replay(event, eventFrame(event));
        }
        after = parseEventId(page[page.length - 1].id) ?? after;
        if (page.length < REPLAY_PAGE) break;
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'events_resume_failed');
    } finally {
      stream.release();
    }
  }

  private add(stream: FeedStream): void {
    this.streams.add(stream);
    const own = this.byUser.get(stream.user.id) ?? new Set<FeedStream>();
    own.add(stream);
    this.byUser.set(stream.user.id, own);
    if (stream.user.role === 'admin') this.admins.add(stream);
    sseClients.set(this.streams.size);
  }

  private remove(stream: FeedStream): void {
    this.streams.delete(stream);
    this.admins.delete(stream);
    const own = this.byUser.get(stream.user.id);
    own?.delete(stream);
    if (own?.size === 0) this.byUser.delete(stream.user.id);
    sseClients.set(this.streams.size);
  }

  /** One reader per process: the log from `position` on, each batch fanned out. */
  private async readLoop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        this.position ??= await this.log.latestId();
        const events = await this.log.waitAfter(this.position, READ_BLOCK_MS);
        if (failures > 0) this.logger.log({ after: failures }, 'events_reader_recovered');
        failures = 0;
        if (events.length === 0 || !this.running) continue;
        this.position = parseEventId(events[events.length - 1].id) ?? this.position;
        feedEvents.inc({ outcome: 'relayed' }, events.length);
        await this.fanOut(events);
      } catch (error) {
        if (!this.running) break;
        if (failures === 0) {
          this.logger.warn({ err: (error as Error).message }, 'events_reader_failed');
        }
        failures++;
        await sleep(Math.min(2_000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  private async fanOut(events: FeedEvent[]): Promise<void> {
    if (this.streams.size === 0) return;
    let audience: (event: FeedEvent) => Set<FeedStream>;
    try {
      audience = await this.audienceOf(events, this.streams);
    } catch (error) {
      // Without the subscriptions only admins can be served this batch; never the wrong users.
      this.logger.warn({ err: (error as Error).message }, 'events_audience_failed');
      audience = () => this.admins;
    }
    for (const event of events) {
      const frame = eventFrame(event);
      for (const stream of audience(event)) stream.send(event, frame);
    }
  }

  /**
   * Who among `candidates` gets each event: admins all of them, others those of the streamers
   * they subscribe to now (one query per batch, none when only admins listen).
   */
  private async audienceOf(
    events: FeedEvent[],
    candidates: Iterable<FeedStream>,
  ): Promise<(event: FeedEvent) => Set<FeedStream>> {
    const admins = new Set<FeedStream>();
    const viewers = new Map<number, FeedStream[]>();
    for (const stream of candidates) {
      if (stream.user.role === 'admin') admins.add(stream);
      else {
        const own = viewers.get(stream.user.id);
        if (own) own.push(stream);
        else viewers.set(stream.user.id, [stream]);
      }
    }
    if (viewers.size === 0) return () => admins;
    const subscribers = await this.channels.subscribersOf([
      ...new Set(events.map((event) => event.streamerId)),
    ]);
    const byStreamer = new Map<number, Set<FeedStream>>();
    return (event) => {
      let audience = byStreamer.get(event.streamerId);
      if (!audience) {
        audience = new Set(admins);
        for (const userId of subscribers.get(event.streamerId) ?? []) {
          for (const stream of viewers.get(userId) ?? []) audience.add(stream);
        }
        byStreamer.set(event.streamerId, audience);
      }
      return audience;
    };
  }

  private heartbeat(): void {
    for (const stream of this.streams) stream.write(': heartbeat\n\n');
  }

  /** Ends the streams whose session is no longer live, wherever it was ended. */
  private async checkSessions(): Promise<void> {
    if (this.streams.size === 0) return;
    const sessionIds = [...new Set([...this.streams].map((stream) => stream.user.sessionId))];
    let live: Set<string>;
    try {
      live = await this.auth.liveSessionIds(sessionIds);
    } catch (error) {
      // The database away: keep the streams, ask again next time.
      this.logger.warn({ err: (error as Error).message }, 'events_session_check_failed');
      return;
    }
    for (const stream of [...this.streams]) {
      if (!live.has(stream.user.sessionId)) stream.end('session_ended');
    }
  }
}
