/**
 * Monitoring presets and `POST /monitoring/resolve` (PRODUCT §7), as pure functions.
 *
 * The resolve body comes from dashboard forms, so its fields are read leniently, as the old
 * service did: "30" counts as 30, and junk ("invalid", 0, -5) falls back instead of being refused.
 * What counts as a positive integer is decided in one place, `parsePositiveInteger`.
 */

export type MinClipsRule = number | 'by_views';

export interface Preset {
  intervalo_segundos: number;
  min_clipes: MinClipsRule;
}

export const DEFAULT_MODE = 'PADRAO';
export const DEFAULT_FALLBACK_INTERVAL = 120;
export const DEFAULT_FALLBACK_MINIMUM = 3;

export const PRESETS: Readonly<Record<string, Readonly<Preset>>> = Object.freeze({
  PADRAO: Object.freeze({ intervalo_segundos: 120, min_clipes: 3 }),
  RAPIDO: Object.freeze({ intervalo_segundos: 60, min_clipes: 'by_views' as const }),
});

/** The view-count table: < 200 → 1, < 1000 → 2, < 50000 → 3, otherwise 4. */
export function minClipsByViews(viewers: number): number {
  if (viewers < 200) return 1;
  if (viewers < 1_000) return 2;
  if (viewers < 50_000) return 3;
  return 4;
}

/** Optional surrounding spaces and a `+`, then decimal digits only (no "30.0", "1e3", "0x1e"). */
const INTEGER_TEXT = /^\s*\+?\d+\s*$/;
const DECIMAL_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/;

/**
 * A whole number ≥ 1, given as a JSON number or as decimal text; undefined for anything else.
 *   30, "30", " 30 ", "+30", "030" → 30
 *   30.5, "30.5", "30abc", "1e3", "", 0, "0", -5, true, null, [30] → undefined
 * A fraction is refused rather than truncated (the old service's int() would turn 30.5 into 30):
 * silently changing a number the user typed is worse than falling back visibly to the default.
 */
export function parsePositiveInteger(value: unknown): number | undefined {
  let parsed: number;
  if (typeof value === 'number') parsed = value;
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) parsed = Number(value);
  else return undefined;
  return Number.isSafeInteger(parsed) && parsed >= 1 ? parsed : undefined;
}

/** A view count as a finite number or decimal text; 0 when missing or unreadable. */
export function parseViewers(value: unknown): number {
  let parsed = NaN;
  if (typeof value === 'number') parsed = value;
  else if (typeof value === 'string' && DECIMAL_TEXT.test(value)) parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

/** The resolve body as received: any JSON value per field; absent and null mean "not given". */
export interface ResolveInput {
  modo?: unknown;
  intervalo_manual?: unknown;
  minimo_manual?: unknown;
  fallback_intervalo?: unknown;
  fallback_minimo?: unknown;
  viewers?: unknown;
}

export interface Resolution {
  intervalo_segundos: number;
  min_clipes: number;
}

/** A preset by exact name; inherited keys such as "toString" or "__proto__" are not presets. */
export function findPreset(mode: unknown): Readonly<Preset> | undefined {
  return typeof mode === 'string' && Object.hasOwn(PRESETS, mode) ? PRESETS[mode] : undefined;
}

/**
 * Interval: the preset's when `modo` names one, else `intervalo_manual` if it is a positive
 * integer, else `fallback_intervalo`. Minimum: the preset's (with `by_views` evaluated on
 * `viewers`), else `minimo_manual` if it is an integer ≥ 1, else `fallback_minimo`. A fallback
 * that is itself not a positive integer is replaced by its default (120 and 3), so the answer is
 * always a pair of positive integers.
 */
export function resolveMonitoring(input: ResolveInput): Resolution {
  const mode = input.modo ?? DEFAULT_MODE;
  const preset = findPreset(mode);
  const fallbackInterval =
    parsePositiveInteger(input.fallback_intervalo) ?? DEFAULT_FALLBACK_INTERVAL;
  const fallbackMinimum = parsePositiveInteger(input.fallback_minimo) ?? DEFAULT_FALLBACK_MINIMUM;

  if (preset) {
    return {
      intervalo_segundos: preset.intervalo_segundos,
      min_clipes:
        preset.min_clipes === 'by_views'
          ? minClipsByViews(parseViewers(input.viewers))
          : preset.min_clipes,
    };
  }
  return {
    intervalo_segundos: parsePositiveInteger(input.intervalo_manual) ?? fallbackInterval,
    min_clipes: parsePositiveInteger(input.minimo_manual) ?? fallbackMinimum,
  };
}
