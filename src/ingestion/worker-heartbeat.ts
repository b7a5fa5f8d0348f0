import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HEARTBEAT_INTERVAL_MS, IngestionStatusService } from './ingestion-status.service';

/** Role `worker`: tells the other processes (and /health/worker) that this worker is alive. */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(private readonly status: IngestionStatusService) {}

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
  }

  /** A stopping worker takes no more jobs: it leaves the list while Redis is still connected. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.status.retire().catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      await this.status.heartbeat();
      if (this.failing)
        this.logger.log({ workerId: this.status.workerId }, 'worker_heartbeat_restored');
      this.failing = false;
    } catch (error) {
      // Logged once per outage, not every ten seconds.
      if (!this.failing) {
        this.logger.warn({ err: (error as Error).message }, 'worker_heartbeat_failed');
      }
      this.failing = true;
    }
  }
}
