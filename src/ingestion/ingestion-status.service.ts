import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { withTimeout } from '../common/timeout';
import { AppConfig } from '../config/configuration';
import { InjectRedis } from '../redis/redis.module';
import {
  CycleTotals,
  IngestionStatusStore,
  MemoryIngestionStatusStore,
  RedisIngestionStatusStore,
  StreamerOutcome,
} from './ingestion-status.store';

/** A worker that has not beaten for this long is presumed dead. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;
const STATUS_TIMEOUT_MS = 2_000;

export interface WorkerHealth {
  healthy: boolean;
  workers: string[];
  lastSyncAt: Date | null;
  detail?: string;
}

/** Liveness of workers and progress of sync cycles, shared by every process through Redis. */
@Injectable()
export class IngestionStatusService {
  readonly workerId = `${hostname()}:${process.pid}`;
  private readonly store: IngestionStatusStore;
  private readonly intervalMs: number;

  constructor(config: ConfigService<AppConfig, true>, @InjectRedis() redis: Redis | null) {
    this.store = redis
      ? new RedisIngestionStatusStore(redis, config.get('redis', { infer: true }).prefix)
      : new MemoryIngestionStatusStore();
    this.intervalMs = config.get('ingestion', { infer: true }).intervalSeconds * 1000;
  }

  heartbeat(): Promise<void> {
    return this.bounded(this.store.heartbeat(this.workerId, Date.now()));
  }

  retire(): Promise<void> {
    return this.bounded(this.store.removeWorker(this.workerId));
  }

  startCycle(cycleId: string, total: number, startedAt: number): Promise<void> {
    return this.bounded(this.store.startCycle(cycleId, total, startedAt));
  }

  /** Returns the cycle's totals when this outcome was the cycle's last one. */
  async recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
  ): Promise<CycleTotals | undefined> {
    const totals = await this.bounded(this.store.recordOutcome(cycleId, streamerId, outcome));
    if (totals) await this.bounded(this.store.markSyncFinished(Date.now()));
    return totals;
  }

  async markSyncFinished(at: number): Promise<void> {
    await this.bounded(this.store.markSyncFinished(at));
  }

  /** Healthy when a worker beat recently and a sync cycle finished within two intervals. */
  async workerHealth(now = Date.now()): Promise<WorkerHealth> {
    let workers: string[];
    let lastSync: number | undefined;
    try {
      [workers, lastSync] = await this.bounded(
        Promise.all([
          this.store.liveWorkers(now - HEARTBEAT_TTL_MS),
          this.store.lastSyncFinishedAt(),
        ]),
      );
    } catch (error) {
      return {
        healthy: false,
        workers: [],
        lastSyncAt: null,
        detail: `Worker status unavailable: ${(error as Error).message}`,
      };
    }
    const lastSyncAt = lastSync ? new Date(lastSync) : null;
    if (workers.length === 0) {
      return { healthy: false, workers, lastSyncAt, detail: 'No ingestion worker is alive' };
    }
    if (!lastSync || now - lastSync > 2 * this.intervalMs) {
      const detail = lastSync
        ? `The last sync finished at ${lastSyncAt!.toISOString()}, more than two intervals ago`
        : 'No sync has finished yet';
      return { healthy: false, workers, lastSyncAt, detail };
    }
    return { healthy: true, workers, lastSyncAt };
  }

  private bounded<T>(operation: Promise<T>): Promise<T> {
    return withTimeout(operation, STATUS_TIMEOUT_MS, 'The ingestion status store (Redis)');
  }
}
