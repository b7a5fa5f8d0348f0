import type { LookupFunction } from 'node:net';
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { PinnedTarget } from './destination-guard';

export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PATCH';
  headers: Record<string, string>;
  body?: string;
}

export interface OutboundAnswer {
  status: number;
  header(name: string): string | null;
  body: string;
}

/** The exchange failed before a whole answer: `reason` is a stable code, no URL in it. */
export class OutboundFailure extends Error {
  constructor(readonly reason: 'timeout' | 'network_error' | 'answer_too_large') {
    super(reason);
    this.name = 'OutboundFailure';
  }
}

/** Answers are small JSON documents; anything bigger is cut off rather than buffered. */
const MAX_ANSWER_BYTES = 256 * 1024;

/**
 * HTTP for notifications: node:http(s) connecting to the address the DestinationGuard checked
 * (its `lookup` hands back that address, so the name is never resolved again between the check
 * and the connection), TLS still verified against the URL's host name, one timeout over the
 * whole exchange, and no redirect ever followed (node:http does not follow them; the senders
 * treat a 3xx as a refusal).
 *
 * Kept-alive sockets are reused only for the same host and port, and each was opened to an
 * address that passed the guard.
 */
export class PinnedHttp {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly timeoutMs: number) {}

  send(target: PinnedTarget, request: OutboundRequest): Promise<OutboundAnswer> {
    const secure = target.url.protocol === 'https:';
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, all: Array<{ address: string; family: number }>) => void)(
          null,
          [{ address: target.address, family: target.family }],
        );
      } else {
        callback(null, target.address, target.family);
      }
    };
    return new Promise<OutboundAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const req = (secure ? httpsRequest : httpRequest)(
        target.url,
        {
          method: request.method,
          headers:
            request.body === undefined
              ? request.headers
              : { ...request.headers, 'Content-Length': Buffer.byteLength(request.body) },
          agent: secure ? this.httpsAgent : this.httpAgent,
          lookup: pinned,
        },
        (res) => readAnswer(res, (answer) => finish(answer)),
      );
      const timer = setTimeout(() => {
        finish(() => reject(new OutboundFailure('timeout')));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', () => finish(() => reject(new OutboundFailure('network_error'))));

      function readAnswer(res: IncomingMessage, done: (outcome: () => void) => void): void {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            done(() => reject(new OutboundFailure('answer_too_large')));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', () => done(() => reject(new OutboundFailure('network_error'))));
        res.on('close', () => {
          if (!res.complete) done(() => reject(new OutboundFailure('network_error')));
        });
        res.on('end', () =>
          done(() =>
            resolve({
              status: res.statusCode ?? 0,
              header: (name) => {
                const value = res.headers[name.toLowerCase()];
                if (value === undefined) return null;
                return Array.isArray(value) ? value.join(', ') : value;
              },
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          ),
        );
      }
      req.end(request.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
