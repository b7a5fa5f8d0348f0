/**
 * What one Helix answer says about the client id's token bucket.
 *
 * Twitch's bucket holds `limit` points and refills continuously; `Ratelimit-Reset` is the unix
 * second at which it will be full again if nothing else is spent.
 */
export interface RateLimitReport {
  limit: number;
  /** Points left right after Twitch counted this request. */
  remaining: number;
  /** `Ratelimit-Reset` in epoch milliseconds. */
  resetAt: number;
  /** The answer was a 429: Twitch refused the request because the bucket was empty. */
  rejected: boolean;
}

/** The subset of `Headers` we read, so that tests can pass a plain object too. */
export interface HeaderSource {
  get(name: string): string | null;
}

function nonNegativeNumber(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const parsed = Number(value.trim());
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

/**
 * Reads `Ratelimit-Limit`, `Ratelimit-Remaining` and `Ratelimit-Reset` (header names are
 * case-insensitive in `Headers`). Returns undefined unless all three are present and sane: a
 * partial report is worth less than none, because the budget would act on a guess.
 */
export function parseRateLimitHeaders(
  headers: HeaderSource,
  status: number,
): RateLimitReport | undefined {
  const limit = nonNegativeNumber(headers.get('ratelimit-limit'));
  const remaining = nonNegativeNumber(headers.get('ratelimit-remaining'));
  const resetSeconds = nonNegativeNumber(headers.get('ratelimit-reset'));
  if (limit === undefined || remaining === undefined || resetSeconds === undefined)
    return undefined;
  if (limit < 1) return undefined;
  return {
    limit: Math.floor(limit),
    remaining: Math.min(Math.floor(remaining), Math.floor(limit)),
    resetAt: Math.round(resetSeconds * 1000),
    rejected: status === 429,
  };
}
