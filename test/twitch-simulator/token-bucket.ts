/**
 * Twitch's rate limit for one client id: a bucket of `points` that refills continuously, full
 * again `windowMs` after it was empty (800 points per minute on the real API).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly points: number,
    readonly windowMs: number,
    now: number,
  ) {
    this.tokens = points;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.points, this.tokens + (elapsed * this.points) / this.windowMs);
    this.updatedAt = now;
  }

  /** Spends `cost` points if the bucket holds them. */
  take(now: number, cost = 1): boolean {
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /**
   * The three headers Twitch sends. Remaining is rounded down and Reset up, so a client that
   * trusts them never overspends: at the Reset second the bucket is really full.
   */
  headers(now: number): { limit: number; remaining: number; reset: number } {
    this.refill(now);
    const missing = this.points - this.tokens;
    const fullAt = now + (missing * this.windowMs) / this.points;
    return {
      limit: this.points,
      remaining: Math.floor(this.tokens),
      reset: Math.ceil(fullAt / 1000),
    };
  }
}
