import { OutboundAnswer } from '../http/pinned-http';
import { classifyStatus, parseRetryAfter } from './send-outcome';

const answer = (status: number, headers: Record<string, string> = {}): OutboundAnswer => ({
  status,
  header: (name) => headers[name.toLowerCase()] ?? null,
  body: '',
});

describe('send outcomes', () => {
  it('reads Retry-After as seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('retries 5xx and 408, waits out 429, refuses redirects and other 4xx', () => {
    expect(classifyStatus(answer(204))).toEqual({ kind: 'sent' });
    expect(classifyStatus(answer(503))).toEqual({ kind: 'retry', reason: 'http_503' });
    expect(classifyStatus(answer(408))).toEqual({ kind: 'retry', reason: 'http_408' });
    expect(classifyStatus(answer(429, { 'retry-after': '2' }))).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 2000,
      reason: 'http_429',
    });
    expect(classifyStatus(answer(302))).toEqual({ kind: 'refused', reason: 'redirect_refused' });
    expect(classifyStatus(answer(404))).toEqual({ kind: 'refused', reason: 'http_404' });
  });
});
