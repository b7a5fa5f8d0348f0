import { request as httpRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** One SSE record as a browser's EventSource would see it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * A live-feed client for tests: the HTTP exchange with the raw stream parsed the way the SSE
 * spec says (fields per line, a blank line dispatches, `:` lines are comments).
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** The last `id:` seen, as EventSource keeps it (also from id-only records). */
  lastEventId: string | undefined;
  status = 0;
  headers: IncomingHttpHeaders = {};
  /** The body of a non-200 answer. */
  body = '';
  ended = false;
  private response: IncomingMessage | undefined;
  private request: ReturnType<typeof httpRequest> | undefined;
  private buffer = '';
  private pending: { id?: string; event?: string; data: string[] } = { data: [] };
  private readonly listeners = new Set<() => void>();

  /** Opens `GET <baseUrl><path>`; resolves once the answer's headers are in. */
  static open(
    baseUrl: string,
    options: { path?: string; headers?: Record<string, string> } = {},
  ): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        new URL(options.path ?? '/events', baseUrl),
        { headers: { accept: 'text/event-stream', ...options.headers } },
        (response) => {
          client.response = response;
          client.status = response.statusCode ?? 0;
          client.headers = response.headers;
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (client.status === 200) client.feed(chunk);
            else client.body += chunk;
            client.notify();
          });
          response.on('end', () => {
            client.ended = true;
            client.notify();
          });
          response.on('error', () => undefined);
          resolve(client);
        },
      );
      request.on('error', reject);
      request.end();
      client.request = request;
    });
  }

  /** Waits until `check` holds (checked at each chunk), or fails after `timeoutMs`. */
  waitFor(
    check: (client: SseClient) => boolean,
    timeoutMs = 10_000,
    what = 'condition',
  ): Promise<void> {
    if (check(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        if (!check(this)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `SSE: ${what} not met within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  /** The first event of this type (waiting for it). */
  async next(type: string, timeoutMs = 10_000, from = 0): Promise<SseEvent> {
    await this.waitFor(
      (client) => client.events.slice(from).some((event) => event.event === type),
      timeoutMs,
      `an event "${type}"`,
    );
    return this.events.slice(from).find((event) => event.event === type)!;
  }

  ofType(type: string): SseEvent[] {
    return this.events.filter((event) => event.event === type);
  }

  close(): void {
    this.request?.destroy();
    this.response?.destroy();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      const { id, event, data } = this.pending;
      this.pending = { data: [] };
      if (id !== undefined) this.lastEventId = id;
      if (data.length > 0)
        this.events.push({ id, event: event ?? 'message', data: data.join('\n') });
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') this.pending.id = value;
    else if (field === 'event') this.pending.event = value;
    else if (field === 'data') this.pending.data.push(value);
  }
}

/** Listens on an ephemeral loopback port (SSE needs a real socket); the base URL. */
export async function listenOnLoopback(app: {
  listen(port: number, host: string): Promise<unknown>;
  getUrl(): Promise<string>;
}): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

/** The streams a spec opens, to close after each test (an open stream holds its app's close). */
export class SseClients {
  private readonly clients: SseClient[] = [];

  async open(
    base: string,
    headers: Record<string, string> = {},
    path = '/events',
  ): Promise<SseClient> {
    const client = await SseClient.open(base, { headers, path });
    this.clients.push(client);
    return client;
  }

  closeAll(): void {
    for (const client of this.clients.splice(0)) client.close();
  }
}
