import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cli <args…>` as an operator would: a child process of its own, configured only through
 * the environment (none of the test's CLIPADOR_* variables, no jest VM flags), so exit codes and
 * the stdout/stderr split are the real ones.
 */
export function runCli(
  /** null: no CLIPADOR_DATABASE_URL (the embedded database). */
  databaseUrl: string | null,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const inherited = Object.entries(process.env).filter(
    ([name]) => !name.startsWith('CLIPADOR_') && name !== 'NODE_OPTIONS',
  );
  const child = spawn(
    process.execPath,
    [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/cli.ts', ...args],
    {
      cwd: join(__dirname, '..', '..'),
      env: {
        ...Object.fromEntries(inherited),
        CLIPADOR_APP_ENV: 'test',
        ...(databaseUrl === null ? {} : { CLIPADOR_DATABASE_URL: databaseUrl }),
        CLIPADOR_LOG_LEVEL: 'warn',
        ...env,
      },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
