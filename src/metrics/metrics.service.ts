import { timingSafeEqual } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig, MetricsSection } from '../config/configuration';
import { metricsRegistry } from './metrics.registry';

/**
 * `/metrics` (PRODUCT §18): the registry's text, behind a static Bearer token
 * (CLIPADOR_METRICS_TOKEN; unset → no metrics at all), whatever series the features registered
 * (ingestion's gauges: src/ingestion/ingestion.metrics.ts). A process without the api role serves
 * the same on CLIPADOR_METRICS_PORT, so workers are scraped too.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  private readonly settings: MetricsSection;
  private readonly serveOwnPort: boolean;
  private server?: Server;

  constructor(config: ConfigService<AppConfig, true>) {
    this.settings = config.get('metrics', { infer: true });
    this.serveOwnPort =
      !config.get('app', { infer: true }).roles.includes('api') && this.settings.port !== undefined;
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
}
