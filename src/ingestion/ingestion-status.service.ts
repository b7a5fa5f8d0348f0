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

/**
 * A cycle that made no progress (no streamer outcome) for this long is abandoned: its jobs were
 * lost, or it cannot count them (Redis lost an outcome). The next cycle may then start, and its
 * streamers may be enqueued again. Several intervals, and several job locks (a killed worker's
 * job is found stalled and run again within about two).
 */
export function cycleStaleMs(intervalSeconds: number, jobLockMs: number): number {
  return Math.max(3 * intervalSeconds * 1000, 4 * jobLockMs);
}

/** Liveness of workers and progress of sync cycles, shared by every process through Redis. */
@Injectable()
export class IngestionStatusService {
  readonly workerId = `${hostname()}:${process.pid}`;
  private readonly store: IngestionStatusStore;
  private readonly intervalMs: number;

  constructor(config: ConfigService<AppConfig, true>, @InjectRedis() redis: Redis | null) {
    const ingestion = config.get('ingestion', { infer: true });
    this.intervalMs = ingestion.intervalSeconds * 1000;
    const settings = { staleMs: cycleStaleMs(ingestion.intervalSeconds, ingestion.jobLockMs) };
    this.store = redis
      ? new RedisIngestionStatusStore(redis, config.get('redis', { infer: true }).prefix, settings)
      : new MemoryIngestionStatusStore(settings);
  }

  heartbeat(): Promise<void> {
    return this.bounded(this.store.heartbeat(this.workerId, Date.now()));
  }

  retire(): Promise<void> {
    return this.bounded(this.store.removeWorker(this.workerId));
  }

  /**
   * Makes `cycleId` the running cycle unless another one runs (and `force` is false). Returns the
   * running cycle after the call: `cycleId` when claimed, '' when it already ran to completion.
   */
  claimCycle(cycleId: string, force: boolean): Promise<string> {
    return this.bounded(this.store.claimCycle(cycleId, Date.now(), force));
  }

  releaseCycle(cycleId: string): Promise<void> {
    return this.bounded(this.store.releaseCycle(cycleId));
  }

  /** The cycle running now (not complete, not abandoned), if any. */
  currentCycle(): Promise<string | undefined> {
    return this.bounded(this.store.currentCycle(Date.now()));
  }

  /** Marks streamers pending for the cycle; returns those to enqueue (see the store). */
  markPending(cycleId: string, streamerIds: number[]): Promise<number[]> {
    return this.bounded(this.store.markPending(cycleId, streamerIds, Date.now()));
  }

  /** Returns the cycle's totals when it completed with its planning (nothing left to run). */
  async finishPlanning(cycleId: string): Promise<CycleTotals | undefined> {
    const totals = await this.bounded(this.store.finishPlanning(cycleId, Date.now()));
    if (totals) await this.bounded(this.store.markSyncFinished(Date.now()));
    return totals;
  }

  /** Returns the cycle's totals when this outcome was the cycle's last one. */
  async recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
  ): Promise<CycleTotals | undefined> {
    const totals = await this.bounded(
      this.store.recordOutcome(cycleId, streamerId, outcome, Date.now()),
    );
    if (totals) await this.bounded(this.store.markSyncFinished(Date.now()));
    return totals;
  }

  /** Keeps the latest cycle's plan per credential (client ids already hashed). */
  recordPlans(plans: readonly object[]): Promise<void> {
    return this.bounded(this.store.savePlans(JSON.stringify({ at: Date.now(), plans })));
  }

  async latestPlans<T>(): Promise<{ at: number; plans: T[] } | undefined> {
    const json = await this.bounded(this.store.loadPlans());
    return json ? (JSON.parse(json) as { at: number; plans: T[] }) : undefined;
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
