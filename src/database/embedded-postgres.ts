import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';

export class EmbeddedDatabaseLockedError extends Error {
  constructor(dataDir: string, holderPid: number, lockPath: string) {
    super(
      `The embedded database in ${dataDir} is in use by another process (pid ${holderPid}). ` +
        'PGlite allows one process per data directory: stop that process, or set ' +
        'CLIPADOR_DATABASE_URL to a PostgreSQL server to run several processes. ' +
        `(If pid ${holderPid} is not a Clipador process, remove ${lockPath}.)`,
    );
    this.name = 'EmbeddedDatabaseLockedError';
  }
}

/**
 * The embedded PostgreSQL (PGlite) used when no CLIPADOR_DATABASE_URL is set.
 *
 * PGlite is a single connection inside this process, so TypeORM reaches it through PGlite's own
 * node-postgres adapter with a pool of one. Two processes opening the same directory would corrupt
 * it, hence the lock file beside the directory, taken before PGlite touches anything.
 */
export class EmbeddedPostgres {
  private constructor(
    readonly dataDir: string,
    readonly pglite: PGlite,
    private readonly lockPath: string,
  ) {}

  static async open(dataDir: string): Promise<EmbeddedPostgres> {
    const absoluteDir = resolve(dataDir);
    const lockPath = lockDataDir(absoluteDir);
    try {
      const pglite = await PGlite.create(absoluteDir);
      return new EmbeddedPostgres(absoluteDir, pglite, lockPath);
    } catch (error) {
      releaseLock(lockPath);
      throw error;
    }
  }

  /** Options for node-postgres (TypeORM's `extra`): the adapter's connection and a pool of one. */
  pgConfig(): Record<string, unknown> {
    return { ...createPgConfig(this.pglite), max: 1 };
  }

  async close(): Promise<void> {
    try {
      if (!this.pglite.closed) await this.pglite.close();
    } finally {
      releaseLock(this.lockPath);
    }
  }
}

/**
 * Takes `<dataDir>.lock` for this process, or throws EmbeddedDatabaseLockedError when a live
 * process holds it. Returns the lock's path.
 */
export function lockDataDir(dataDir: string): string {
  const absoluteDir = resolve(dataDir);
  const lockPath = `${absoluteDir}.lock`;
  mkdirSync(dirname(absoluteDir), { recursive: true });
  acquireLock(lockPath, absoluteDir);
  return lockPath;
}

function acquireLock(lockPath: string, dataDir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holderPid = Number(readFileSync(lockPath, 'utf8').trim());
      // Our own pid counts too: PGlite cannot open one directory twice in one process either.
      if (holderPid && isAlive(holderPid)) {
        throw new EmbeddedDatabaseLockedError(dataDir, holderPid, lockPath);
      }
      // The holder is gone (crashed or killed): the lock is stale, take it over.
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lockPath}`);
}

export function releaseLock(lockPath: string): void {
  try {
    if (Number(readFileSync(lockPath, 'utf8').trim()) === process.pid) rmSync(lockPath);
  } catch {
    // Already gone: nothing to release.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
