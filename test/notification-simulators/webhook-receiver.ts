import { createHmac, timingSafeEqual } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { json, LoopbackServer } from './http-server';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
  at: number;
}

/** How the receiver answers the next requests. */
export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'fail'; status: number }
  | { kind: 'rate_limit'; retryAfterSeconds: number; times: number }
  | { kind: 'redirect'; location: string }
  /** Reads the request, records it, and never answers (a sender killed mid-send). */
  | { kind: 'hang' };

/**
 * A loopback webhook destination that records every request it gets (headers, raw body, time)
 * and can be told to fail, to answer 429 with Retry-After, to redirect, to hang, or to go down
 * (stop listening) and come back on the same port. Used by e2e tests, fault tests, the benchmark and
 * the demo.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  private mode: ReceiverMode = { kind: 'ok' };
  private readonly server = new LoopbackServer((req, body, res) => {
    let status = 200;
    const headers: Record<string, string> = {};
    const mode = this.mode;
    if (mode.kind === 'hang') {
      const at = Date.now();
      this.received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        status: 0,
        at,
      });
      return;
    }
    if (mode.kind === 'fail') status = mode.status;
    else if (mode.kind === 'rate_limit' && mode.times > 0) {
      mode.times--;
      status = 429;
      headers['Retry-After'] = String(mode.retryAfterSeconds);
      if (mode.times === 0) this.mode = { kind: 'ok' };
    } else if (mode.kind === 'redirect') {
      status = 302;
      headers.Location = mode.location;
    }
    this.received.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      status,
      at: Date.now(),
    });
    json(res, status, status === 200 ? { received: true } : { error: 'no' }, headers);
  });

  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await receiver.server.start(port);
    return receiver;
  }

  /** A URL on this receiver (each user may get a path of its own). */
  url(path = '/hook'): string {
    return `${this.server.baseUrl}${path}`;
  }

  get port(): number {
    return this.server.port;
  }

  setMode(mode: ReceiverMode): void {
    this.mode = mode;
  }

  /** Stops listening (connections refused), as a receiver that went down. */
  down(): Promise<void> {
    return this.server.stop();
  }

  /** Listens again on the same port. */
  up(): Promise<void> {
    return this.server.start(this.server.port);
  }

  /** Requests answered 2xx, by Idempotency-Key. */
  deliveredKeys(): string[] {
    return this.received
      .filter((request) => request.status >= 200 && request.status < 300)
      .map((request) => String(request.headers['idempotency-key']));
  }

  close(): Promise<void> {
    return this.server.stop();
  }
}

/**
 * Verifies `X-Clipador-Signature: t=<unix>,v1=<hex>` as the README tells receivers to: HMAC-SHA256
 * of "<t>.<raw body>" with the secret, compared in constant time, `t` within the tolerance.
 */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const parts = Object.fromEntries(
    (header ?? '').split(',').map((part) => part.split('=', 2) as [string, string]),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
