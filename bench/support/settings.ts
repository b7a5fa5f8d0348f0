import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * What every benchmark shares: where PostgreSQL and Redis are, the production-like secrets the
 * service under test starts with, and where logs and results go.
 *
 * The service runs as production would (`CLIPADOR_APP_ENV=production`, a real secret and key).
 * Its log level is `info`, the default an operator keeps to have one line per request and the
 * ingestion events; `CLIPADOR_BENCH_LOG_LEVEL` overrides it (bench/logging-cost.bench.ts measures
 * what that line per request costs).
 */

export const REPO_ROOT = join(__dirname, '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

export const PG_ADMIN_URL =
  process.env.CLIPADOR_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.CLIPADOR_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const SERVICE_LOG_LEVEL = process.env.CLIPADOR_BENCH_LOG_LEVEL ?? 'info';

/** ≥ 32 characters, as production requires; only ever used against bench databases. */
export const BENCH_JWT_SECRET = 'clipador-benchmark-only-jwt-secret-0123456789';
export const BENCH_ENCRYPTION_KEY = '5a'.repeat(32);

/** Every benchmark database starts with this, so leftovers are easy to find and drop. */
export const DB_PREFIX = 'clipador_bench';

/** A Redis prefix of our own, so that concurrent test runs and other benches never share keys. */
export function uniqueRedisPrefix(name: string): string {
  return `clipador-bench-${name}-${randomBytes(4).toString('hex')}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
