import { randomBytes } from 'node:crypto';
import { ServerResponse } from 'node:http';
import { json, LoopbackServer } from './http-server';

export interface DiscordMessage {
  id: string;
  webhook_id: string;
  content: string;
  embeds: unknown[];
  /** Each body the message had (PATCH appends). */
  versions: Array<{ content: string; embeds: unknown[] }>;
}

export interface DiscordCall {
  method: string;
  path: string;
  query: string;
  status: number;
  at: number;
}

/**
 * Loopback Discord webhooks: `POST /api/webhooks/<id>/<token>` (execute; `?wait=true` answers
 * the message, else 204), `PATCH …/messages/<message id>` (edit), Discord's error bodies
 * (`{message, code}`: 10015 Unknown Webhook, 10008 Unknown Message, 50006 empty message) and
 * its rate limit: 5 requests per 2 s per webhook, beyond which 429 with
 * `{message, retry_after (seconds), global}` and Retry-After, as Discord answers; more 429s on
 * demand.
 */
export class DiscordSimulator {
  readonly calls: DiscordCall[] = [];
  readonly messages: DiscordMessage[] = [];
  private readonly webhooks = new Map<string, string>();
  private readonly recent = new Map<string, number[]>();
  private forced = { times: 0, retryAfter: 0.5 };
  private nextId = 1_100_000_000_000_000_000n;
  private readonly server = new LoopbackServer((req, body, res) =>
    this.handle(req.method ?? 'GET', req.url ?? '', body, res),
  );

  static async start(): Promise<DiscordSimulator> {
    const sim = new DiscordSimulator();
    await sim.server.start();
    return sim;
  }

  /** CLIPADOR_DISCORD_API_URL. */
  get apiUrl(): string {
    return `${this.server.baseUrl}/api`;
  }

  /** A new webhook; its execute URL, as Discord shows it to the user. */
  createWebhook(): string {
    const id = String(this.nextId++);
    const token = randomBytes(24).toString('base64url');
    this.webhooks.set(id, token);
    return `${this.apiUrl}/webhooks/${id}/${token}`;
  }

  rateLimitNext(times: number, retryAfterSeconds: number): void {
    this.forced = { times, retryAfter: retryAfterSeconds };
  }

  messagesOf(webhookUrl: string): DiscordMessage[] {
    const id = webhookUrl.split('/webhooks/')[1]?.split('/')[0];
    return this.messages.filter((message) => message.webhook_id === id);
  }

  close(): Promise<void> {
    return this.server.stop();
  }

  private handle(method: string, url: string, body: string, res: ServerResponse): void {
    const [path, query = ''] = url.split('?');
    const call: DiscordCall = { method, path, query, status: 0, at: Date.now() };
    this.calls.push(call);
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      if (status === 204) {
        res.writeHead(204, headers);
        res.end();
      } else json(res, status, payload, headers);
    };
    const match = path.match(/^\/api\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(\d+))?$/);
    if (!match) return answer(404, { message: '404: Not Found', code: 0 });
    const [, id, token, messageId] = match;
    if (this.webhooks.get(id) !== token) {
      return answer(404, { message: 'Unknown Webhook', code: 10015 });
    }
    const limited = this.limit(id);
    if (limited !== undefined) {
      return answer(
        429,
        { message: 'You are being rate limited.', retry_after: limited, global: false },
        { 'Retry-After': String(Math.ceil(limited)), 'X-RateLimit-Scope': 'shared' },
      );
    }
    let parsed: { content?: unknown; embeds?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return answer(400, { message: 'Cannot send an empty message', code: 50006 });
    }
    const content = typeof parsed.content === 'string' ? parsed.content : '';
    const embeds = Array.isArray(parsed.embeds) ? parsed.embeds : [];
    if (!content && embeds.length === 0) {
      return answer(400, { message: 'Cannot send an empty message', code: 50006 });
    }
    if (method === 'POST' && !messageId) {
      const message: DiscordMessage = {
        id: String(this.nextId++),
        webhook_id: id,
        content,
        embeds,
        versions: [{ content, embeds }],
      };
      this.messages.push(message);
      if (!/(^|&)wait=true(&|$)/.test(query)) return answer(204);
      return answer(200, { ...message, versions: undefined, type: 0, channel_id: '1' });
    }
    if (method === 'PATCH' && messageId) {
      const message = this.messages.find((m) => m.id === messageId && m.webhook_id === id);
      if (!message) return answer(404, { message: 'Unknown Message', code: 10008 });
      message.content = content;
      message.embeds = embeds;
      message.versions.push({ content, embeds });
      return answer(200, { ...message, versions: undefined, type: 0, channel_id: '1' });
    }
    return answer(405, { message: '405: Method Not Allowed', code: 0 });
  }

  /** Seconds to wait when this request is over the limit, else undefined. */
  private limit(webhookId: string): number | undefined {
    if (this.forced.times > 0) {
      this.forced.times--;
      return this.forced.retryAfter;
    }
    const now = Date.now();
    const times = (this.recent.get(webhookId) ?? []).filter((at) => now - at < 2000);
    if (times.length >= 5) {
      this.recent.set(webhookId, times);
      return Math.max(0.001, (2000 - (now - times[0])) / 1000);
    }
    times.push(now);
    this.recent.set(webhookId, times);
    return undefined;
  }
}
