import type { HelixUser } from '../../src/twitch/helix.types';
import type { TwitchSimulator } from './twitch-simulator';

/**
 * A living channel population for demos and soak runs: a few streamers whose viewers clip now
 * and then, with a burst (several clips of the same moment within seconds) every so often, some
 * clips indexed late as Twitch does, and view counts that keep growing.
 *
 * Deterministic for a given seed, so a demo can be replayed.
 */

export interface ScenarioOptions {
  /** How many streamers to create (ids 1001, 1002, …). Default 5. */
  streamers?: number;
  /** Clips per minute across all streamers outside bursts. Default 6. */
  backgroundClipsPerMinute?: number;
  /** A burst starts this often (on a random streamer). Default 45 s. */
  burstEveryMs?: number;
  /** Clips in one burst, inclusive range. Default 3–7. */
  burstSize?: [number, number];
  /** Spread of one burst's clip times. Default 20 s. */
  burstSpreadMs?: number;
  /** Share of clips that Twitch indexes late, and how late. Defaults 0.2 and 90 s. */
  lateShare?: number;
  lateByMs?: number;
  /** How often the generator runs. Default 1 s. */
  tickMs?: number;
  /** Clips already there at start (spread over the last hour). Default 20. */
  historyClips?: number;
  seed?: number;
  /** Receives one call per thing done; the demo prints them. */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

const STREAMER_NAMES = [
  'Gaules',
  'Alanzoka',
  'Casimiro',
  'Loud_Coringa',
  'Baiano',
  'Mch_Agg',
  'Nobru',
  'Cellbit',
  'Felps',
  'Jukes',
];

/** mulberry32: tiny, seedable, good enough for fake traffic. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Adds `count` streamers (ids 1001…) and returns them. */
export function seedDemoStreamers(simulator: TwitchSimulator, count: number): HelixUser[] {
  const users: HelixUser[] = [];
  for (let index = 0; index < count; index++) {
    const name = STREAMER_NAMES[index % STREAMER_NAMES.length];
    const suffix =
      index >= STREAMER_NAMES.length ? String(Math.floor(index / STREAMER_NAMES.length)) : '';
    users.push(
      simulator.addUser({
        id: String(1001 + index),
        login: `${name}${suffix}`.toLowerCase(),
        display_name: `${name}${suffix}`,
      }),
    );
  }
  return users;
}

export class ClipScenario {
  readonly streamers: HelixUser[];
  private readonly random: () => number;
  private readonly options: Required<Omit<ScenarioOptions, 'log' | 'seed'>>;
  private readonly log: (event: string, fields: Record<string, unknown>) => void;
  private readonly clipIds: string[] = [];
  private readonly viewsById = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private nextBurstAt = 0;
  private lastTickAt = 0;
  private backgroundCarry = 0;

  constructor(
    private readonly simulator: TwitchSimulator,
    options: ScenarioOptions = {},
  ) {
    this.options = {
      streamers: options.streamers ?? 5,
      backgroundClipsPerMinute: options.backgroundClipsPerMinute ?? 6,
      burstEveryMs: options.burstEveryMs ?? 45_000,
      burstSize: options.burstSize ?? [3, 7],
      burstSpreadMs: options.burstSpreadMs ?? 20_000,
      lateShare: options.lateShare ?? 0.2,
      lateByMs: options.lateByMs ?? 90_000,
      tickMs: options.tickMs ?? 1000,
      historyClips: options.historyClips ?? 20,
    };
    this.random = seededRandom(options.seed ?? 42);
    this.log = options.log ?? (() => {});
    this.streamers = seedDemoStreamers(simulator, this.options.streamers);
  }

  /** Seeds history, then generates clips every tick until stop(). */
  start(now = Date.now()): void {
    for (let index = 0; index < this.options.historyClips; index++) {
      this.addClip(
        this.pickStreamer(),
        now - Math.floor(this.random() * 60 * 60 * 1000),
        now,
        false,
      );
    }
    this.log('scenario_started', {
      streamers: this.streamers.map((streamer) => `${streamer.id}:${streamer.login}`),
      historyClips: this.options.historyClips,
    });
    this.lastTickAt = now;
    this.nextBurstAt = now + this.options.burstEveryMs / 2;
    this.timer = setInterval(() => this.tick(Date.now()), this.options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One step of the generator; public so tests and benchmarks can drive time themselves. */
  tick(now: number): void {
    const elapsedMs = Math.max(0, now - this.lastTickAt);
    this.lastTickAt = now;

    this.backgroundCarry += (elapsedMs / 60_000) * this.options.backgroundClipsPerMinute;
    while (this.backgroundCarry >= 1) {
      this.backgroundCarry -= 1;
      const streamer = this.pickStreamer();
      const id = this.addClip(streamer, now - Math.floor(this.random() * elapsedMs), now, true);
      this.log('clip_added', { streamer: streamer.login, clip: id });
    }

    if (now >= this.nextBurstAt) {
      this.nextBurstAt = now + this.options.burstEveryMs;
      const streamer = this.pickStreamer();
      const [min, max] = this.options.burstSize;
      const size = min + Math.floor(this.random() * (max - min + 1));
      const ids: string[] = [];
      for (let index = 0; index < size; index++) {
        ids.push(
          this.addClip(
            streamer,
            now - Math.floor(this.random() * this.options.burstSpreadMs),
            now,
            true,
          ),
        );
      }
      this.log('burst_added', {
        streamer: streamer.login,
        clips: ids,
        spreadMs: this.options.burstSpreadMs,
      });
    }

    // Views grow on a few random clips, so a re-fetch has something to refresh.
    for (let index = 0; index < 3 && this.clipIds.length > 0; index++) {
      const id = this.clipIds[Math.floor(this.random() * this.clipIds.length)];
      this.simulator.updateClip(id, { view_count: this.viewsAfterGrowth(id) });
    }
  }

  private viewsAfterGrowth(id: string): number {
    const views = (this.viewsById.get(id) ?? 1) + 1 + Math.floor(this.random() * 20);
    this.viewsById.set(id, views);
    return views;
  }

  private pickStreamer(): HelixUser {
    return this.streamers[Math.floor(this.random() * this.streamers.length)];
  }

  private addClip(
    streamer: HelixUser,
    createdAtMs: number,
    now: number,
    mayBeLate: boolean,
  ): string {
    const late = mayBeLate && this.random() < this.options.lateShare;
    const views = 1 + Math.floor(this.random() * 50);
    const clip = this.simulator.addClip({
      broadcaster_id: streamer.id,
      created_at: new Date(createdAtMs),
      view_count: views,
      title: `${streamer.display_name} moment`,
      video_id: `20${streamer.id}`,
      duration: 10 + Math.round(this.random() * 500) / 10,
      visibleAfter: late ? new Date(now + this.options.lateByMs) : undefined,
    });
    this.viewsById.set(clip.id, views);
    this.clipIds.push(clip.id);
    if (late)
      this.log('clip_indexed_late', {
        streamer: streamer.login,
        clip: clip.id,
        visibleInMs: this.options.lateByMs,
      });
    return clip.id;
  }
}

/** Creates the streamers, seeds history and starts generating. */
export function startScenario(
  simulator: TwitchSimulator,
  options: ScenarioOptions = {},
): ClipScenario {
  const scenario = new ClipScenario(simulator, options);
  scenario.start();
  return scenario;
}
