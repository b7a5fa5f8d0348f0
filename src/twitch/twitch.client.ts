import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { TwitchSection } from '../config/configuration';
import {
  GetClipsQuery,
  GetUsersQuery,
  HelixClip,
  HelixPage,
  HelixStream,
  HelixUser,
  LiveCheck,
  TwitchCredentials,
} from './helix.types';
import {
  credentialLabel,
  twitchPointsRemaining,
  twitchRequests,
} from '../metrics/metrics.registry';
import { HttpAnswer, HttpTimeoutError, HttpTransport } from './http-transport';
import { BudgetTicket, RateBudget } from './rate-budget';
import { parseRateLimitHeaders, RateLimitReport } from './rate-limit-headers';
import { AttemptResult, classifyAnswer, Endpoint } from './twitch-answers';
import { IssuedToken, TwitchTokenCache } from './twitch-token.cache';
import {
  TwitchCredentialsError,
  TwitchRateLimitedError,
  TwitchRequestError,
  TwitchUnavailableError,
} from './twitch.errors';

export const TWITCH_CLIENT_OPTIONS = Symbol('TWITCH_CLIENT_OPTIONS');

export interface TwitchClientOptions {
  apiUrl: string;
  authUrl: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  maxRateWaitMs: number;
}

export function twitchClientOptions(section: TwitchSection): TwitchClientOptions {
  return {
    apiUrl: section.apiUrl,
    authUrl: section.authUrl,
    timeoutMs: section.timeoutMs,
    maxRetries: section.maxRetries,
    retryBaseMs: section.retryBaseMs,
    maxRateWaitMs: section.maxRateWaitMs,
  };
}

/** Helix's page size ceiling for Get Clips and the id/login ceiling for Get Users. */
const PAGE_SIZE = 100;
/** A broadcaster with more than 100 pages in one sync window means a loop, not a real answer. */
const MAX_PAGES = 100;
const MAX_BACKOFF_MS = 30_000;
/** 100 ids can be live at most 100 times: a second page is already odd, a third a loop. */
const MAX_STREAM_PAGES = 3;
/** 429s for one request before giving up; each is followed by a wait for Ratelimit-Reset. */
const MAX_REJECTIONS = 10;
/** Twitch's own messages are short; anything longer is not worth carrying in an error. */
const MAX_MESSAGE_LENGTH = 200;

/** One request as the retry loop sees it; `attempt` sends once (a network error is returned). */
interface Exchange<T> {
  endpoint: Endpoint;
  clientId: string;
  /** For logs and errors: `GET /clips`, `POST /token`. */
  what: string;
  attempt(): Promise<{ answer?: HttpAnswer; report?: RateLimitReport; error?: unknown }>;
  /** The 2xx body as the caller wants it, undefined when malformed. */
  parse(body: string): T | undefined;
  /** Drops the token the last attempt used (Helix only). */
  renewToken?(): void;
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** Why an attempt failed, as a job handler or operator needs it: no message text, no URL. */
function describeFailure(error: unknown): string {
  if (error instanceof HttpTimeoutError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return `network error ${code}`;
  return `network error ${error instanceof Error ? error.name : 'unknown'}`;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function isHelixPage<T>(value: unknown): value is HelixPage<T> {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { data?: unknown }).data)
  );
}

/** Twitch's error bodies are `{error, status, message}`; keep the message, bounded. */
function twitchMessage(body: string): string {
  const parsed = parseJson(body);
  if (parsed && typeof parsed === 'object' && 'message' in parsed) {
    const message: unknown = parsed.message;
    if (typeof message === 'string') return message.slice(0, MAX_MESSAGE_LENGTH);
  }
  return '';
}

/**
 * Twitch's Helix API, as the rest of Clipador needs it: clips of a broadcaster in a time window,
 * users by id or login. Knows Helix, not our tables.
 *
 * Per request: an app token for the credentials (cached; renewed once on 401), one point of the
 * client id's rate budget reserved before sending (shared across processes when Redis is set),
 * a timeout, bounded retries with backoff on 5xx/network/timeouts, and 429s waited out.
 * Errors are the TwitchError subclasses in twitch.errors.ts.
 */
@Injectable()
export class TwitchClient implements OnApplicationShutdown {
  private readonly logger = new Logger(TwitchClient.name);
  private readonly tokens: TwitchTokenCache;
  private readonly warnedNoHeaders = new Set<string>();
  private readonly http: HttpTransport;

  constructor(
    @Inject(TWITCH_CLIENT_OPTIONS) private readonly options: TwitchClientOptions,
    private readonly budget: RateBudget,
  ) {
    this.tokens = new TwitchTokenCache((credentials) => this.requestToken(credentials));
    this.http = new HttpTransport(options.timeoutMs);
  }

  /** After the jobs have drained (beforeApplicationShutdown), like the database and Redis. */
  onApplicationShutdown(): void {
    this.http.close();
  }

  /**
   * Every clip of `broadcasterId` created in [startedAt, endedAt], across all pages, each once.
   * Pages are ordered by view count, which can change between pages; a clip seen twice is kept
   * once so that the caller's single-statement upsert never touches a row twice.
   */
  async getClips(credentials: TwitchCredentials, query: GetClipsQuery): Promise<HelixClip[]> {
    const endedAt = query.endedAt ?? new Date();
    const clips = new Map<string, HelixClip>();
    const cursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      const params = new URLSearchParams({
        broadcaster_id: query.broadcasterId,
        started_at: query.startedAt.toISOString(),
        ended_at: endedAt.toISOString(),
        first: String(PAGE_SIZE),
      });
      if (cursor) params.set('after', cursor);
      const result = await this.helixGet<HelixClip>(credentials, 'clips', params);
      for (const clip of result.data) if (!clips.has(clip.id)) clips.set(clip.id, clip);

      const next = result.pagination?.cursor;
      // Twitch may hand out a cursor on a full last page; the next page is then empty.
      if (result.data.length === 0 || !next) break;
      if (cursors.has(next) || page >= MAX_PAGES) {
        this.logger.warn(
          { clientId: credentials.clientId, broadcasterId: query.broadcasterId, page },
          'twitch_pagination_stopped',
        );
        break;
      }
      cursors.add(next);
      cursor = next;
    }
    return [...clips.values()];
  }

  /**
   * Which of `userIds` are live (`GET /streams?type=live&first=100`, at most 100 `user_id`s a
   * request, following cursors), each request one point of the shared budget. A request that
   * fails (after its retries) or a chain of pages that stops early leaves its ids `unknown`, and
   * the others are still checked: a failed or partial answer must never read as "offline".
   */
  async getStreams(credentials: TwitchCredentials, userIds: readonly string[]): Promise<LiveCheck> {
    const result: LiveCheck = { checked: [], streams: [], unknown: [], requests: 0 };
    for (let start = 0; start < userIds.length; start += PAGE_SIZE) {
      const ids = userIds.slice(start, start + PAGE_SIZE);
      const streams: HelixStream[] = [];
      const cursors = new Set<string>();
      let cursor: string | undefined;
      let complete = false;
      try {
        for (let page = 1; page <= MAX_STREAM_PAGES; page++) {
          const params = new URLSearchParams(ids.map((id) => ['user_id', id]));
          params.set('type', 'live');
          params.set('first', String(PAGE_SIZE));
          if (cursor) params.set('after', cursor);
          result.requests += 1;
          const answer = await this.helixGet<HelixStream>(credentials, 'streams', params);
          streams.push(...answer.data);
          const next = answer.pagination?.cursor;
          if (answer.data.length === 0 || !next) {
            complete = true;
            break;
          }
          if (cursors.has(next)) break;
          cursors.add(next);
          cursor = next;
        }
      } catch (error) {
        result.failure = error instanceof Error ? error.message : 'unknown error';
      }
      if (complete) {
        const asked = new Set(ids);
        const seen = new Set<string>();
        for (const stream of streams) {
          if (asked.has(stream.user_id) && stream.type === 'live' && !seen.has(stream.user_id)) {
            seen.add(stream.user_id);
            result.streams.push(stream);
          }
        }
        result.checked.push(...ids);
      } else {
        result.unknown.push(...ids);
        this.logger.warn(
          { clientId: credentials.clientId, ids: ids.length, err: result.failure },
          'twitch_live_check_incomplete',
        );
      }
    }
    return result;
  }

  /** Users by id and/or login, 100 per request (Twitch's ceiling). */
  async getUsers(credentials: TwitchCredentials, query: GetUsersQuery): Promise<HelixUser[]> {
    const wanted: [string, string][] = [
      ...(query.ids ?? []).map((id): [string, string] => ['id', id]),
      ...(query.logins ?? []).map((login): [string, string] => ['login', login]),
    ];
    const users: HelixUser[] = [];
    for (let start = 0; start < wanted.length; start += PAGE_SIZE) {
      const params = new URLSearchParams(wanted.slice(start, start + PAGE_SIZE));
      const result = await this.helixGet<HelixUser>(credentials, 'users', params);
      users.push(...result.data);
    }
    return users;
  }

  /** One Helix GET: an app token and a point of the budget per attempt, then the answer table. */
  private helixGet<T>(
    credentials: TwitchCredentials,
    resource: 'clips' | 'users' | 'streams',
    params: URLSearchParams,
  ): Promise<HelixPage<T>> {
    const { clientId } = credentials;
    const url = `${this.options.apiUrl}/${resource}?${params.toString()}`;
    // Budget waits and 429 waits together are bounded per request, not per attempt.
    const deadline = Date.now() + this.options.maxRateWaitMs;
    let token = '';
    return this.exchange<HelixPage<T>>({
      endpoint: 'helix',
      clientId,
      what: `GET /${resource}`,
      attempt: async () => {
        token = await this.tokens.get(credentials);
        const ticket = await this.budget.acquire(clientId, deadline);
        if (ticket.waitedMs > 0) {
          this.logger.debug({ clientId, waitedMs: ticket.waitedMs }, 'twitch_budget_waited');
        }
        const credential = credentialLabel(clientId);
        let answer: HttpAnswer;
        try {
          answer = await this.http.send(url, {
            method: 'GET',
            headers: {
              'Client-Id': clientId,
              Authorization: `Bearer ${token}`,
              Accept: 'application/json',
            },
          });
        } catch (error) {
          twitchRequests.inc({ credential, resource, status: '0' });
          await this.settle(ticket, undefined);
          return { error };
        }
        const report = parseRateLimitHeaders(answer.headers, answer.status);
        twitchRequests.inc({ credential, resource, status: String(answer.status) });
        if (report) twitchPointsRemaining.set({ credential }, report.remaining);
        await this.settle(ticket, report);
        if (answer.status >= 200 && answer.status < 300 && !report) {
          this.warnMissingHeaders(clientId);
        }
        return { answer, report };
      },
      parse: (body) => {
        const page = parseJson(body);
        return isHelixPage<T>(page) ? page : undefined;
      },
      renewToken: () => this.tokens.invalidate(credentials, token),
    });
  }

  /** The client-credentials grant. The secret goes in the form body, never in a URL. */
  private requestToken(credentials: TwitchCredentials): Promise<IssuedToken> {
    const { clientId } = credentials;
    return this.exchange<IssuedToken>({
      endpoint: 'token',
      clientId,
      what: 'POST /token',
      attempt: async () => {
        try {
          const answer = await this.http.send(`${this.options.authUrl}/token`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/x-www-form-urlencoded',
              Accept: 'application/json',
            },
            body: new URLSearchParams({
              client_id: clientId,
              client_secret: credentials.clientSecret,
              grant_type: 'client_credentials',
            }).toString(),
          });
          return { answer };
        } catch (error) {
          return { error };
        }
      },
      parse: (body) => {
        const token = parseJson(body) as Partial<Record<string, unknown>> | undefined;
        const accessToken = token?.access_token;
        const expiresIn = token?.expires_in;
        if (typeof accessToken !== 'string' || !accessToken || typeof expiresIn !== 'number') {
          return undefined;
        }
        this.logger.debug({ clientId }, 'twitch_token_issued');
        return { accessToken, expiresInSeconds: expiresIn };
      },
    });
  }

  /**
   * The one retry loop: sends attempts until the answer table (twitch-answers.ts) says ok or
   * gives up, within its bounds (maxRetries backoffs, one token renewal, MAX_REJECTIONS 429s).
   * Errors from before the send (no token, no budget in time) end the request as they are.
   */
  private async exchange<T>(request: Exchange<T>): Promise<T> {
    const { clientId, what } = request;
    let failures = 0;
    let rejections = 0;
    let renewed = false;
    for (;;) {
      const attempt = await request.attempt();
      const { answer } = attempt;
      const value = answer && isSuccess(answer.status) ? request.parse(answer.body) : undefined;
      const result: AttemptResult = answer
        ? { kind: 'answer', status: answer.status, bodyUsable: value !== undefined }
        : { kind: 'network' };
      const action = classifyAnswer(request.endpoint, result);
      const status = answer?.status ?? 0;

      if (action === 'ok') return value!;
      if (action === 'retry') {
        failures += 1;
        let failure = `status ${status}`;
        if (!answer) failure = describeFailure(attempt.error);
        else if (isSuccess(status)) failure = 'malformed answer';
        await this.backoffOrThrow(clientId, what, failures, failure);
        continue;
      }
      if (action === 'renew-token' && !renewed && request.renewToken) {
        renewed = true;
        request.renewToken();
        this.logger.log({ clientId, status }, 'twitch_token_renewed');
        continue;
      }
      if (action === 'wait-reset') {
        const { report } = attempt;
        rejections += 1;
        this.logger.warn(
          {
            clientId,
            status,
            attempt: rejections,
            resetAt: report ? new Date(report.resetAt).toISOString() : undefined,
          },
          'twitch_rate_limited',
        );
        if (rejections > MAX_REJECTIONS) {
          throw new TwitchRateLimitedError(clientId, report ? new Date(report.resetAt) : undefined);
        }
        // With headers, the budget now holds the next attempt until Ratelimit-Reset (+ jitter);
        // without them there is nothing to wait for, so back off as after an error.
        if (!report) await sleep(this.backoffDelay(rejections));
        continue;
      }
      if (action === 'give-up') {
        throw new TwitchRequestError(clientId, what, status, twitchMessage(answer?.body ?? ''));
      }
      // 'credentials-rejected', or a 401 after the one renewal.
      this.logger.warn({ clientId, status }, 'twitch_credentials_rejected');
      throw new TwitchCredentialsError(clientId, status);
    }
  }

  private async settle(ticket: BudgetTicket, report: RateLimitReport | undefined): Promise<void> {
    try {
      await this.budget.settle(ticket, report);
    } catch (error) {
      // The answer is in hand; an unsettled ticket only holds a point until it expires.
      this.logger.warn(
        { clientId: ticket.clientId, err: error instanceof Error ? error.message : 'unknown' },
        'twitch_budget_settle_failed',
      );
    }
  }

  private backoffDelay(attempt: number): number {
    const ceiling = Math.min(MAX_BACKOFF_MS, this.options.retryBaseMs * 2 ** (attempt - 1));
    // "Equal jitter": at least half the delay, so retries still spread out under load.
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async backoffOrThrow(
    clientId: string,
    what: string,
    failures: number,
    failure: string,
  ): Promise<void> {
    if (failures > this.options.maxRetries) {
      this.logger.warn({ clientId, what, attempts: failures, failure }, 'twitch_unavailable');
      throw new TwitchUnavailableError(clientId, what, failures, failure);
    }
    const delayMs = this.backoffDelay(failures);
    this.logger.warn({ clientId, what, attempt: failures, failure, delayMs }, 'twitch_retry');
    await sleep(delayMs);
  }

  private warnMissingHeaders(clientId: string): void {
    if (this.warnedNoHeaders.has(clientId)) return;
    this.warnedNoHeaders.add(clientId);
    // Without Ratelimit-* headers the budget never learns the bucket and sends one request at a
    // time (every request is a probe): safe, but slow.
    this.logger.warn({ clientId }, 'twitch_ratelimit_headers_missing');
  }
}
