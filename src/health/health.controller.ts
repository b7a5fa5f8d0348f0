import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/decorators/public.decorator';
import { DomainError } from '../common/errors/domain.error';
import { Coverage, IngestionStatusService } from '../ingestion/ingestion-status.service';
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
    private readonly ingestion: IngestionStatusService,
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

  /**
   * 200 when a worker beat within the last half minute and a sync cycle finished within two
   * intervals; else 503 with the reason. The 503 body keeps the old service's `status: "error"`
   * beside the usual error fields.
   */
  @Get('worker')
  @ApiOkResponse({ description: 'A worker is alive and syncs are finishing on time.' })
  @ApiServiceUnavailableResponse({ description: 'No live worker, or no recent sync.' })
  async worker(@Res({ passthrough: true }) reply: FastifyReply) {
    const [health, coverage] = await Promise.all([
      this.ingestion.workerHealth(),
      this.ingestion.coverage().then(coverageTotals, () => null),
    ]);
    const lastSyncAt = health.lastSyncAt?.toISOString() ?? null;
    if (health.healthy) {
      return { status: 'ok', workers: health.workers, last_sync_at: lastSyncAt, coverage };
    }
    void reply.status(503);
    return {
      status: 'error',
      statusCode: 503,
      code: 'worker_unhealthy',
      detail: health.detail,
      workers: health.workers,
      last_sync_at: lastSyncAt,
      coverage,
    };
  }
}

/** Totals only (§16): the public endpoint says nothing per credential. */
function coverageTotals(coverage: Coverage) {
  const { totals } = coverage;
  return {
    planned_at: coverage.plannedAt,
    streamers: totals.streamers,
    live: totals.live,
    offline: totals.offline,
    planned_last_cycle: totals.planned,
    synced_last_cycle: coverage.lastCycle?.synced ?? null,
    overdue: totals.overdue,
    never_synced: totals.neverSynced,
    oldest_sync_at: totals.oldestSyncAt,
  };
}
