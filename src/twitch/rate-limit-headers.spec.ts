import { parseRateLimitHeaders } from './rate-limit-headers';

function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}

describe('parseRateLimitHeaders', () => {
  it('reads the three Ratelimit headers, turning the reset second into epoch ms', () => {
    const report = parseRateLimitHeaders(
      headers({
        'Ratelimit-Limit': '800',
        'Ratelimit-Remaining': '799',
        'Ratelimit-Reset': '1700000060',
      }),
      200,
    );

    expect(report).toEqual({
      limit: 800,
      remaining: 799,
      resetAt: 1_700_000_060_000,
      rejected: false,
    });
  });

  it('matches header names in any case, as HTTP requires', () => {
    const report = parseRateLimitHeaders(
      headers({ 'RATELIMIT-LIMIT': '30', 'ratelimit-remaining': '0', 'RateLimit-Reset': '5' }),
      429,
    );

    expect(report).toEqual({ limit: 30, remaining: 0, resetAt: 5000, rejected: true });
  });

  it.each([
    ['a header is missing', { 'Ratelimit-Limit': '800', 'Ratelimit-Remaining': '5' }],
    [
      'a value is not a number',
      { 'Ratelimit-Limit': '800', 'Ratelimit-Remaining': 'many', 'Ratelimit-Reset': '1' },
    ],
    [
      'a value is negative',
      { 'Ratelimit-Limit': '800', 'Ratelimit-Remaining': '-1', 'Ratelimit-Reset': '1' },
    ],
    [
      'the limit is zero',
      { 'Ratelimit-Limit': '0', 'Ratelimit-Remaining': '0', 'Ratelimit-Reset': '1' },
    ],
    [
      'a value is empty',
      { 'Ratelimit-Limit': '800', 'Ratelimit-Remaining': ' ', 'Ratelimit-Reset': '1' },
    ],
  ])('ignores the report when %s', (_case, values) => {
    expect(parseRateLimitHeaders(headers(values), 200)).toBeUndefined();
  });

  it('never reports more remaining points than the limit', () => {
    const report = parseRateLimitHeaders(
      headers({ 'Ratelimit-Limit': '10', 'Ratelimit-Remaining': '50', 'Ratelimit-Reset': '1' }),
      200,
    );

    expect(report?.remaining).toBe(10);
  });
});
