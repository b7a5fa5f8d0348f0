import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig, RetentionSection } from '../config/configuration';
import { retentionJobId } from './maintenance.jobs';
import { MaintenanceQueue } from './maintenance-queue';

/** How often the scheduler looks at the clock: the run starts within this of its hour. */
const CHECK_MS = 60_000;

/**
 * Role `scheduler`: enqueues the day's retention run during CLIPADOR_RETENTION_HOUR_UTC. The job
 * id is the date, so every check of that hour, and every scheduler, enqueues it once.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionScheduler.name);
  private readonly settings: RetentionSection;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly queue: MaintenanceQueue,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('retention', { infer: true });
  }

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) return;
    this.timer = setInterval(() => void this.tick(), CHECK_MS);
    void this.tick();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Enqueues today's run when it is the hour; a failure is logged and the next check retries. */
  async tick(now = new Date()): Promise<void> {
    if (!this.settings.enabled || now.getUTCHours() !== this.settings.hourUtc) return;
    const jobId = retentionJobId(now);
    try {
      await this.queue.enqueueRetention(jobId);
    } catch (error) {
      this.logger.error({ jobId, err: (error as Error).message }, 'retention_schedule_failed');
    }
  }
}
