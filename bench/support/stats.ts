/** What a benchmark's main() resolves to: the figures of its RESULT line(s). */
export interface BenchResult {
  name: string;
  value: number;
  /** As printed after `target=`, e.g. `>=1.5` or `<=30000`. */
  target: string;
  ok: boolean;
  /** One line of context for the summary table (the baseline, the raw figures). */
  detail?: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** `>=1.5` style targets: true when `value` meets it. */
export function meets(value: number, target: string): boolean {
  const match = /^(>=|<=)(-?[\d.]+)$/.exec(target);
  if (!match) throw new Error(`Bad target ${target}`);
  const bound = Number(match[2]);
  return match[1] === '>=' ? value >= bound : value <= bound;
}

export function result(name: string, value: number, target: string, detail?: string): BenchResult {
  return { name, value, target, ok: meets(value, target), detail };
}

/** The line every benchmark ends with; bench/run-all.ts and the README quote it. */
export function printResult(r: BenchResult): void {
  console.log(`RESULT ${r.name}=${r.value} target=${r.target} ${r.ok ? 'ok' : 'short'}`);
}

export function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Runs a benchmark's main() when its file is the entry point, and sets the exit code on error. */
export function runIfMain(module: NodeModule, main: () => Promise<unknown>): void {
  if (require.main !== module) return;
  main().then(
    () => {
      // Open handles (a pool, a timer of a library) must not keep a finished benchmark alive.
      process.exit(process.exitCode ?? 0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
