/**
 * The burst rule (PRODUCT §5) as a pure function over plain data: no Nest, no ORM, no I/O, so that
 * it can be tested on its own and ingestion only has to write the plan it returns.
 *
 * Why growing and then the greedy rule gives the same bursts in one sync or in many
 * (batch invariance, fix 3), for clips that arrive in (created_at, clip id) order:
 *
 * Let P be the clips seen so far, X the next batch (every clip of X sorts after every clip of P),
 * and compare the one-shot greedy over P with the one-shot greedy over P ∪ X, anchor by anchor.
 * 1. A burst of P keeps its anchor: its group can only gain clips of X, never lose any, because the
 *    clips of P used before its turn are the same (induction on the anchors in order).
 * 2. A clip of X inside the window of some burst of P goes to the earliest such anchor, which is what
 *    growth does (earliest anchor, ties by anchor clip id).
 * 3. A failed anchor f of P whose window reaches no clip of X still fails: its group is unchanged.
 * 4. Let f be the first failed anchor of P whose window does reach a clip x of X. Every clip of P
 *    after f is then within W of f (it sorts before x), so if any burst of P were anchored after f,
 *    its group would be a subset of f's and f would not have failed. So no burst of P starts after
 *    f: from f on, both runs do the same thing, the greedy scan over the clips still unused.
 * planBursts does exactly 2 then 4 (re-scanning earlier failures is harmless by 3: they fail again,
 * and a failed group uses nothing). Clips that arrive late (out of order) are not covered; for them
 * fix 4 holds instead: one inside an existing window joins that burst, anchors never change.
 *
 * What the caller must pass so that nothing is missed, for new clips from time T on: every clip
 * of the streamer not in a burst with created_at ≥ T − W (older ones can neither reach a new clip
 * nor be reached by one), and every burst of the streamer with anchor created_at ≥ T − W.
 */

/** The streamer's own settings: W = monitor_interval_seconds, K = monitor_min_clips. */
export interface BurstRuleParams {
  windowSeconds: number;
  minClips: number;
}

/**
 * The little of a clip the rule needs. `clipId` breaks ties on created_at so that the result never
 * depends on DB insertion order; `ref` (the DB row id) is carried through so the caller can write
 * the plan without a lookup.
 */
export interface ClipPoint {
  clipId: string;
  createdAtMs: number;
  ref: number;
}

/** A stored burst that new clips may still join; its identity is its anchor (fix 1). */
export interface ExistingBurst {
  burstId: number;
  anchor: ClipPoint;
  endMs: number;
  clipCount: number;
}

/** A burst to insert: start = anchor = clips[0], end = the last clip. */
export interface NewBurst {
  anchor: ClipPoint;
  clips: ClipPoint[];
}

/** A stored burst to update in place (fix 2): new members, and the end and count after adding them. */
export interface GrownBurst {
  burstId: number;
  added: ClipPoint[];
  endMs: number;
  clipCount: number;
}

/** Everything ingestion has to write for one streamer; empty when nothing changes (fix 1). */
export interface BurstPlan {
  created: NewBurst[];
  grown: GrownBurst[];
}

/**
 * The one order the rule is defined over: created_at, then clip id by code unit (not locale, and not
 * the database's collation, which may differ), so every caller and every run agrees on it.
 */
export function compareClipPoints(a: ClipPoint, b: ClipPoint): number {
  const dt = a.createdAtMs - b.createdAtMs;
  if (dt !== 0) return dt;
  return a.clipId < b.clipId ? -1 : a.clipId > b.clipId ? 1 : 0;
}

/**
 * Decides, for one streamer, which clips not yet in a burst join a stored burst (growth first) and
 * which form new bursts (the greedy rule over the rest). Linear after one sort; the sort is skipped
 * when the input is already ordered, as it is when read with ORDER BY created_at, clip_id.
 */
export function planBursts(
  unassigned: readonly ClipPoint[],
  existing: readonly ExistingBurst[],
  params: BurstRuleParams,
): BurstPlan {
  const windowMs = checkedWindowMs(params);
  const clips = inRuleOrder(unassigned);
  const grown: GrownBurst[] = [];
  const rest = existing.length === 0 ? clips : growExisting(clips, existing, windowMs, grown);
  return { created: greedyBursts(rest, windowMs, params.minClips), grown };
}

/** For a whole set of clips at once (seed import, tests): the bursts as if nothing were stored yet. */
export function detectBursts(clips: readonly ClipPoint[], params: BurstRuleParams): NewBurst[] {
  return planBursts(clips, [], params).created;
}

function checkedWindowMs(params: BurstRuleParams): number {
  const { windowSeconds, minClips } = params;
  if (!Number.isFinite(windowSeconds) || windowSeconds < 0) {
    throw new Error(`burst rule: windowSeconds must be a finite number ≥ 0, got ${windowSeconds}`);
  }
  if (!Number.isInteger(minClips) || minClips < 1) {
    throw new Error(`burst rule: minClips must be an integer ≥ 1, got ${minClips}`);
  }
  return windowSeconds * 1000;
}

/**
 * The clips in rule order, without copying when they already are. A NaN time would make the order
 * (and so the bursts) arbitrary, and the same clip twice would be counted twice: both are refused.
 */
function inRuleOrder(clips: readonly ClipPoint[]): readonly ClipPoint[] {
  let sorted = true;
  for (let i = 0; i < clips.length; i++) {
    if (!Number.isFinite(clips[i].createdAtMs)) {
      throw new Error(`burst rule: clip ${clips[i].clipId} has no valid created_at`);
    }
    if (i > 0 && sorted) {
      const order = compareClipPoints(clips[i - 1], clips[i]);
      if (order === 0) throw duplicateClip(clips[i]);
      if (order > 0) sorted = false;
    }
  }
  if (sorted) return clips;
  const copy = clips.slice().sort(compareClipPoints);
  for (let i = 1; i < copy.length; i++) {
    if (compareClipPoints(copy[i - 1], copy[i]) === 0) throw duplicateClip(copy[i]);
  }
  return copy;
}

function duplicateClip(clip: ClipPoint): Error {
  return new Error(`burst rule: clip ${clip.clipId} is given twice`);
}

function compareAnchors(a: ExistingBurst, b: ExistingBurst): number {
  return compareClipPoints(a.anchor, b.anchor);
}

/**
 * Growth (fixes 2 and 4): a clip with anchor ≤ created_at ≤ anchor + W joins the earliest such burst.
 * Both lists are in order, so the earliest window still open only moves forward: two pointers.
 * Pushes the grown bursts into `grown` and returns the clips that joined none, still in order.
 */
function growExisting(
  clips: readonly ClipPoint[],
  existing: readonly ExistingBurst[],
  windowMs: number,
  grown: GrownBurst[],
): readonly ClipPoint[] {
  for (const burst of existing) {
    if (!Number.isFinite(burst.anchor.createdAtMs)) {
      throw new Error(
        `burst rule: burst ${burst.burstId} has an anchor without a valid created_at`,
      );
    }
  }
  const bursts = isOrdered(existing) ? existing : existing.slice().sort(compareAnchors);
  const added: (ClipPoint[] | undefined)[] = new Array<ClipPoint[] | undefined>(bursts.length);
  const rest: ClipPoint[] = [];
  let open = 0;
  for (const clip of clips) {
    const t = clip.createdAtMs;
    while (open < bursts.length && t - bursts[open].anchor.createdAtMs > windowMs) open++;
    if (open < bursts.length && bursts[open].anchor.createdAtMs <= t) {
      (added[open] ??= []).push(clip);
    } else {
      rest.push(clip);
    }
  }
  for (let b = 0; b < bursts.length; b++) {
    const joined = added[b];
    if (joined === undefined) continue;
    const burst = bursts[b];
    grown.push({
      burstId: burst.burstId,
      added: joined,
      endMs: Math.max(burst.endMs, joined[joined.length - 1].createdAtMs),
      clipCount: burst.clipCount + joined.length,
    });
  }
  return rest;
}

function isOrdered(bursts: readonly ExistingBurst[]): boolean {
  for (let i = 1; i < bursts.length; i++) {
    if (compareAnchors(bursts[i - 1], bursts[i]) > 0) return false;
  }
  return true;
}

/**
 * The greedy rule over ordered clips none of which is in a burst. Every clip from the current anchor
 * on is unused (a burst takes a contiguous run from its anchor, a failed group takes nothing), so a
 * group is the run [i, j); j never moves back because the window's end only moves forward.
 */
function greedyBursts(clips: readonly ClipPoint[], windowMs: number, minClips: number): NewBurst[] {
  const created: NewBurst[] = [];
  const n = clips.length;
  let i = 0;
  let j = 0;
  while (n - i >= minClips) {
    const anchorMs = clips[i].createdAtMs;
    if (j <= i) j = i + 1;
    while (j < n && clips[j].createdAtMs - anchorMs <= windowMs) j++;
    if (j - i >= minClips) {
      created.push({ anchor: clips[i], clips: clips.slice(i, j) });
      i = j;
    } else {
      i++;
    }
  }
  return created;
}
