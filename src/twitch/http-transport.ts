import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { HeaderSource } from './rate-limit-headers';

export interface HttpAnswer {
  status: number;
  headers: HeaderSource;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** The whole exchange, body included, took longer than the transport's timeout. */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`timeout after ${timeoutMs} ms`);
  }
}

/**
 * HTTP for the Twitch client: node:http(s) over keep-alive connections, each exchange bounded by
 * one timeout that covers the body too (a server that sends headers and then stalls is cut off).
 *
 * Not `fetch`: a sync cycle sends one request per streamer from a CPU-bound worker, and on this
 * machine fetch costs two to three times the CPU per request of node:http (npm run bench:http).
 */
export class HttpTransport {
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  constructor(private readonly timeoutMs: number) {}

  send(url: string, request: HttpRequest): Promise<HttpAnswer> {
    return this.exchange(url, request, true);
  }

  private exchange(url: string, request: HttpRequest, mayResend: boolean): Promise<HttpAnswer> {
    const secure = url.startsWith('https:');
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      let answered = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const fail = (error: Error) => finish(() => reject(error));

      const req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: request.method,
          headers: request.body
            ? { ...request.headers, 'Content-Length': Buffer.byteLength(request.body) }
            : request.headers,
          agent: secure ? this.httpsAgent : this.httpAgent,
        },
        (res) => {
          answered = true;
          readAnswer(res, fail, (answer) => finish(() => resolve(answer)));
        },
      );
      // Declared after the callbacks that clear it: none of them can run before this line.
      const timer = setTimeout(() => {
        fail(new HttpTimeoutError(this.timeoutMs));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (error) => {
        // A kept-alive connection that the server closed while it sat idle fails on its first
        // reuse, before any answer; Node's documented remedy is to send once more.
        if (mayResend && req.reusedSocket && !answered && !settled) {
          finish(() => resolve(this.exchange(url, request, false)));
        } else {
          fail(error);
        }
      });
      req.end(request.body);
    });
  }

  /** Closes the kept-alive connections (shutdown). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function readAnswer(
  res: IncomingMessage,
  fail: (error: Error) => void,
  done: (answer: HttpAnswer) => void,
): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', fail);
  // A connection lost mid-body closes the stream without 'end'.
  res.on('close', () => {
    if (!res.complete) fail(Object.assign(new Error('connection lost'), { code: 'ECONNRESET' }));
  });
  res.on('end', () =>
    done({
      status: res.statusCode ?? 0,
      headers: { get: (name) => single(res.headers[name.toLowerCase()]) },
      body: Buffer.concat(chunks).toString('utf8'),
    }),
  );
}

function single(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
