import { Client } from 'pg';
import { databaseUrl, DB_PREFIX, PG_ADMIN_URL } from './settings';
import { runCli } from './service';

/** Benchmark databases live on the shared PostgreSQL, each named clipador_bench_<what>. */

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function benchDatabaseName(what: string): string {
  return `${DB_PREFIX}_${what}`;
}

export async function dropDatabase(name: string): Promise<void> {
  if (!name.startsWith(DB_PREFIX)) throw new Error(`Not a benchmark database: ${name}`);
  await withClient(PG_ADMIN_URL, (client) =>
    client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  );
}

/**
 * A fresh database with the service's schema, migrated by the built CLI (`clipador migrate`), the
 * way a deploy step would. Returns its URL.
 */
export async function createMigratedDatabase(name: string): Promise<string> {
  await dropDatabase(name);
  await withClient(PG_ADMIN_URL, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(name);
  runCli(url, ['migrate']);
  return url;
}

/** A user through the real CLI (bcrypt and all); returns nothing, log in over HTTP for a token. */
export function createUser(url: string, username: string, password: string, role: string): void {
  runCli(url, ['create-user', username, password, '--role', role]);
}

/** Logs in over HTTP, as the dashboard does, and returns the access token. */
export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}
