import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import Redis from 'ioredis';
import { Child, describeExit } from './child';
import { postgresTemplateDir, runDir } from './run-dir';

/** Where initdb, postgres and friends live; CLIPADOR_TEST_PG_BIN overrides. */
export const PG_BIN = process.env.CLIPADOR_TEST_PG_BIN ?? findPgBin();

function findPgBin(): string {
  for (const version of ['17', '16', '15', '14']) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(dir, 'postgres'))) return dir;
  }
  return ''; // on PATH
}

function pgCommand(name: string): string {
  return PG_BIN ? join(PG_BIN, name) : name;
}

/** A TCP port nobody listens on right now (the kernel's choice). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const isRoot = process.getuid?.() === 0;

/** Makes `path` the postgres user's when we are root (PostgreSQL runs as postgres). */
function giveToPostgres(path: string): void {
  if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', path]);
}

/** Creates a fresh cluster in `dir/data` (trust auth, user postgres). */
export function initCluster(dir: string): void {
  giveToPostgres(dir);
  const args = ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8'];
  const initdb = [pgCommand('initdb'), ...args, '--no-sync', '--no-locale'];
  const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
  // initdb refuses to run as root.
  const result = !isRoot
    ? spawnSync(initdb[0], initdb.slice(1))
    : hasSetpriv
      ? spawnSync('setpriv', [
          ...['--reuid', 'postgres', '--regid', 'postgres', '--init-groups', '--'],
          ...initdb,
        ])
      : spawnSync('runuser', ['-u', 'postgres', '--', ...initdb]);
  if (result.status !== 0) {
    throw new Error(`initdb failed: ${result.stderr?.toString() ?? result.error?.message}`);
  }
}

/**
 * A PostgreSQL server of our own: a copy of the run's migrated template cluster on a free port,
 * tuned for tests (no fsync). It can be stopped the hard way (as a crash would) and started again
 * on the same port and data, which is what the database fault cases need.
 */
export class PrivatePostgres {
  private server: Child | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** A server on a copy of the template cluster (or on an existing `dir` with a cluster in it). */
  static async start(
    options: { dir?: string; fromTemplate?: boolean } = {},
  ): Promise<PrivatePostgres> {
    const dir = options.dir ?? mkdtempSync(join(runDir(), 'pg-'));
    if (options.fromTemplate ?? true) {
      execFileSync('cp', ['-a', join(postgresTemplateDir(), 'data'), join(dir, 'data')]);
      giveToPostgres(dir);
    }
    const postgres = new PrivatePostgres(dir, await freePort());
    await postgres.resume();
    return postgres;
  }

  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.server !== undefined && !this.server.hasExited;
  }

  /** Starts the server on its port and data directory, and waits until it takes connections. */
  async resume(): Promise<void> {
    if (this.running) return;
    this.server = Child.start({
      name: `postgres:${this.port}`,
      command: pgCommand('postgres'),
      args: [
        '-D',
        join(this.dir, 'data'),
        '-p',
        String(this.port),
        '-k',
        this.dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'log_min_messages=fatal',
        // A backend whose client died mid-statement notices at once, as it would on a statement
        // of normal length, instead of when a long test statement (pg_sleep) returns.
        '-c',
        'client_connection_check_interval=100ms',
      ],
      asPostgres: true,
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const client = new Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        const exit = this.server.hasExited;
        if (exit || Date.now() > deadline) {
          throw new Error(
            `PostgreSQL on ${this.port} did not start (${exit ? describeExit(exit) : (error as Error).message}):\n${this.server.tail()}`,
          );
        }
        await sleep(50);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  /**
   * Stops the server: `immediate` is a crash as far as clients are concerned (connections cut,
   * open transactions lost, crash recovery on the next start); `fast` is an orderly stop.
   */
  async halt(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    if (!this.server) return;
    const exit = await this.server.stop(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT', 10_000);
    if (exit.signal === 'SIGKILL') throw new Error(`PostgreSQL on ${this.port} had to be killed`);
  }

  /** One query on a fresh connection (tests use it to look at and to set up the data). */
  async query<T extends object = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<T[]> {
    const client = new Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** A new database copied from `template` (e.g. a second, clean database for a reference run). */
  async createDatabase(name: string, template = 'postgres'): Promise<string> {
    await this.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    return this.url(name);
  }

  async destroy(): Promise<void> {
    await this.halt('fast').catch(() => this.server?.stop('SIGKILL'));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis server of our own on a free port, without persistence: stopping it loses everything,
 * as a Redis restart without a disk does. Started again on the same port.
 */
export class PrivateRedis {
  private server: Child | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined && !this.server.hasExited;
  }

  async resume(): Promise<void> {
    if (this.running) return;
    this.server = Child.start({
      name: `redis:${this.port}`,
      command: 'redis-server',
      args: [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return;
      } catch (error) {
        const exit = this.server.hasExited;
        if (exit || Date.now() > deadline) {
          throw new Error(
            `Redis on ${this.port} did not start (${exit ? describeExit(exit) : (error as Error).message}):\n${this.server.tail()}`,
          );
        }
        await sleep(50);
      } finally {
        client.disconnect();
      }
    }
  }

  /** Kills the server; everything in it is gone. */
  async halt(): Promise<void> {
    await this.server?.stop('SIGKILL');
  }

  /** A client for looking at what the service stored. */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }

  async destroy(): Promise<void> {
    await this.server?.stop('SIGKILL');
  }
}
