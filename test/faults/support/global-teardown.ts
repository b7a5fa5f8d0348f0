import { rmSync } from 'node:fs';
import { RUN_DIR_ENV, trackedPids } from './run-dir';

/** Stops whatever a spec file left running (it crashed, or timed out) and removes the run's files. */
export default function globalTeardown(): void {
  const dir = process.env[RUN_DIR_ENV];
  if (!dir) return;
  for (const pid of trackedPids(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
