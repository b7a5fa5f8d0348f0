import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cli <command> …` as an operator runs it: a child process of its own, configured only
 * through the environment — `env` over `CLIPADOR_APP_ENV=test` and `CLIPADOR_LOG_LEVEL=warn`, no
 * CLIPADOR_* of the jest process and no jest VM flags — so exit codes and the stdout/stderr split
 * are the real ones.
 */
export function runCli(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const inherited = Object.entries(process.env).filter(
    ([name]) => !name.startsWith('CLIPADOR_') && name !== 'NODE_OPTIONS',
  );
  const tsNode = require.resolve('ts-node/dist/bin.js');
  const child = spawn(
    process.execPath,
    [tsNode, '--transpile-only', 'src/cli.ts', command, ...args],
    {
      cwd: ROOT,
      env: {
        ...Object.fromEntries(inherited),
        CLIPADOR_APP_ENV: 'test',
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

/** The non-empty lines of a CLI's output. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}
