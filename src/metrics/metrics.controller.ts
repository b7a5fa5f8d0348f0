import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators/public.decorator';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { MetricsService } from './metrics.service';

/** `GET /metrics`: Prometheus text behind CLIPADOR_METRICS_TOKEN; 404 when it is not set. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Public()
  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!this.metrics.enabled) throw new NotFoundError('Route', 'GET /metrics');
    if (!this.metrics.authorized(authorization)) {
      throw new DomainError('unauthorized', 'invalid_token', 'Invalid metrics token');
    }
    const { contentType, body } = await this.metrics.render();
    void reply.header('Content-Type', contentType);
    return body;
  }
}
