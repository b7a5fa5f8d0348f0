import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/configuration';
import { scheduledCycleId } from './ingestion.jobs';
import { JobQueue } from './job-queue';

const INTERVAL_NAME = 'clipador.ingestion.sync';

/**
 * Role `scheduler`: enqueues the periodic sync, and nothing else (the work is the worker's). The
 * job id is the time slot, so several schedulers, or a tick after a restart within the same slot,
 * enqueue each slot once. The first tick runs at start-up, so a fresh deployment syncs at once.
 */
@Injectable()
export class IngestionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IngestionScheduler.name);
  private readonly intervalSeconds: number;

  constructor(
    private readonly queue: JobQueue,
    private readonly registry: SchedulerRegistry,
    config: ConfigService<AppConfig, true>,
  ) {
    this.intervalSeconds = config.get('ingestion', { infer: true }).intervalSeconds;
  }

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      INTERVAL_NAME,
      setInterval(() => void this.tick(), this.intervalSeconds * 1000),
    );
    void this.tick();
  }

  /** First thing on shutdown (before workers drain): no new cycle is enqueued while stopping. */
  onModuleDestroy(): void {
    if (this.registry.doesExist('interval', INTERVAL_NAME))
      this.registry.deleteInterval(INTERVAL_NAME);
  }

  /** Enqueues this slot's sync; a failure (Redis down) is logged and the next tick tries again. */
  async tick(now = new Date()): Promise<void> {
    const cycleId = scheduledCycleId(now, this.intervalSeconds);
    try {
      await this.queue.enqueueSyncAll(
        { cycleId, trigger: 'schedule', requestedAt: now.toISOString() },
        cycleId,
      );
      this.logger.log({ cycleId }, 'ingestion_scheduled');
    } catch (error) {
      this.logger.error({ cycleId, err: (error as Error).message }, 'ingestion_schedule_failed');
    }
  }
}
