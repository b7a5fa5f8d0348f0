import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse, STATUS_CODES } from 'node:http';
import { AddressInfo } from 'node:net';
import type { HelixClip, HelixStream, HelixUser } from '../../src/twitch/helix.types';
import { TokenBucket } from './token-bucket';

/**
 * A loopback stand-in for Twitch: the client-credentials token endpoint and Helix `GET /clips`
 * and `GET /users`, speaking Twitch's wire format (status codes, error bodies, Ratelimit-*
 * headers, cursors), plus fault injection. Used by e2e tests, benchmarks and the demo.
 *
 * No framework on purpose: it must stay cheap enough that a benchmark measures Clipador, not it.
 */

export interface RateLimitOptions {
  points: number;
  windowMs: number;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Per client id. Default: Twitch's 800 points per minute. `null`: unlimited (benchmarks). */
  rateLimit?: RateLimitOptions | null;
  /** Added before every answer. */
  latencyMs?: number;
  /** Lifetime of issued app tokens. Default about 58 days, like Twitch's. */
  tokenTtlSeconds?: number;
  /**
   * A full page carries a cursor even when nothing follows, so the next page is empty: Twitch
   * does this, and clients must stop on an empty page. Default true; false → a cursor only when
   * more clips follow.
   */
  cursorOnFullPage?: boolean;
  /** Requests kept for requests() (the oldest are dropped). Default 10,000. */
  requestLogLimit?: number;
}

export interface SimUserInput {
  id: string;
  login: string;
  display_name: string;
  profile_image_url?: string;
  description?: string;
  broadcaster_type?: string;
}

export interface SimClipInput {
  broadcaster_id: string;
  created_at: Date | string;
  view_count?: number;
  id?: string;
  title?: string;
  video_id?: string;
  duration?: number;
  vod_offset?: number | null;
  game_id?: string;
  creator_id?: string;
  creator_name?: string;
  /** Twitch indexes clips late: the clip is not returned before this time. */
  visibleAfter?: Date;
}

export type FaultPath = 'clips' | 'users' | 'streams' | 'token';

/** A stream's fields; what is left out gets plausible defaults. */
export interface SimStreamInput {
  title?: string;
  game_id?: string;
  game_name?: string;
  viewer_count?: number;
  language?: string;
  tags?: string[];
  is_mature?: boolean;
}

/** Live from `from` until `to` (exclusive; undefined: until setOffline). */
interface StreamWindow extends SimStreamInput {
  id: string;
  from: number;
  to: number;
}

/** Live for `liveMs` of every `periodMs`, starting `phaseMs` into the period (benchmarks, demo). */
export interface LiveSchedule extends SimStreamInput {
  periodMs: number;
  liveMs: number;
  phaseMs?: number;
}

export interface FailOptions {
  /** Usually 500, 502, 503 or 429; a 4xx such as 401 also works (a Twitch error body). */
  status: number;
  count?: number;
  path?: FaultPath;
  clientId?: string;
  /** For 429: how far ahead Ratelimit-Reset points. Default 1000 ms. */
  resetInMs?: number;
}

export interface HangOptions {
  count?: number;
  path?: FaultPath;
  clientId?: string;
}

export interface ClientStats {
  /** Helix requests received, whatever their answer. */
  helixRequests: number;
  /** Rate-limit points spent. */
  pointsUsed: number;
  /** 429 answers sent (injected ones included). */
  rateLimited: number;
  /** 429 answers sent because the bucket really was empty. */
  rateLimitedByBucket: number;
  /** Answers decided by failNext/hangNext. */
  faultsInjected: number;
  /** Helix 401 answers. */
  unauthorized: number;
  tokenRequests: number;
  tokensIssued: number;
}

export interface SimulatorStats {
  byClient: Record<string, ClientStats>;
  totals: ClientStats;
}

/** One request as the simulator saw it (the last `requestLogLimit` are kept). */
export interface RequestRecord {
  /** Epoch ms when the simulator decided the answer (after the configured latency). */
  at: number;
  path: FaultPath;
  clientId: string;
  /** 0 for a request left hanging. */
  status: number;
  /** Get Clips: the broadcaster asked for. */
  broadcasterId?: string;
}

interface StoredClip {
  clip: HelixClip;
  createdAtMs: number;
  visibleAfterMs: number;
  seq: number;
}

interface Fault {
  kind: 'fail' | 'hang';
  status: number;
  remaining: number;
  path?: FaultPath;
  clientId?: string;
  resetInMs: number;
}

const TWITCH_DEFAULT_LIMIT: RateLimitOptions = { points: 800, windowMs: 60_000 };
const ONE_WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_BODY_BYTES = 16 * 1024;
/** Headers of an unlimited simulator: large enough that no client budget ever waits. */
const UNLIMITED_POINTS = 1_000_000_000;

const CLIP_WORDS = [
  'Awkward',
  'Helpless',
  'Salamander',
  'Brave',
  'Tiny',
  'Crispy',
  'Lazy',
  'Spicy',
  'Golden',
  'Noisy',
];

function emptyStats(): ClientStats {
  return {
    helixRequests: 0,
    pointsUsed: 0,
    rateLimited: 0,
    rateLimitedByBucket: 0,
    faultsInjected: 0,
    unauthorized: 0,
    tokenRequests: 0,
    tokensIssued: 0,
  };
}

/** Twitch writes times without milliseconds: `2017-11-30T22:34:18Z`. */
export function twitchTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ b: null, a: { Offset: offset } })).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      a?: { Offset?: unknown };
    };
    const offset = parsed.a?.Offset;
    return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0
      ? offset
      : undefined;
  } catch {
    return undefined;
  }
}

class HelixHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class TwitchSimulator {
  readonly helixUrl: string;
  readonly authUrl: string;
  readonly port: number;

  private readonly apps = new Map<string, string>();
  private readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();
  private readonly users = new Map<string, HelixUser>();
  private readonly clips = new Map<string, StoredClip[]>();
  private readonly clipsById = new Map<string, StoredClip>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly clientStats = new Map<string, ClientStats>();
  private readonly hung = new Set<ServerResponse>();
  private readonly requestLog: RequestRecord[] = [];
  private readonly issued: { clientId: string; token: string }[] = [];
  private faults: Fault[] = [];
  private clipSeq = 0;
  /** Helix requests received and not answered yet, by path; and the most seen at once. */
  private readonly inFlight = new Map<FaultPath, number>();
  private readonly peakInFlight = new Map<FaultPath, number>();
  private rateLimit: RateLimitOptions | null;
  private latencyMs: number;
  private readonly streamWindows = new Map<string, StreamWindow[]>();
  private readonly liveSchedules = new Map<string, LiveSchedule>();
  private streamSeq = 0;
  /** Broadcasters whose Get Clips requests all fail with a status (until cleared). */
  private readonly failingBroadcasters = new Map<string, number>();
  private readonly tokenTtlSeconds: number;
  private readonly cursorOnFullPage: boolean;
  private readonly requestLogLimit: number;

  private constructor(
    private readonly server: Server,
    options: SimulatorOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    const host = options.host ?? '127.0.0.1';
    this.port = port;
    this.helixUrl = `http://${host}:${port}/helix`;
    this.authUrl = `http://${host}:${port}/oauth2`;
    this.rateLimit = options.rateLimit === undefined ? TWITCH_DEFAULT_LIMIT : options.rateLimit;
    this.latencyMs = options.latencyMs ?? 0;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 5_000_000;
    this.cursorOnFullPage = options.cursorOnFullPage ?? true;
    this.requestLogLimit = options.requestLogLimit ?? 10_000;
  }

  static async start(options: SimulatorOptions = {}): Promise<TwitchSimulator> {
    const server = createServer();
    // Longer than the client's idle keep-alive, so the server never closes a socket the client is
    // about to reuse (which would show up as a spurious network error).
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const simulator = new TwitchSimulator(server, options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      simulator.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          simulator.sendJson(response, 500, {
            error: 'Internal Server Error',
            status: 500,
            message: error instanceof Error ? error.message : 'simulator error',
          });
        }
      });
    });
    return simulator;
  }

  // ---- data ------------------------------------------------------------------------------

  addApp(clientId: string, clientSecret: string): void {
    this.apps.set(clientId, clientSecret);
  }

  /** The app's secret changes: new token requests with the old one are refused. */
  setAppSecret(clientId: string, clientSecret: string): void {
    this.apps.set(clientId, clientSecret);
  }

  /** The app is gone: token requests get 400 and its tokens stop working. */
  removeApp(clientId: string): void {
    this.apps.delete(clientId);
    this.revokeTokens(clientId);
  }

  /** Tokens issued so far stop working (Helix answers 401); new ones can be requested. */
  revokeTokens(clientId?: string): void {
    for (const [token, owner] of this.tokens) {
      if (clientId === undefined || owner.clientId === clientId) this.tokens.delete(token);
    }
  }

  addUser(input: SimUserInput): HelixUser {
    const user: HelixUser = {
      id: input.id,
      login: input.login.toLowerCase(),
      display_name: input.display_name,
      type: '',
      broadcaster_type: input.broadcaster_type ?? '',
      description: input.description ?? '',
      profile_image_url:
        input.profile_image_url ??
        `https://static-cdn.jtvnw.net/jtv_user_pictures/${input.login}-profile_image-300x300.png`,
      offline_image_url: '',
      view_count: 0,
      created_at: '2016-01-01T00:00:00Z',
    };
    this.users.set(user.id, user);
    return { ...user };
  }

  addClip(input: SimClipInput): HelixClip {
    const seq = ++this.clipSeq;
    // Twitch's times have whole seconds; filtering uses the same value the answer shows.
    const createdAtMs = Math.floor(new Date(input.created_at).getTime() / 1000) * 1000;
    if (!Number.isFinite(createdAtMs))
      throw new Error(`Bad created_at: ${String(input.created_at)}`);
    const id =
      input.id ??
      `${CLIP_WORDS[seq % 10]}${CLIP_WORDS[Math.floor(seq / 10) % 10]}Clip${seq}-${randomBytes(4).toString('hex')}`;
    if (this.clipsById.has(id)) throw new Error(`Clip ${id} already exists`);
    const broadcaster = this.users.get(input.broadcaster_id);
    const clip: HelixClip = {
      id,
      url: `https://clips.twitch.tv/${id}`,
      embed_url: `https://clips.twitch.tv/embed?clip=${id}`,
      broadcaster_id: input.broadcaster_id,
      broadcaster_name: broadcaster?.display_name ?? `streamer_${input.broadcaster_id}`,
      creator_id: input.creator_id ?? `9${seq}`,
      creator_name: input.creator_name ?? `viewer${seq}`,
      video_id: input.video_id ?? '',
      game_id: input.game_id ?? '509658',
      language: 'en',
      title: input.title ?? `Clip ${seq}`,
      view_count: input.view_count ?? 1,
      created_at: twitchTime(createdAtMs),
      thumbnail_url: `https://clips-media-assets2.twitch.tv/${id}-preview-480x272.jpg`,
      duration: input.duration ?? 30,
      vod_offset: input.vod_offset ?? null,
      is_featured: false,
    };
    const stored: StoredClip = {
      clip,
      createdAtMs,
      visibleAfterMs: input.visibleAfter?.getTime() ?? 0,
      seq,
    };
    const list = this.clips.get(clip.broadcaster_id) ?? [];
    list.push(stored);
    this.clips.set(clip.broadcaster_id, list);
    this.clipsById.set(id, stored);
    return { ...clip };
  }

  /** Changes a stored clip (e.g. its view count grows between syncs). */
  updateClip(
    id: string,
    patch: { view_count?: number; title?: string; visibleAfter?: Date | null },
  ): void {
    const stored = this.clipsById.get(id);
    if (!stored) throw new Error(`No clip ${id}`);
    if (patch.view_count !== undefined) stored.clip.view_count = patch.view_count;
    if (patch.title !== undefined) stored.clip.title = patch.title;
    if (patch.visibleAfter !== undefined)
      stored.visibleAfterMs = patch.visibleAfter?.getTime() ?? 0;
  }

  // ---- live streams (Get Streams) ----------------------------------------------------------

  /** The user goes live now (a new stream) until setOffline; `startedAt` to back-date it. */
  setLive(userId: string, input: SimStreamInput = {}, startedAt = new Date()): void {
    this.setOffline(userId, startedAt);
    this.addStreamWindow(userId, startedAt, undefined, input);
  }

  /** The user's current stream ends (at `at`, default now). */
  setOffline(userId: string, at = new Date()): void {
    for (const window of this.streamWindows.get(userId) ?? []) {
      if (window.to > at.getTime()) window.to = Math.max(window.from, at.getTime());
    }
    this.liveSchedules.delete(userId);
  }

  /** A stream from `from` to `to` (exclusive; undefined = open-ended): live on a schedule. */
  addStreamWindow(userId: string, from: Date, to: Date | undefined, input: SimStreamInput = {}) {
    const list = this.streamWindows.get(userId) ?? [];
    list.push({
      ...input,
      id: String(40_000_000_000 + ++this.streamSeq),
      from: Math.floor(from.getTime() / 1000) * 1000,
      to: to ? to.getTime() : Number.POSITIVE_INFINITY,
    });
    this.streamWindows.set(userId, list);
  }

  /** Live `liveMs` out of every `periodMs` from now on (replaces the user's windows). */
  setLiveSchedule(userId: string, schedule: LiveSchedule): void {
    this.streamWindows.delete(userId);
    this.liveSchedules.set(userId, schedule);
  }

  /** The user's stream at `now`, as Get Streams shows it, or undefined when offline. */
  liveStream(userId: string, now = Date.now()): HelixStream | undefined {
    let window: StreamWindow | undefined = (this.streamWindows.get(userId) ?? []).find(
      (candidate) => candidate.from <= now && now < candidate.to,
    );
    const schedule = this.liveSchedules.get(userId);
    if (!window && schedule) {
      const into =
        (((now - (schedule.phaseMs ?? 0)) % schedule.periodMs) + schedule.periodMs) %
        schedule.periodMs;
      if (into < schedule.liveMs) {
        const from = Math.floor((now - into) / 1000) * 1000;
        window = {
          ...schedule,
          id: `5${Math.floor(from / 1000)}${userId}`,
          from,
          to: from + schedule.liveMs,
        };
      }
    }
    if (!window) return undefined;
    const user = this.users.get(userId);
    const login = user?.login ?? `streamer_${userId}`;
    return {
      id: window.id,
      user_id: userId,
      user_login: login,
      user_name: user?.display_name ?? login,
      game_id: window.game_id ?? '509658',
      game_name: window.game_name ?? 'Just Chatting',
      type: 'live',
      title: window.title ?? `${user?.display_name ?? login} ao vivo`,
      viewer_count: window.viewer_count ?? 100,
      started_at: twitchTime(window.from),
      language: window.language ?? 'pt',
      thumbnail_url: `https://static-cdn.jtvnw.net/previews-ttv/live_user_${login}-{width}x{height}.jpg`,
      tags: window.tags ?? ['Português'],
      is_mature: window.is_mature ?? false,
    };
  }

  clipCount(broadcasterId?: string): number {
    if (broadcasterId !== undefined) return this.clips.get(broadcasterId)?.length ?? 0;
    return this.clipsById.size;
  }

  // ---- faults ----------------------------------------------------------------------------

  /** The next `count` matching requests get `status` (a 429 carries Ratelimit-* headers). */
  failNext(options: FailOptions): void {
    this.faults.push({
      kind: 'fail',
      status: options.status,
      remaining: options.count ?? 1,
      path: options.path,
      clientId: options.clientId,
      resetInMs: options.resetInMs ?? 1000,
    });
  }

  /** The next `count` matching requests are accepted and never answered. */
  hangNext(options: HangOptions = {}): void {
    this.faults.push({
      kind: 'hang',
      status: 0,
      remaining: options.count ?? 1,
      path: options.path,
      clientId: options.clientId,
      resetInMs: 0,
    });
  }

  clearFaults(): void {
    this.faults = [];
    this.failingBroadcasters.clear();
  }

  /** Every Get Clips request for this broadcaster gets `status` until called with undefined. */
  failBroadcaster(broadcasterId: string, status: number | undefined): void {
    if (status === undefined) this.failingBroadcasters.delete(broadcasterId);
    else this.failingBroadcasters.set(broadcasterId, status);
  }

  /** Changes the delay added before every answer. */
  setLatency(latencyMs: number): void {
    this.latencyMs = latencyMs;
  }

  /** Changes the per-client limit; every bucket starts full again. */
  setRateLimit(rateLimit: RateLimitOptions | null): void {
    this.rateLimit = rateLimit;
    this.buckets.clear();
  }

  // ---- inspection ------------------------------------------------------------------------

  stats(): SimulatorStats {
    const byClient: Record<string, ClientStats> = {};
    const totals = emptyStats();
    for (const [clientId, stats] of this.clientStats) {
      byClient[clientId] = { ...stats };
      for (const key of Object.keys(totals) as (keyof ClientStats)[]) totals[key] += stats[key];
    }
    return { byClient, totals };
  }

  resetStats(): void {
    this.clientStats.clear();
    this.requestLog.length = 0;
    this.peakInFlight.clear();
  }

  /**
   * The most Helix requests of `path` that were in the simulator at once (received, not yet
   * answered) since the last reset: with `latencyMs`, how many a client really had in flight.
   */
  peakConcurrency(path: FaultPath): number {
    return this.peakInFlight.get(path) ?? 0;
  }

  /** Requests in arrival order, optionally of one path. */
  requests(path?: FaultPath): RequestRecord[] {
    return this.requestLog.filter((record) => path === undefined || record.path === path);
  }

  /** Every access token issued since the last reset (revoked ones included). */
  issuedTokens(clientId?: string): string[] {
    return this.issued
      .filter((entry) => clientId === undefined || entry.clientId === clientId)
      .map((entry) => entry.token);
  }

  /** Forgets everything: apps, tokens, users, clips, faults, buckets, counters. */
  reset(): void {
    this.apps.clear();
    this.tokens.clear();
    this.users.clear();
    this.clips.clear();
    this.clipsById.clear();
    this.streamWindows.clear();
    this.liveSchedules.clear();
    this.buckets.clear();
    this.clientStats.clear();
    this.requestLog.length = 0;
    this.issued.length = 0;
    this.faults = [];
    this.failingBroadcasters.clear();
    this.releaseHung();
  }

  async close(): Promise<void> {
    this.releaseHung();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- HTTP ------------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const path = helixPath(url.pathname);
    if (path) this.countInFlight(path, response);
    if (this.latencyMs > 0) await sleep(this.latencyMs);

    if (url.pathname === '/oauth2/token') {
      await this.handleToken(request, response, url);
      return;
    }
    const resource = helixPath(url.pathname) as 'clips' | 'users' | 'streams' | undefined;
    if (!resource) {
      this.sendJson(response, 404, { error: 'Not Found', status: 404, message: '' });
      return;
    }
    this.handleHelix(request, response, url, resource);
  }

  private async handleToken(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<void> {
    if (request.method !== 'POST') {
      this.sendJson(response, 404, { status: 404, message: 'Not Found' });
      return;
    }
    // Twitch takes the parameters in the query string or a form body; accept both.
    const body = await readBody(request);
    const form = new URLSearchParams(body);
    const param = (name: string) => url.searchParams.get(name) ?? form.get(name);
    const clientId = param('client_id') ?? '';
    const stats = this.statsFor(clientId || 'unknown');
    stats.tokenRequests += 1;
    response.once('finish', () => this.record('token', clientId, response.statusCode));

    if (this.applyFault(response, 'token', clientId, stats)) return;

    if (param('grant_type') !== 'client_credentials') {
      this.sendJson(response, 400, { status: 400, message: 'unsupported grant type' });
      return;
    }
    const secret = this.apps.get(clientId);
    if (secret === undefined) {
      this.sendJson(response, 400, { status: 400, message: 'invalid client' });
      return;
    }
    if (param('client_secret') !== secret) {
      this.sendJson(response, 403, { status: 403, message: 'invalid client secret' });
      return;
    }
    const accessToken = randomBytes(15).toString('hex');
    this.tokens.set(accessToken, {
      clientId,
      expiresAt: Date.now() + this.tokenTtlSeconds * 1000,
    });
    stats.tokensIssued += 1;
    this.issued.push({ clientId, token: accessToken });
    this.sendJson(response, 200, {
      access_token: accessToken,
      expires_in: this.tokenTtlSeconds,
      token_type: 'bearer',
    });
  }

  private handleHelix(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    resource: 'clips' | 'users' | 'streams',
  ): void {
    const clientId = headerValue(request, 'client-id');
    const stats = this.statsFor(clientId ?? 'unknown');
    stats.helixRequests += 1;
    const broadcasterId =
      resource === 'clips' ? (url.searchParams.get('broadcaster_id') ?? undefined) : undefined;
    response.once('finish', () =>
      this.record(resource, clientId ?? '', response.statusCode, broadcasterId),
    );

    if (this.applyFault(response, resource, clientId ?? '', stats)) return;
    const failing = broadcasterId ? this.failingBroadcasters.get(broadcasterId) : undefined;
    if (failing !== undefined) {
      stats.faultsInjected += 1;
      this.sendJson(response, failing, {
        error: STATUS_CODES[failing] ?? 'Error',
        status: failing,
        message: '',
      });
      return;
    }

    const problem = this.authProblem(clientId, headerValue(request, 'authorization'));
    if (problem) {
      stats.unauthorized += 1;
      this.sendJson(response, 401, { error: 'Unauthorized', status: 401, message: problem });
      return;
    }
    const owner = clientId!;
    const now = Date.now();
    const bucket = this.bucketFor(owner, now);
    if (bucket && !bucket.take(now)) {
      stats.rateLimited += 1;
      stats.rateLimitedByBucket += 1;
      this.sendJson(
        response,
        429,
        { error: 'Too Many Requests', status: 429, message: 'Too Many Requests' },
        this.rateHeaders(bucket, now),
      );
      return;
    }
    stats.pointsUsed += 1;
    const headers = this.rateHeaders(bucket, now);
    try {
      const body =
        resource === 'clips'
          ? this.getClips(url.searchParams, now)
          : resource === 'streams'
            ? this.getStreams(url.searchParams, now)
            : this.getUsers(url.searchParams);
      this.sendJson(response, 200, body, headers);
    } catch (error) {
      if (!(error instanceof HelixHttpError)) throw error;
      this.sendJson(
        response,
        error.status,
        {
          error: STATUS_CODES[error.status] ?? 'Error',
          status: error.status,
          message: error.message,
        },
        headers,
      );
    }
  }

  private authProblem(
    clientId: string | undefined,
    authorization: string | undefined,
  ): string | undefined {
    if (!clientId) return 'Client ID is missing';
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const token = match ? this.tokens.get(match[1]) : undefined;
    if (!token || token.expiresAt <= Date.now()) return 'Invalid OAuth token';
    if (token.clientId !== clientId) return 'Client ID and OAuth token do not match';
    if (!this.apps.has(clientId)) return 'Invalid OAuth token';
    return undefined;
  }

  private getClips(
    params: URLSearchParams,
    now: number,
  ): { data: HelixClip[]; pagination: { cursor?: string } } {
    // An empty value counts as missing, as on Twitch.
    const present = (name: string) => params.getAll(name).filter((value) => value !== '');
    const broadcasterIds = present('broadcaster_id');
    const gameIds = present('game_id');
    const clipIds = present('id');
    const selectors = [broadcasterIds, gameIds, clipIds].filter((values) => values.length > 0);
    if (selectors.length !== 1) {
      throw new HelixHttpError(
        400,
        'Exactly one of broadcaster_id, game_id or id must be provided',
      );
    }
    if (broadcasterIds.length > 1 || gameIds.length > 1) {
      throw new HelixHttpError(400, 'Only one broadcaster_id or game_id may be provided');
    }
    if (clipIds.length > 100)
      throw new HelixHttpError(400, 'The maximum number of id values is 100');

    const first = parseFirst(params.get('first'));
    const startedAt = parseTime(params.get('started_at'), 'started_at');
    let endedAt = parseTime(params.get('ended_at'), 'ended_at');
    // Twitch: with only a start, the window is one week long.
    if (startedAt !== undefined && endedAt === undefined) endedAt = startedAt + ONE_WEEK_MS;
    if (startedAt !== undefined && endedAt !== undefined && endedAt < startedAt) {
      throw new HelixHttpError(400, 'The ended_at parameter must be later than started_at');
    }
    const after = params.get('after');
    let offset = 0;
    if (after) {
      const decoded = decodeCursor(after);
      if (decoded === undefined)
        throw new HelixHttpError(400, 'The parameter "after" is malformed');
      offset = decoded;
    }

    let candidates: StoredClip[];
    if (broadcasterIds.length === 1) {
      candidates = this.clips.get(broadcasterIds[0]) ?? [];
    } else if (gameIds.length === 1) {
      candidates = [...this.clipsById.values()].filter(
        (stored) => stored.clip.game_id === gameIds[0],
      );
    } else {
      candidates = clipIds
        .map((id) => this.clipsById.get(id))
        .filter((stored): stored is StoredClip => stored !== undefined);
    }
    const matching = candidates
      .filter(
        (stored) =>
          stored.visibleAfterMs <= now &&
          (startedAt === undefined || stored.createdAtMs >= startedAt) &&
          (endedAt === undefined || stored.createdAtMs <= endedAt),
      )
      .sort((a, b) => b.clip.view_count - a.clip.view_count || a.seq - b.seq);

    const page = matching.slice(offset, offset + first);
    const more = offset + first < matching.length;
    const full = page.length === first;
    const cursor =
      more || (full && this.cursorOnFullPage) ? encodeCursor(offset + first) : undefined;
    return {
      data: page.map((stored) => ({ ...stored.clip })),
      pagination: cursor ? { cursor } : {},
    };
  }

  /**
   * Helix Get Streams: `user_id` / `user_login` (100 together at most), `game_id`, `type`
   * (`all` default, or `live`), `language`, `first` (1–100, default 20), `after` cursor. Live
   * streams only (Twitch lists nothing else), by viewer count, highest first.
   */
  private getStreams(
    params: URLSearchParams,
    now: number,
  ): { data: HelixStream[]; pagination: { cursor?: string } } {
    const present = (name: string) => params.getAll(name).filter((value) => value !== '');
    const userIds = present('user_id');
    const logins = present('user_login').map((login) => login.toLowerCase());
    if (userIds.length + logins.length > 100) {
      throw new HelixHttpError(400, 'The maximum number of user_id and user_login values is 100');
    }
    const type = params.get('type') ?? 'all';
    if (type !== 'all' && type !== 'live') {
      throw new HelixHttpError(400, 'The parameter "type" must be "all" or "live"');
    }
    const first = parseFirst(params.get('first'));
    const after = params.get('after');
    let offset = 0;
    if (after) {
      const decoded = decodeCursor(after);
      if (decoded === undefined)
        throw new HelixHttpError(400, 'The parameter "after" is malformed');
      offset = decoded;
    }
    const gameIds = present('game_id');
    const languages = present('language');
    let candidates: string[];
    if (userIds.length + logins.length > 0) {
      const byLogin = [...this.users.values()]
        .filter((user) => logins.includes(user.login))
        .map((user) => user.id);
      candidates = [...new Set([...userIds, ...byLogin])];
    } else {
      candidates = [...new Set([...this.streamWindows.keys(), ...this.liveSchedules.keys()])];
    }
    const live = candidates
      .map((id) => this.liveStream(id, now))
      .filter((stream): stream is HelixStream => stream !== undefined)
      .filter((stream) => gameIds.length === 0 || gameIds.includes(stream.game_id))
      .filter((stream) => languages.length === 0 || languages.includes(stream.language))
      .sort((a, b) => b.viewer_count - a.viewer_count || a.user_id.localeCompare(b.user_id));
    const page = live.slice(offset, offset + first);
    const more = offset + first < live.length;
    const cursor =
      more || (page.length === first && this.cursorOnFullPage)
        ? encodeCursor(offset + first)
        : undefined;
    return { data: page, pagination: cursor ? { cursor } : {} };
  }

  private getUsers(params: URLSearchParams): { data: HelixUser[] } {
    const ids = params.getAll('id');
    const logins = params.getAll('login').map((login) => login.toLowerCase());
    if (ids.length + logins.length === 0) {
      throw new HelixHttpError(400, 'Must provide an ID, Login or OAuth Token');
    }
    if (ids.length + logins.length > 100) {
      throw new HelixHttpError(400, 'The maximum number of id and login values is 100');
    }
    const found = new Map<string, HelixUser>();
    for (const id of ids) {
      const user = this.users.get(id);
      if (user) found.set(user.id, user);
    }
    for (const user of this.users.values()) {
      if (logins.includes(user.login)) found.set(user.id, user);
    }
    return { data: [...found.values()].map((user) => ({ ...user })) };
  }

  /** Consumes the first queued fault matching this request; true when it answered (or hung). */
  private applyFault(
    response: ServerResponse,
    path: FaultPath,
    clientId: string,
    stats: ClientStats,
  ): boolean {
    const fault = this.faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.path === undefined || candidate.path === path) &&
        (candidate.clientId === undefined || candidate.clientId === clientId),
    );
    if (!fault) return false;
    fault.remaining -= 1;
    this.faults = this.faults.filter((candidate) => candidate.remaining > 0);
    stats.faultsInjected += 1;

    if (fault.kind === 'hang') {
      this.hung.add(response);
      this.record(path, clientId, 0);
      response.on('close', () => this.hung.delete(response));
      return true;
    }
    if (fault.status === 429) {
      stats.rateLimited += 1;
      const now = Date.now();
      const limit = this.rateLimit?.points ?? UNLIMITED_POINTS;
      this.sendJson(
        response,
        429,
        { error: 'Too Many Requests', status: 429, message: 'Too Many Requests' },
        {
          'Ratelimit-Limit': String(limit),
          'Ratelimit-Remaining': '0',
          'Ratelimit-Reset': String(Math.ceil((now + fault.resetInMs) / 1000)),
        },
      );
      return true;
    }
    this.sendJson(response, fault.status, {
      error: STATUS_CODES[fault.status] ?? 'Error',
      status: fault.status,
      message: '',
    });
    return true;
  }

  private countInFlight(path: FaultPath, response: ServerResponse): void {
    const now = (this.inFlight.get(path) ?? 0) + 1;
    this.inFlight.set(path, now);
    this.peakInFlight.set(path, Math.max(this.peakInFlight.get(path) ?? 0, now));
    response.once('close', () => this.inFlight.set(path, (this.inFlight.get(path) ?? 1) - 1));
  }

  private bucketFor(clientId: string, now: number): TokenBucket | undefined {
    if (!this.rateLimit) return undefined;
    let bucket = this.buckets.get(clientId);
    if (!bucket) {
      bucket = new TokenBucket(this.rateLimit.points, this.rateLimit.windowMs, now);
      this.buckets.set(clientId, bucket);
    }
    return bucket;
  }

  private rateHeaders(bucket: TokenBucket | undefined, now: number): Record<string, string> {
    if (!bucket) {
      return {
        'Ratelimit-Limit': String(UNLIMITED_POINTS),
        'Ratelimit-Remaining': String(UNLIMITED_POINTS - 1),
        'Ratelimit-Reset': String(Math.ceil(now / 1000)),
      };
    }
    const { limit, remaining, reset } = bucket.headers(now);
    return {
      'Ratelimit-Limit': String(limit),
      'Ratelimit-Remaining': String(remaining),
      'Ratelimit-Reset': String(reset),
    };
  }

  private statsFor(clientId: string): ClientStats {
    let stats = this.clientStats.get(clientId);
    if (!stats) {
      stats = emptyStats();
      this.clientStats.set(clientId, stats);
    }
    return stats;
  }

  private record(path: FaultPath, clientId: string, status: number, broadcasterId?: string): void {
    this.requestLog.push({ at: Date.now(), path, clientId, status, broadcasterId });
    if (this.requestLog.length > this.requestLogLimit) this.requestLog.shift();
  }

  private sendJson(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const payload = JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(payload),
      ...headers,
    });
    response.end(payload);
  }

  private releaseHung(): void {
    for (const response of this.hung) response.destroy();
    this.hung.clear();
  }
}

function helixPath(pathname: string): FaultPath | undefined {
  return /^\/helix\/(clips|users|streams)\/?$/.exec(pathname)?.[1] as FaultPath | undefined;
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseFirst(value: string | null): number {
  if (value === null) return 20;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100) {
    throw new HelixHttpError(400, 'The parameter "first" must be an integer from 1 to 100');
  }
  return Number(value);
}

function parseTime(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  const parsed = Date.parse(value);
  if (!RFC3339.test(value) || !Number.isFinite(parsed)) {
    throw new HelixHttpError(400, `The parameter "${name}" must be an RFC3339 timestamp`);
  }
  return parsed;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
