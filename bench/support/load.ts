import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './settings';
import { median, round } from './stats';

/**
 * HTTP load with autocannon, in a process of its own (never in the benchmark's event loop, which
 * would steal time from the measurement and be slowed down by it).
 */

const AUTOCANNON = join(REPO_ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const LOCAL_ADDRESSES_PRELOAD = join(REPO_ROOT, 'bench', 'support', 'local-addresses.js');

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  headers?: Record<string, string>;
  /**
   * Loopback addresses the connections are opened from, in turn (e.g. 127.0.0.1–127.0.0.8): the
   * load then comes from that many client addresses, as a per-address rate limit sees it.
   */
  localAddresses?: string[];
}

export interface LoadResult {
  /** 2xx answers per second over the run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Mean bytes per answer (headers included), to confirm what was served. */
  bytesPerAnswer: number;
}

interface AutocannonJson {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  throughput: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

export function autocannon(options: LoadOptions): Promise<LoadResult> {
  const bind = options.localAddresses ?? [];
  const args = [
    ...(bind.length > 0 ? ['-r', LOCAL_ADDRESSES_PRELOAD] : []),
    AUTOCANNON,
    '--json',
    '--no-progress',
    '-c',
    String(options.connections),
    '-d',
    String(options.durationSec),
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    args.push('-H', `${name}=${value}`);
  }
  args.push(options.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CLIPADOR_BENCH_LOCAL_ADDRESSES: bind.join(',') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`autocannon exited with ${code}: ${stderr}`));
        return;
      }
      const json = JSON.parse(stdout) as AutocannonJson;
      const seconds = json.duration || options.durationSec;
      resolve({
        rps: json['2xx'] / seconds,
        p50Ms: json.latency.p50,
        p99Ms: json.latency.p99,
        non2xx: json.non2xx,
        errors: json.errors,
        timeouts: json.timeouts,
        bytesPerAnswer: json.requests.total > 0 ? json.throughput.total / json.requests.total : 0,
      });
    });
  });
}

/** Medians of several runs, plus each run's throughput for the log. */
export interface LoadSummary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  runs: LoadResult[];
}

export function summarise(runs: LoadResult[]): LoadSummary {
  return {
    rps: round(median(runs.map((run) => run.rps)), 1),
    p50Ms: round(median(runs.map((run) => run.p50Ms)), 1),
    p99Ms: round(median(runs.map((run) => run.p99Ms)), 1),
    runs,
  };
}

export function describeRun(label: string, run: LoadResult): string {
  const failures = run.non2xx + run.errors + run.timeouts;
  return (
    `${label}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
    `${(run.bytesPerAnswer / 1024).toFixed(1)} KB/answer` +
    (failures > 0
      ? `, FAILURES non2xx=${run.non2xx} errors=${run.errors} timeouts=${run.timeouts}`
      : '')
  );
}

/** A run that had failures measures an error path, not the service: refuse it. */
export function assertClean(label: string, run: LoadResult): void {
  if (run.non2xx + run.errors + run.timeouts > 0) {
    throw new Error(`${describeRun(label, run)}: the run had failed requests`);
  }
}
