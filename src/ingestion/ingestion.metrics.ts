import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics/metrics.registry';
import { IngestionStatusService } from './ingestion-status.service';
import { JobQueue } from './job-queue';

/**
 * Ingestion's gauges in the process's registry (PRODUCT §18), read at scrape time from what lives
 * in Redis (coverage per credential, queue jobs by state). Registered by the ingestion module, as
 * every feature registers its own series, so the metrics module knows no feature.
 */
@Injectable()
export class IngestionMetrics {
  constructor(status: IngestionStatusService, queue: JobQueue) {
    replaceMetric('clipador_coverage');
    new Gauge({
      name: 'clipador_coverage',
      help: 'Latest cycle plan per credential (hashed): streamers, live, offline, planned, overdue, unknown, points_planned, points_per_interval',
      labelNames: ['credential', 'measure'] as const,
      registers: [metricsRegistry],
      async collect() {
        this.reset();
        const coverage = await status.coverage().catch(() => undefined);
        for (const plan of coverage?.credentials ?? []) {
          const measures: Record<string, number> = {
            streamers: plan.streamers,
            live: plan.live,
            offline: plan.offline,
            planned: plan.plannedLive + plan.plannedOffline,
            overdue: plan.overdue,
            unknown: plan.unknown,
            points_planned: plan.pointsPlanned,
            points_per_interval: plan.pointsPerInterval,
          };
          for (const [measure, value] of Object.entries(measures)) {
            this.set({ credential: plan.credential, measure }, value);
          }
        }
      },
    });
    replaceMetric('clipador_live_streamers');
    new Gauge({
      name: 'clipador_live_streamers',
      help: 'Streamers in the live tier at the latest cycle',
      registers: [metricsRegistry],
      async collect() {
        const coverage = await status.coverage().catch(() => undefined);
        this.set(coverage?.totals.live ?? 0);
      },
    });
    replaceMetric('clipador_queue_jobs');
    new Gauge({
      name: 'clipador_queue_jobs',
      help: 'Ingestion jobs by queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [metricsRegistry],
      async collect() {
        this.reset();
        const counts = await queue.jobCounts().catch(() => ({}));
        for (const [key, value] of Object.entries(counts)) {
          const [name, state] = key.split(':');
          this.set({ queue: name, state }, value);
        }
      },
    });
  }
}

/** Several app instances in one process (tests): the newest one's gauges read its own stores. */
function replaceMetric(name: string): void {
  metricsRegistry.removeSingleMetric(name);
}
