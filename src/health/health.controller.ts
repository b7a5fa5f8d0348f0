import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator';
import { DomainError } from '../common/errors/domain.error';
import { RedisHealthIndicator } from './redis.health';

/** A dependency that has not answered within this is reported down. */
const DEPENDENCY_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'The process is alive (no dependency is called).' })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'The database and, when configured, Redis answer.' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down or slow.' })
  async readiness(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: DEPENDENCY_TIMEOUT_MS }),
        () => this.redis.pingCheck('redis', DEPENDENCY_TIMEOUT_MS),
      ]);
    } catch (error) {
      const result = (error as { response?: HealthCheckResult }).response;
      const down = Object.entries(result?.error ?? {})
        .map(
          ([name, state]) =>
            `${name} is down${state?.message ? ` (${String(state.message)})` : ''}`,
        )
        .join('; ');
      throw new DomainError('unavailable', 'not_ready', down || 'Not ready');
    }
  }
}
