import { DestinationRefusedError } from '../http/destination-guard';
import { OutboundAnswer, OutboundFailure } from '../http/pinned-http';

/**
 * What one send came to. `reason` is a stable, short code (never a URL or a token): it is what
 * the outbox records in last_error and the metrics count.
 */
export type SendOutcome =
  | { kind: 'sent'; remoteMessageId?: string }
  /** 5xx, 408, a timeout or a lost connection: retried with backoff. */
  | { kind: 'retry'; reason: string }
  /** 429: sent again once the destination's wait is over (not counted as an attempt). */
  | { kind: 'rate_limited'; retryAfterMs: number; reason: string }
  /** Will not work by retrying: the SSRF guard, a redirect, another 4xx. */
  | { kind: 'refused'; reason: string };

/** When a 429 says nothing usable. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return clampWait(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : clampWait(at - now);
}

export function clampWait(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

/** The usual meaning of an HTTP status for a send; 2xx is the caller's (it reads the body). */
export function classifyStatus(answer: OutboundAnswer): SendOutcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: parseRetryAfter(answer.header('retry-after')) ?? DEFAULT_RETRY_AFTER_MS,
      reason: 'http_429',
    };
  }
  if (status >= 300 && status < 400) return { kind: 'refused', reason: 'redirect_refused' };
  if (status === 408 || status >= 500) return { kind: 'retry', reason: `http_${status}` };
  return { kind: 'refused', reason: `http_${status}` };
}

/** An exception from the guard or the transport, as an outcome. */
export function outcomeOfError(error: unknown): SendOutcome {
  if (error instanceof DestinationRefusedError) {
    return { kind: 'refused', reason: `ssrf_${error.reason}` };
  }
  if (error instanceof OutboundFailure) return { kind: 'retry', reason: error.reason };
  throw error;
}
