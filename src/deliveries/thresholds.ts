/**
 * Per-user delivery thresholds (PRODUCT §13, refined by §16's "thresholds by monitor_mode"), as
 * pure functions over plain data. Detection stays §5's with the streamer's own settings, so one
 * burst serves every subscriber; these decide, per user, whether that burst reaches them and
 * which of its clips.
 *
 * The fan-out statement (deliveries.repository.ts) evaluates the same rule in SQL for thousands
 * of users at once: it takes `modeMinClipsParameters` for the burst's viewer count and applies
 * them per row exactly as `userThreshold` does here.
 */
import { minClipsByViews, PRESETS } from '../monitoring/presets';

export type MonitorModeName = 'AUTOMATICO' | 'MANUAL' | 'PADRAO' | 'RAPIDO';

export interface ThresholdInput {
  monitorMode: MonitorModeName;
  /** streamers.monitor_min_clips: a user's min is never below it. */
  streamerMinClips: number;
  streamerIntervalSeconds: number;
  /** user_streamers' own values; null = the streamer's. */
  subscriptionMinClips: number | null;
  subscriptionIntervalSeconds: number | null;
  manualMinClips: number | null;
  manualMinClipsVod: number | null;
  manualIntervalSeconds: number | null;
  /** The streamer's live viewer count at the burst; null = offline (or not known). */
  liveViewerCount: number | null;
}

export interface UserThreshold {
  /** Clips of the burst, within the window from its first clip, the user needs. */
  minClips: number;
  /** The user's window from the burst's anchor (first clip), in seconds. */
  windowSeconds: number;
}

/**
 * Each mode's own minimum for one burst, independent of the user (the SQL's parameters):
 * AUTOMATICO: the view-count table when live, none when offline (the subscription's min then);
 * PADRAO: its preset (3); RAPIDO: its preset (by views; 0 viewers when offline → 1);
 * MANUAL: the user's manual_min_clips when live, manual_min_clips_vod when offline.
 */
export interface ModeMinClipsParameters {
  automatico: number | null;
  padrao: number;
  rapido: number;
  /** true: MANUAL users use manual_min_clips; false: manual_min_clips_vod. */
  manualLive: boolean;
}

export function modeMinClipsParameters(liveViewerCount: number | null): ModeMinClipsParameters {
  const live = liveViewerCount !== null;
  return {
    automatico: live ? minClipsByViews(liveViewerCount) : null,
    padrao: presetMinClips('PADRAO', liveViewerCount ?? 0),
    rapido: presetMinClips('RAPIDO', liveViewerCount ?? 0),
    manualLive: live,
  };
}

/** min = max(streamer's min, subscription's min, mode's min); window per §13. */
export function userThreshold(input: ThresholdInput): UserThreshold {
  const parameters = modeMinClipsParameters(input.liveViewerCount);
  const subscriptionMin = input.subscriptionMinClips ?? input.streamerMinClips;
  const modeMin = modeMinFor(input, parameters);
  const subscriptionWindow = input.subscriptionIntervalSeconds ?? input.streamerIntervalSeconds;
  return {
    minClips: Math.max(input.streamerMinClips, subscriptionMin, modeMin ?? 0),
    windowSeconds:
      input.monitorMode === 'MANUAL' && input.manualIntervalSeconds !== null
        ? input.manualIntervalSeconds
        : subscriptionWindow,
  };
}

/**
 * What a burst gives one user: its clips within the user's window from the anchor, when there
 * are at least minClips of them; else nothing. Clips already delivered are the unique key's
 * business (a growing burst then yields only its new clips).
 */
export function clipsForUser<T extends { createdAt: Date }>(
  burstStart: Date,
  clips: readonly T[],
  threshold: UserThreshold,
): T[] {
  const limit = burstStart.getTime() + threshold.windowSeconds * 1000;
  const inWindow = clips.filter((clip) => clip.createdAt.getTime() <= limit);
  return inWindow.length >= threshold.minClips ? inWindow : [];
}

function modeMinFor(input: ThresholdInput, parameters: ModeMinClipsParameters): number | null {
  switch (input.monitorMode) {
    case 'AUTOMATICO':
      return parameters.automatico;
    case 'PADRAO':
      return parameters.padrao;
    case 'RAPIDO':
      return parameters.rapido;
    case 'MANUAL':
      return parameters.manualLive ? input.manualMinClips : input.manualMinClipsVod;
  }
}

function presetMinClips(name: 'PADRAO' | 'RAPIDO', viewers: number): number {
  const rule = PRESETS[name].min_clipes;
  return rule === 'by_views' ? minClipsByViews(viewers) : rule;
}
