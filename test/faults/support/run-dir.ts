import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Everything the fault suite makes on disk lives in one directory per run: the service built for
 * child processes, the migrated PostgreSQL cluster each spec file copies, the private servers'
 * data, and a pid file per process still running. The global teardown sweeps it, so a crashed
 * spec file cannot leave a server behind.
 */
export const RUN_DIR_ENV = 'CLIPADOR_FAULTS_RUN_DIR';

export function runDir(): string {
  const dir = process.env[RUN_DIR_ENV];
  if (!dir) throw new Error(`The faults global setup did not run (${RUN_DIR_ENV} unset)`);
  return dir;
}

/** The service transpiled to JavaScript once per run: `node <buildDir>/main.js`. */
export function buildDir(): string {
  return join(runDir(), 'build');
}

/** A migrated PostgreSQL data directory, copied by every private server. */
export function postgresTemplateDir(): string {
  return join(runDir(), 'pg-template');
}

function pidDir(): string {
  return join(runDir(), 'pids');
}

/** Records a process this run started, so the teardown can stop it if its owner did not. */
export function trackPid(pid: number, what: string): void {
  mkdirSync(pidDir(), { recursive: true });
  writeFileSync(join(pidDir(), String(pid)), what);
}

export function untrackPid(pid: number): void {
  rmSync(join(pidDir(), String(pid)), { force: true });
}

/** Pids recorded by trackPid and not yet untracked. */
export function trackedPids(dir: string): number[] {
  try {
    return readdirSync(join(dir, 'pids')).map(Number).filter(Number.isInteger);
  } catch {
    return [];
  }
}
