/**
 * Burst rule benchmark (TARGETS: 1M clips over 1,000 streamers in ≤ 2 s CPU).
 *
 * Calls planBursts once per streamer with existing = [], as ingestion does for a streamer with no
 * stored bursts in reach. The headline figure feeds each streamer's clips in shuffled order, so the
 * sort is paid every time; the figure for clips already in rule order (what ORDER BY created_at,
 * clip_id gives) is printed beside it. CPU is user + system over the whole loop, after a warm-up
 * pass; the median of 3 runs is reported.
 *
 * Run: npx ts-node --transpile-only bench/burst-rule.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { BurstRuleParams, ClipPoint, compareClipPoints, planBursts } from '../src/clips/burst-rule';
import { seededRandom } from '../test/twitch-simulator/scenario';

const STREAMERS = 1_000;
const CLIPS_PER_STREAMER = 1_000;
const RUNS = 3;
const TARGET_CPU_MS = 2_000;
const SEED = 0x5eed_b0b5;

/** What run-all reads back: the RESULT line's figures. */
export interface BurstRuleBenchResult {
  name: 'burst_rule_cpu_ms';
  value: number;
  target: string;
  ok: boolean;
}

interface StreamerInput {
  params: BurstRuleParams;
  clips: ClipPoint[];
}

const SLUG_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function slug(random: () => number): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += SLUG_CHARS[Math.floor(random() * SLUG_CHARS.length)];
  return id;
}

/**
 * Mostly sparse clips (exponential gaps, mean 20 min, whole seconds so that ties happen), with about
 * one clip in five inside a dense run of 5–40 clips packed into most of a window.
 */
function generate(seed: number): StreamerInput[] {
  // Deterministic, so every run measures the same clips.
  const random = seededRandom(seed);
  const start = Date.UTC(2024, 0, 1);
  const streamers: StreamerInput[] = [];
  let ref = 1;
  for (let s = 0; s < STREAMERS; s++) {
    const windowSeconds = [60, 120, 180, 300][Math.floor(random() * 4)];
    const minClips = 2 + Math.floor(random() * 4);
    const clips: ClipPoint[] = [];
    let now = start + Math.floor(random() * 86_400) * 1000;
    while (clips.length < CLIPS_PER_STREAMER) {
      if (random() < 0.01) {
        const size = Math.min(5 + Math.floor(random() * 36), CLIPS_PER_STREAMER - clips.length);
        const spreadMs = windowSeconds * 800;
        for (let c = 0; c < size; c++) {
          const at = now + Math.floor((random() * spreadMs) / 1000) * 1000;
          clips.push({ clipId: slug(random), createdAtMs: at, ref: ref++ });
        }
        now += spreadMs;
      } else {
        now += Math.ceil(-Math.log(1 - random()) * 1_200) * 1000;
        clips.push({ clipId: slug(random), createdAtMs: now, ref: ref++ });
      }
    }
    for (let i = clips.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [clips[i], clips[j]] = [clips[j], clips[i]];
    }
    streamers.push({ params: { windowSeconds, minClips }, clips });
  }
  return streamers;
}

interface Pass {
  cpuMs: number;
  wallMs: number;
  bursts: number;
  clipsInBursts: number;
}

/** One ingestion-like pass: one planBursts call per streamer. */
function pass(streamers: StreamerInput[]): Pass {
  let bursts = 0;
  let clipsInBursts = 0;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (const streamer of streamers) {
    const plan = planBursts(streamer.clips, [], streamer.params);
    bursts += plan.created.length;
    for (const burst of plan.created) clipsInBursts += burst.clips.length;
  }
  const wallMs = performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, bursts, clipsInBursts };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label: string, streamers: StreamerInput[]): Pass {
  pass(streamers);
  const runs: Pass[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(pass(streamers));
  const cpuMs = median(runs.map((run) => run.cpuMs));
  const wallMs = median(runs.map((run) => run.wallMs));
  console.log(
    `${label}: cpu ms per run ${runs.map((run) => run.cpuMs.toFixed(0)).join(' / ')}` +
      ` (median ${cpuMs.toFixed(0)}), wall ms median ${wallMs.toFixed(0)}`,
  );
  return { cpuMs, wallMs, bursts: runs[0].bursts, clipsInBursts: runs[0].clipsInBursts };
}

function run(): BurstRuleBenchResult {
  const streamers = generate(SEED);
  const clips = streamers.reduce((sum, streamer) => sum + streamer.clips.length, 0);
  const ordered = streamers.map((streamer) => ({
    params: streamer.params,
    clips: streamer.clips.slice().sort(compareClipPoints),
  }));

  console.log(`burst rule: ${clips} clips over ${streamers.length} streamers, ${RUNS} runs each`);
  const shuffled = measure('shuffled input (sorted inside)', streamers);
  const inOrder = measure('input already in rule order ', ordered);
  if (shuffled.bursts !== inOrder.bursts || shuffled.clipsInBursts !== inOrder.clipsInBursts) {
    throw new Error('burst rule gave different bursts for the same clips in another order');
  }
  console.log(
    `bursts found: ${shuffled.bursts} (${shuffled.clipsInBursts} clips in bursts, ` +
      `${((100 * shuffled.clipsInBursts) / clips).toFixed(1)}%)`,
  );

  const value = Math.round(shuffled.cpuMs);
  const ok = value <= TARGET_CPU_MS;
  console.log(`RESULT burst_rule_cpu_ms=${value} target=<=${TARGET_CPU_MS} ${ok ? 'ok' : 'short'}`);
  return { name: 'burst_rule_cpu_ms', value, target: `<=${TARGET_CPU_MS}`, ok };
}

/** Async like every benchmark's main, so that bench/run-all.ts can await them all the same way. */
export function main(): Promise<BurstRuleBenchResult> {
  return Promise.resolve().then(run);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
