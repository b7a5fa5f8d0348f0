import { timingSafeEqual } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Gauge } from 'prom-client';
import { AppConfig, MetricsSection } from '../config/configuration';
import { IngestionStatusService } from '../ingestion/ingestion-status.service';
import { JobQueue } from '../ingestion/job-queue';
import { metricsRegistry } from './metrics.registry';

/**
 * `/metrics` (PRODUCT §18): the registry's text, behind a static Bearer token
 * (CLIPADOR_METRICS_TOKEN; unset → no metrics at all). Gauges read at scrape time what lives in
 * Redis (coverage per credential, queue jobs by state). A process without the api role serves
 * the same on CLIPADOR_METRICS_PORT, so workers are scraped too.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  private readonly settings: MetricsSection;
  private readonly serveOwnPort: boolean;
  private server?: Server;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly status: IngestionStatusService,
    private readonly queue: JobQueue,
  ) {
    this.settings = config.get('metrics', { infer: true });
    this.serveOwnPort =
      !config.get('app', { infer: true }).roles.includes('api') && this.settings.port !== undefined;
    this.registerGauges();
  }

  get enabled(): boolean {
    return this.settings.token !== undefined;
  }

  /** True when `authorization` is `Bearer <CLIPADOR_METRICS_TOKEN>` (constant-time). */
  authorized(authorization: string | undefined): boolean {
    const token = this.settings.token;
    if (!token) return false;
    const given = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.serveOwnPort || !this.enabled) return;
    this.server = createServer((request, response) => {
      if (request.url !== '/metrics' || request.method !== 'GET') {
        response.writeHead(404).end();
        return;
      }
      if (!this.authorized(request.headers.authorization)) {
        response.writeHead(401, { 'Content-Type': 'application/json' });
        response.end(
          JSON.stringify({
            statusCode: 401,
            code: 'invalid_token',
            detail: 'Invalid metrics token',
          }),
        );
        return;
      }
      this.render().then(
        ({ contentType, body }) =>
          response.writeHead(200, { 'Content-Type': contentType }).end(body),
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) =>
      this.server!.listen(this.settings.port, this.settings.host, resolve),
    );
    this.logger.log({ port: this.settings.port }, 'metrics_listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }

  /** The port the worker's metrics server listens on (tests). */
  port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  private registerGauges(): void {
    const status = this.status;
    const queue = this.queue;
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
