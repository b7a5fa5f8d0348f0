import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { withTimeout } from '../common/timeout';
import { InjectRedis } from '../redis/redis.module';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @InjectRedis() private readonly redis: Redis | null,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** Up when Redis answers PING within `timeoutMs`; not checked when Redis is not configured. */
  async pingCheck(key: string, timeoutMs: number) {
    const indicator = this.indicators.check(key);
    if (!this.redis) return indicator.up({ configured: false });
    try {
      await withTimeout(this.redis.ping(), timeoutMs, 'Redis');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
