import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from './settings';

/**
 * A flame summary of a V8 `.cpuprofile` (what `node --cpu-prof` writes): where self time went,
 * by function and by "owner" (our src/, a package in node_modules, node internals, GC, idle).
 * Enough to say what bounds a benchmark without opening a flame graph viewer.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Excluding (idle) and (program) samples. */
  busyMs: number;
  byOwner: Array<{ owner: string; ms: number; share: number }>;
  /**
   * Self time of native code and node internals charged to the nearest caller that is ours or a
   * package's (a socket write under ioredis counts for ioredis): who asked for the work.
   */
  byRequester: Array<{ owner: string; ms: number; share: number }>;
  byFunction: Array<{ name: string; ms: number; share: number }>;
}

/** Owners that do work on behalf of someone else. */
function isInfrastructure(owner: string): boolean {
  return owner === '(native)' || owner.startsWith('node:');
}

function ownerOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program)';
    return '(native)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const ours = /\/(dist|src|bench|test)\/(.*)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2].split('/').slice(0, -1).join('/') || '.'}`;
  return url;
}

export function summariseProfile(path: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const requesterOf = (id: number): string => {
    let current: number | undefined = id;
    while (current !== undefined) {
      const owner = ownerOf(byId.get(current)!.callFrame);
      if (!isInfrastructure(owner)) return owner;
      current = parentOf.get(current);
    }
    return '(native)';
  };
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const owners = new Map<string, number>();
  const requesters = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    totalUs += us;
    const owner = ownerOf(frame);
    if (owner === '(idle)' || owner === '(program)') idleUs += us;
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const requester = requesterOf(id);
    requesters.set(requester, (requesters.get(requester) ?? 0) + us);
    const file = frame.url ? frame.url.split('/').slice(-2).join('/') : '';
    const name = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([key]) => key !== '(idle)' && !key.startsWith('(idle)') && key !== '(program)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => ({ key, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    byOwner: rank(owners).map(({ key, ms, share }) => ({ owner: key, ms, share })),
    byRequester: rank(requesters).map(({ key, ms, share }) => ({ owner: key, ms, share })),
    byFunction: rank(functions).map(({ key, ms, share }) => ({ name: key, ms, share })),
  };
}

export function formatProfile(summary: ProfileSummary, top = 12): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `profile: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms sampled`,
    '  self time by owner:',
    ...summary.byOwner.slice(0, top).map((o) => `    ${pct(o.share)}  ${o.owner}`),
    '  self time charged to the caller that asked for it (native work and node internals):',
    ...summary.byRequester.slice(0, top).map((o) => `    ${pct(o.share)}  ${o.owner}`),
    '  self time by function:',
    ...summary.byFunction.slice(0, top).map((f) => `    ${pct(f.share)}  ${f.name}`),
  ];
  return lines.join('\n');
}

/** The newest .cpuprofile in a directory (node names them by pid and time). */
export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort();
  return files.length > 0 ? join(dir, files[files.length - 1]) : undefined;
}

/**
 * A benchmark's CPU profile, taken when CLIPADOR_BENCH_PROFILE=1: the process under test runs
 * with `nodeArgs` (`--cpu-prof` into bench/results/profiles/<name>, emptied first), and
 * `report()` prints the newest profile's summary once it has exited. Without the variable both
 * do nothing.
 */
export class BenchProfile {
  private readonly dir: string | undefined;

  constructor(name: string) {
    if (process.env.CLIPADOR_BENCH_PROFILE !== '1') return;
    this.dir = join(RESULTS_DIR, 'profiles', name);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  get nodeArgs(): string[] {
    return this.dir ? ['--cpu-prof', `--cpu-prof-dir=${this.dir}`] : [];
  }

  report(): void {
    if (!this.dir) return;
    const file = newestProfile(this.dir);
    console.log(file ? formatProfile(summariseProfile(file)) : 'no CPU profile was written');
  }
}

if (require.main === module) {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: ts-node bench/support/profile.ts <file.cpuprofile>');
    process.exit(2);
  }
  console.log(formatProfile(summariseProfile(path, 30), 30));
}
