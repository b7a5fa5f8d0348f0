import { setTimeout as sleep } from 'node:timers/promises';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  BENCH_ENCRYPTION_KEY,
  BENCH_JWT_SECRET,
  REDIS_URL,
  REPO_ROOT,
  RESULTS_DIR,
  SERVICE_LOG_LEVEL,
} from './settings';
import { log } from './stats';

/**
 * The service under test runs as a real built process, `node dist/main.js`, with the roles and
 * environment production would give it. Its stdout (the JSON log) goes to a file under
 * bench/results/, as it would go to a log collector, not to a terminal.
 */

/**
 * The build under test. CLIPADOR_BENCH_DIST points at another build's dist/ (e.g. of the previous
 * commit, exported and built elsewhere) to measure a before/after with the same benchmark.
 */
const DIST = process.env.CLIPADOR_BENCH_DIST ?? join(REPO_ROOT, 'dist');
const MAIN_JS = join(DIST, 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

/** `npm run build` unless dist/ is newer than every file of src/. */
export function ensureBuilt(): void {
  if (process.env.CLIPADOR_BENCH_DIST) return;
  const built = existsSync(MAIN_JS) ? statSync(MAIN_JS).mtimeMs : 0;
  if (built > newestMtime(join(REPO_ROOT, 'src'))) return;
  log('building the service (npm run build)');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceOptions {
  /** Names the log file: bench/results/<name>.log. */
  name: string;
  databaseUrl: string;
  roles: string;
  redisPrefix?: string;
  /** No Redis: in-process jobs (only meaningful for a single process). */
  noRedis?: boolean;
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

export interface ServiceProcess {
  name: string;
  pid: number;
  /** Base URL when the process has the `api` role. */
  url: string | undefined;
  logPath: string;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** CPU time (user + system) used so far, in ms. */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** The environment of a production process, minus anything of ours leaking from the parent. */
function serviceEnv(options: ServiceOptions, port: number): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CLIPADOR_') && !key.startsWith('NODE_OPTIONS')) base[key] = value;
  }
  return {
    ...base,
    NODE_ENV: 'production',
    CLIPADOR_APP_ENV: 'production',
    CLIPADOR_JWT_SECRET: BENCH_JWT_SECRET,
    CLIPADOR_ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
    CLIPADOR_DATABASE_URL: options.databaseUrl,
    ...(options.noRedis ? {} : { CLIPADOR_REDIS_URL: REDIS_URL }),
    CLIPADOR_REDIS_PREFIX: options.redisPrefix ?? `clipador-bench-${options.name}`,
    CLIPADOR_ROLES: options.roles,
    CLIPADOR_HOST: '127.0.0.1',
    CLIPADOR_PORT: String(port),
    CLIPADOR_LOG_LEVEL: SERVICE_LOG_LEVEL,
    ...options.env,
  };
}

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const hasApi = options.roles.split(',').includes('api');
  const port = hasApi ? await freePort() : 0;
  const logPath = join(RESULTS_DIR, `${options.name}.log`);
  const logFd = openSync(logPath, 'w');
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN_JS], {
    cwd: REPO_ROOT,
    env: serviceEnv(options, port),
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let alive = true;
  void exited.then(() => (alive = false));

  const url = hasApi ? `http://127.0.0.1:${port}` : undefined;
  const pid = child.pid!;
  const startedAt = Date.now();
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive) {
      throw new Error(`${options.name} exited during start; see ${logPath}:\n${tail(logPath)}`);
    }
    if (url ? await healthy(url) : startedInLog(logPath, Date.now() - startedAt)) break;
    if (Date.now() > deadline) throw new Error(`${options.name} did not start; see ${logPath}`);
    await sleep(100);
  }

  return {
    name: options.name,
    pid,
    url,
    logPath,
    peakRssMb: () => peakRssMb(pid),
    cpuMs: () => cpuMs(pid),
    stop: async () => {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

const QUIET_LEVELS = new Set(['warn', 'error', 'fatal', 'silent']);

/** A headless process logs `clipador_started` (at info); at quieter levels, 8 s alive will do. */
function startedInLog(logPath: string, aliveMs: number): boolean {
  if (QUIET_LEVELS.has(SERVICE_LOG_LEVEL)) return aliveMs > 8_000;
  return readFileSync(logPath, 'utf8').includes('clipador_started');
}

function tail(path: string): string {
  return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
}

export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** utime + stime of a process from /proc (clock ticks of 10 ms on Linux). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Runs a short-lived `node dist/cli.js …` with the same production environment. */
export function runCli(databaseUrl: string, args: string[]): string {
  return execFileSync(process.execPath, [join(DIST, 'cli.js'), ...args], {
    cwd: REPO_ROOT,
    env: {
      ...serviceEnv({ name: 'cli', databaseUrl, roles: 'api', noRedis: true }, 0),
      CLIPADOR_LOG_LEVEL: 'warn',
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface ScriptProcess {
  pid: number;
  stop(): Promise<void>;
}

/**
 * A TypeScript helper (a baseline server, a worker of a benchmark) in its own process, started
 * through ts-node's transpile-only hook; resolves once it prints a line matching `ready`.
 */
export async function startScript(
  script: string,
  args: string[],
  ready: RegExp,
  nodeArgs: string[] = [],
): Promise<ScriptProcess> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '-r', 'ts-node/register/transpile-only', join(REPO_ROOT, script), ...args],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (ready.test(seen)) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`${script} exited with ${code}: ${seen}`)));
  });
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export { sleep };
