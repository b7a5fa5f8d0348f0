import { createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry (PRODUCT §18) and the metrics features update. One per
 * process, as Prometheus scrapes each process; client ids only ever appear hashed.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'clipador_' });

/** sha256 of a client id, first 12 hex digits: the `credential` label everywhere. */
export function credentialLabel(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex').slice(0, 12);
}

export const httpRequests = new Counter({
  name: 'clipador_http_requests_total',
  help: 'HTTP requests answered, by route (its pattern), method and status',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpDuration = new Histogram({
  name: 'clipador_http_request_duration_seconds',
  help: 'HTTP request latency, by route and method',
  labelNames: ['route', 'method'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const twitchRequests = new Counter({
  name: 'clipador_twitch_requests_total',
  help: 'Helix requests sent, by credential (hashed), resource and answer status (0: no answer)',
  labelNames: ['credential', 'resource', 'status'] as const,
  registers: [metricsRegistry],
});

export const twitchPointsRemaining = new Gauge({
  name: 'clipador_twitch_points_remaining',
  help: 'Ratelimit-Remaining of the latest Helix answer, by credential (hashed)',
  labelNames: ['credential'] as const,
  registers: [metricsRegistry],
});

export const ingestionStreamers = new Counter({
  name: 'clipador_ingestion_streamers_total',
  help: 'Streamer syncs finished by this worker, by outcome (synced, skipped, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const ingestionCycles = new Counter({
  name: 'clipador_ingestion_cycles_total',
  help: 'Sync cycles completed (counted by the process that saw the last outcome)',
  registers: [metricsRegistry],
});

export const sseClients = new Gauge({
  name: 'clipador_sse_clients',
  help: 'Live-feed (GET /events) streams open on this process',
  registers: [metricsRegistry],
});

export const feedEvents = new Counter({
  name: 'clipador_feed_events_total',
  help: 'Live-feed events, by what became of them here: published (worker), dropped (not published: Redis away or slow), relayed (read by this api process)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
