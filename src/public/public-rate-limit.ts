import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { DomainError } from '../common/errors/domain.error';
import { provideStore } from '../redis/provide-store';
import { clientAddressKey } from '../common/net/client-address';

/** Injection token of the public routes' limiter (Redis-backed, or memory without Redis). */
export const PUBLIC_RATE_LIMITER = Symbol('PUBLIC_RATE_LIMITER');

/**
 * The one place the store is chosen: with CLIPADOR_REDIS_URL the counts live in Redis, shared by
 * every api process (a client cannot multiply its allowance by the number of replicas), with
 * this process's memory as insurance while Redis is unreachable (the feed keeps answering,
 * counted per process); without Redis, in memory. An address over its limit is remembered in
 * memory until its window ends, so a flood from it costs no Redis round trip.
 */
export const publicRateLimiterProvider = provideStore<RateLimiterAbstract>(
  PUBLIC_RATE_LIMITER,
  (config) => {
    const { rateLimit, rateWindowSeconds } = config.get('publicClips', { infer: true });
    const limits = { points: rateLimit, duration: rateWindowSeconds };
    const memory = () => new RateLimiterMemory({ ...limits, keyPrefix: 'public' });
    return {
      redis: (client, prefix) =>
        new RateLimiterRedis({
          ...limits,
          storeClient: client,
          keyPrefix: `${prefix}:public-rate`,
          insuranceLimiter: memory(),
          inMemoryBlockOnConsumed: rateLimit + 1,
        }),
      memory,
    };
  },
);

/**
 * Counts every request of a public route against its client address (`request.ip`: the socket's
 * address, or what the trusted proxies say), before anything else is done for it. Over the
 * limit: 429 in the error shape with Retry-After (seconds until the window ends).
 */
@Injectable()
export class PublicRateLimitGuard implements CanActivate {
  private readonly logger = new Logger(PublicRateLimitGuard.name);

  constructor(@Inject(PUBLIC_RATE_LIMITER) private readonly limiter: RateLimiterAbstract) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const key = clientAddressKey(request.ip);
    try {
      await this.limiter.consume(key);
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      if (rejection.consumedPoints === this.limiter.points + 1) {
        // Once per address and window, not once per refused request.
        this.logger.warn({ client: key, retryAfter }, 'public_rate_limited');
      }
      void http.getResponse<FastifyReply>().header('Retry-After', String(retryAfter));
      throw new DomainError(
        'rate_limited',
        'rate_limited',
        `Too many requests from this address; try again in ${retryAfter} s`,
      );
    }
  }
}
