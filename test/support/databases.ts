import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/configuration';
import { buildDataSourceOptions, runMigrations } from '../../src/database/data-source-options';

/**
 * Where the e2e suite finds PostgreSQL. It connects to the `postgres` database to create and
 * drop the per-file databases; override with CLIPADOR_TEST_POSTGRES_URL.
 */
export const TEST_POSTGRES_URL =
  process.env.CLIPADOR_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.CLIPADOR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Names of databases made by this run start with this, so teardown can find leftovers. */
export function runPrefix(): string {
  const prefix = process.env.CLIPADOR_TEST_RUN_PREFIX;
  if (!prefix) throw new Error('The e2e global setup did not run (CLIPADOR_TEST_RUN_PREFIX unset)');
  return prefix;
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database copied from this run's template; returns its URL. */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const name = `${runPrefix()}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) =>
    client.query(`CREATE DATABASE "${name}" TEMPLATE "${runPrefix()}_template"`),
  );
  return { name, url: databaseUrl(name) };
}

export async function dropTestDatabase(name: string): Promise<void> {
  await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * Migrates the (empty) database at `url` to the latest schema: the templates that spec files
 * copy, for the e2e suite on the shared server and for the fault suite's private clusters.
 */
export async function migrateTemplate(url: string): Promise<void> {
  const { database } = loadConfig({
    CLIPADOR_APP_ENV: 'test',
    CLIPADOR_DATABASE_URL: url,
    CLIPADOR_DATABASE_LOGGING: 'false',
  });
  const dataSource = await new DataSource(buildDataSourceOptions(database)).initialize();
  try {
    await runMigrations(dataSource, false);
  } finally {
    await dataSource.destroy();
  }
}
