/**
 * Every benchmark of TARGETS.md, one after the other, then a summary table (`npm run bench`).
 *
 * Builds the service once, makes a fresh data set, runs each benchmark's main() and collects its
 * RESULT lines. The table is printed and written to bench/results/latest.md with the date and the
 * machine, ready for the README's Benchmarks section. Takes 6–8 minutes on the 2-core machine.
 *
 * `npm run bench -- read auth` runs only the named ones (read, auth, login-burst, public, ingest,
 * sync, ratelimit, budget, burst, config-me, fanout, events). `budget` alone takes 11 minutes.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { main as authOverhead } from './auth-overhead.bench';
import { main as budgetCycles } from './budget-cycles.bench';
import { main as burstRule } from './burst-rule.bench';
import { main as configMe } from './config-me.bench';
import { main as deliveryFanout } from './delivery-fanout.bench';
import { main as eventsFeed } from './events-feed.bench';
import { main as ingestWrite } from './ingest-write.bench';
import { main as loginBurst } from './login-burst.bench';
import { main as publicClips } from './public-clips.bench';
import { main as rateLimit } from './rate-limit.bench';
import { main as readPath } from './read-path.bench';
import { main as syncCycle } from './sync-cycle.bench';
import { ensureReadDataset } from './support/dataset';
import { ensureBuilt } from './support/service';
import { PG_ADMIN_URL, RESULTS_DIR } from './support/settings';
import { BenchResult, log, printResult, runIfMain } from './support/stats';

const BENCHMARKS: Array<[string, () => Promise<BenchResult | BenchResult[]>]> = [
  ['read', readPath],
  ['auth', authOverhead],
  ['login-burst', loginBurst],
  ['public', publicClips],
  ['ingest', ingestWrite],
  ['sync', syncCycle],
  ['ratelimit', rateLimit],
  ['budget', budgetCycles],
  ['burst', burstRule],
  ['config-me', configMe],
  ['fanout', deliveryFanout],
  ['events', eventsFeed],
];

function machine(): string {
  const model = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  let postgres = 'PostgreSQL ?';
  try {
    postgres = execFileSync('psql', [PG_ADMIN_URL, '-Atc', 'SHOW server_version'], {
      encoding: 'utf8',
    })
      .trim()
      .split(' ')[0];
    postgres = `PostgreSQL ${postgres}`;
  } catch {
    // The table is still worth having without the version.
  }
  return (
    `${cpus().length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `Node ${process.version}, ${postgres}`
  );
}

function table(results: BenchResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.value} | ${r.target} | ${r.ok ? 'ok' : 'short'} | ${r.detail ?? ''} |`,
  );
  return ['| benchmark | value | target | | measured |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

export async function main(): Promise<BenchResult[]> {
  const only = process.argv.slice(2);
  const started = performance.now();
  const load = loadavg()[0].toFixed(2);
  ensureBuilt();
  if (
    only.length === 0 ||
    only.includes('read') ||
    only.includes('auth') ||
    only.includes('login-burst')
  ) {
    // Fresh, so that its last hour holds its ~150 bursts.
    await ensureReadDataset(5);
  }
  const results: BenchResult[] = [];
  for (const [name, run] of BENCHMARKS) {
    if (only.length > 0 && !only.includes(name)) continue;
    log(`==== ${name}`);
    const outcome = await run();
    results.push(...(Array.isArray(outcome) ? outcome : [outcome]));
  }
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  const header =
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine()}; ` +
    `load average ${load} at start; ${minutes} min in all.`;
  const summary = `${header}\n\n${table(results)}\n`;
  writeFileSync(join(RESULTS_DIR, 'latest.md'), summary);
  console.log(`\n==== summary\n${summary}`);
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
