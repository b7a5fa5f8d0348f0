import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DomainError } from '../common/errors/domain.error';
import { withTimeout } from '../common/timeout';
import { AppConfig } from '../config/configuration';
import { ingestionCycles, ingestionStreamers } from '../metrics/metrics.registry';
import { provideStore } from '../redis/provide-store';
import {
  CycleTotals,
  IngestionStatusStore,
  MemoryIngestionStatusStore,
  RedisIngestionStatusStore,
  StreamerOutcome,
} from './ingestion-status.store';
import { isForcedCycle } from './ingestion.jobs';

/** A worker that has not beaten for this long is presumed dead. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;
const STATUS_TIMEOUT_MS = 2_000;

/** One credential's coverage, as the latest cycle planned it (client id hashed). */
export interface CredentialCoverage {
  /** sha256 of the client id, first 12 hex digits. */
  credential: string;
  streamers: number;
  live: number;
  offline: number;
  liveChecks: number;
  /** Streamers whose live status the latest checks could not tell (failed or partial answers). */
  unknown: number;
  plannedLive: number;
  plannedOffline: number;
  /** Offline streamers not synced within INGESTION_OFFLINE_MAX_MINUTES. */
  overdue: number;
  /** The oldest last sync among streamers synced at least once. */
  oldestSyncAt: string | null;
  neverSynced: number;
  /** Get Clips points this cycle may spend, after the live checks and the reserve. */
  budget: number;
  /** Points the plan spends (live checks + one per planned streamer), against the limit below. */
  pointsPlanned: number;
  /** What the rate limit allows in one interval. */
  pointsPerInterval: number;
}

export interface Coverage {
  plannedAt: string | null;
  totals: {
    streamers: number;
    live: number;
    offline: number;
    planned: number;
    overdue: number;
    unknown: number;
    oldestSyncAt: string | null;
    neverSynced: number;
    pointsPlanned: number;
    pointsPerInterval: number;
  };
  lastCycle: {
    total: number;
    synced: number;
    skipped: number;
    failed: number;
    startedAt: string;
    finishedAt: string;
  } | null;
  credentials: CredentialCoverage[];
}

function snakeCoverage(values: Coverage['totals'] | CredentialCoverage) {
  return {
    streamers: values.streamers,
    live: values.live,
    offline: values.offline,
    overdue: values.overdue,
    unknown: values.unknown,
    never_synced: values.neverSynced,
    oldest_sync_at: values.oldestSyncAt,
    points_planned: values.pointsPlanned,
    points_per_interval: values.pointsPerInterval,
  };
}

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

/** Injection token of the IngestionStatusStore (Redis, or memory without Redis). */
export const INGESTION_STATUS_STORE = Symbol('INGESTION_STATUS_STORE');

export const ingestionStatusStoreProvider = provideStore<IngestionStatusStore>(
  INGESTION_STATUS_STORE,
  (config) => {
    const { intervalSeconds, jobLockMs } = config.get('ingestion', { infer: true });
    const settings = { staleMs: cycleStaleMs(intervalSeconds, jobLockMs) };
    return {
      redis: (client, prefix) => new RedisIngestionStatusStore(client, prefix, settings),
      memory: () => new MemoryIngestionStatusStore(settings),
    };
  },
);

/** Liveness of workers and progress of sync cycles, shared by every process through Redis. */
@Injectable()
export class IngestionStatusService {
  readonly workerId = `${hostname()}:${process.pid}`;
  private readonly intervalMs: number;

  constructor(
    config: ConfigService<AppConfig, true>,
    @Inject(INGESTION_STATUS_STORE) private readonly store: IngestionStatusStore,
  ) {
    this.intervalMs = config.get('ingestion', { infer: true }).intervalSeconds * 1000;
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
    if (totals) await this.cycleFinished(cycleId, totals);
    return totals;
  }

  /** A forced cycle's sync counts for liveness, but `last-cycle` is the schedule's. */
  private async cycleFinished(cycleId: string, totals: CycleTotals): Promise<void> {
    ingestionCycles.inc();
    const finishedAt = Date.now();
    await this.bounded(this.store.markSyncFinished(finishedAt));
    if (isForcedCycle(cycleId)) return;
    await this.bounded(
      this.store.saveSnapshot('last-cycle', JSON.stringify({ ...totals, finishedAt })),
    );
  }

  /** Returns the cycle's totals when this outcome was the cycle's last one. */
  async recordOutcome(
    cycleId: string,
    streamerId: number,
    outcome: StreamerOutcome,
  ): Promise<CycleTotals | undefined> {
    ingestionStreamers.inc({ outcome });
    const totals = await this.bounded(
      this.store.recordOutcome(cycleId, streamerId, outcome, Date.now()),
    );
    if (totals) await this.cycleFinished(cycleId, totals);
    return totals;
  }

  /** Keeps the latest cycle's plan per credential (client ids already hashed). */
  recordPlans(plans: readonly CredentialCoverage[]): Promise<void> {
    return this.bounded(
      this.store.saveSnapshot('plans', JSON.stringify({ at: Date.now(), plans })),
    );
  }

  /**
   * Coverage (§16): per credential, the latest cycle's plan; and totals over every credential,
   * with the latest completed cycle's outcome counts. Two small Redis reads, nothing else: safe on
   * the public /health/worker.
   */
  async coverage(): Promise<Coverage> {
    const [plansJson, lastJson] = await this.bounded(
      Promise.all([this.store.loadSnapshot('plans'), this.store.loadSnapshot('last-cycle')]),
    );
    const snapshot = plansJson
      ? (JSON.parse(plansJson) as { at: number; plans: CredentialCoverage[] })
      : undefined;
    const last = lastJson
      ? (JSON.parse(lastJson) as CycleTotals & { finishedAt: number })
      : undefined;
    const plans = snapshot?.plans ?? [];
    const sum = (pick: (plan: CredentialCoverage) => number) =>
      plans.reduce((total, plan) => total + pick(plan), 0);
    const oldest = plans
      .map((plan) => plan.oldestSyncAt)
      .filter((at): at is string => at !== null)
      .sort()[0];
    return {
      plannedAt: snapshot ? new Date(snapshot.at).toISOString() : null,
      totals: {
        streamers: sum((plan) => plan.streamers),
        live: sum((plan) => plan.live),
        offline: sum((plan) => plan.offline),
        planned: sum((plan) => plan.plannedLive + plan.plannedOffline),
        overdue: sum((plan) => plan.overdue),
        unknown: sum((plan) => plan.unknown),
        oldestSyncAt: oldest ?? null,
        neverSynced: sum((plan) => plan.neverSynced),
        pointsPlanned: sum((plan) => plan.pointsPlanned),
        pointsPerInterval: sum((plan) => plan.pointsPerInterval),
      },
      lastCycle: last
        ? {
            total: last.total,
            synced: last.synced,
            skipped: last.skipped,
            failed: last.failed,
            startedAt: new Date(last.startedAt).toISOString(),
            finishedAt: new Date(last.finishedAt).toISOString(),
          }
        : null,
      credentials: plans,
    };
  }

  /** `GET /ingestion/status`: coverage per credential, in the API's snake_case. */
  async statusReport() {
    let coverage: Coverage;
    let running: string | undefined;
    let health: WorkerHealth;
    try {
      [coverage, running, health] = await Promise.all([
        this.coverage(),
        this.currentCycle(),
        this.workerHealth(),
      ]);
    } catch (error) {
      throw new DomainError(
        'unavailable',
        'status_unavailable',
        `The ingestion status is unavailable: ${(error as Error).message}`,
      );
    }
    return {
      running_cycle: running ?? null,
      workers: health.workers,
      last_sync_at: health.lastSyncAt?.toISOString() ?? null,
      planned_at: coverage.plannedAt,
      last_cycle: coverage.lastCycle && {
        total: coverage.lastCycle.total,
        synced: coverage.lastCycle.synced,
        skipped: coverage.lastCycle.skipped,
        failed: coverage.lastCycle.failed,
        started_at: coverage.lastCycle.startedAt,
        finished_at: coverage.lastCycle.finishedAt,
      },
      totals: snakeCoverage(coverage.totals),
      credentials: coverage.credentials.map((plan) => ({
        credential: plan.credential,
        ...snakeCoverage(plan),
        live_checks: plan.liveChecks,
        planned_live: plan.plannedLive,
        planned_offline: plan.plannedOffline,
        budget: plan.budget,
      })),
    };
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
