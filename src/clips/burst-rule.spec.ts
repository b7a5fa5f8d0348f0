import fc from 'fast-check';
import {
  BurstPlan,
  BurstRuleParams,
  ClipPoint,
  ExistingBurst,
  detectBursts,
  planBursts,
} from './burst-rule';

const NOW = Date.UTC(2024, 4, 1, 20, 0, 0);
const MINUTE = 60_000;
let nextRef = 1;

function clipAt(clipId: string, createdAtMs: number): ClipPoint {
  return { clipId, createdAtMs, ref: nextRef++ };
}

function minutesAgo(clipId: string, minutes: number): ClipPoint {
  return clipAt(clipId, NOW - minutes * MINUTE);
}

function idsOf(clips: readonly ClipPoint[]): string[] {
  return clips.map((clip) => clip.clipId);
}

function stored(burstId: number, members: ClipPoint[]): ExistingBurst {
  return {
    burstId,
    anchor: members[0],
    endMs: Math.max(...members.map((clip) => clip.createdAtMs)),
    clipCount: members.length,
  };
}

describe('burst rule', () => {
  describe('the greedy rule', () => {
    it('finds the one burst of the original example and leaves the later clip alone', () => {
      const clips = [
        minutesAgo('a', 10),
        minutesAgo('b', 9.5),
        minutesAgo('c', 9),
        minutesAgo('d', 4),
      ];

      const bursts = detectBursts(clips, { windowSeconds: 120, minClips: 2 });

      expect(bursts).toHaveLength(1);
      expect(idsOf(bursts[0].clips)).toEqual(['a', 'b', 'c']);
      expect(bursts[0].anchor).toBe(clips[0]);
      expect(bursts[0].clips[2].createdAtMs).toBe(NOW - 9 * MINUTE);
    });

    it('lets the clips of a failed group form a burst from a later anchor', () => {
      // a's group is {a, b}: too small. A failed group uses nothing, so b anchors {b, c, d}.
      const clips = [
        clipAt('a', NOW),
        clipAt('b', NOW + 50_000),
        clipAt('c', NOW + 100_000),
        clipAt('d', NOW + 105_000),
      ];

      const bursts = detectBursts(clips, { windowSeconds: 60, minClips: 3 });

      expect(bursts).toHaveLength(1);
      expect(bursts[0].anchor.clipId).toBe('b');
      expect(idsOf(bursts[0].clips)).toEqual(['b', 'c', 'd']);
    });

    it('orders clips created at the same time by clip id, whatever order they are given in', () => {
      const z = clipAt('z', NOW);
      const a = clipAt('a', NOW);
      const m = clipAt('m', NOW);
      const params = { windowSeconds: 60, minClips: 2 };

      const given = detectBursts([z, a, m], params);
      const reversed = detectBursts([m, a, z], params);

      expect(given).toHaveLength(1);
      expect(given[0].anchor).toBe(a);
      expect(idsOf(given[0].clips)).toEqual(['a', 'm', 'z']);
      expect(reversed).toEqual(given);
    });

    it('orders clip ids by code unit, not by locale', () => {
      // 'Z' (0x5a) sorts before 'a' (0x61); a locale compare would put 'a' first.
      const bursts = detectBursts([clipAt('a', NOW), clipAt('Z', NOW)], {
        windowSeconds: 10,
        minClips: 2,
      });

      expect(bursts[0].anchor.clipId).toBe('Z');
    });

    it('includes a clip exactly W after the anchor', () => {
      const bursts = detectBursts([clipAt('a', NOW), clipAt('b', NOW + 120_000)], {
        windowSeconds: 120,
        minClips: 2,
      });

      expect(bursts).toHaveLength(1);
      expect(idsOf(bursts[0].clips)).toEqual(['a', 'b']);
    });

    it('excludes a clip W + 1 ms after the anchor', () => {
      const bursts = detectBursts([clipAt('a', NOW), clipAt('b', NOW + 120_001)], {
        windowSeconds: 120,
        minClips: 2,
      });

      expect(bursts).toEqual([]);
    });

    it('starts the next burst after the last clip of the previous one', () => {
      const clips = [0, 30, 60, 90, 150, 170].map((s, i) => clipAt(`c${i}`, NOW + s * 1000));

      const bursts = detectBursts(clips, { windowSeconds: 60, minClips: 2 });

      expect(bursts.map((burst) => idsOf(burst.clips))).toEqual([
        ['c0', 'c1', 'c2'],
        ['c3', 'c4'],
      ]);
    });

    it('makes every clip a burst of its own window when K is 1', () => {
      const clips = [clipAt('a', NOW), clipAt('b', NOW + 61_000), clipAt('c', NOW + 62_000)];

      const bursts = detectBursts(clips, { windowSeconds: 60, minClips: 1 });

      expect(bursts.map((burst) => idsOf(burst.clips))).toEqual([['a'], ['b', 'c']]);
    });

    it('carries the row id of every clip through untouched', () => {
      const clips = [clipAt('a', NOW), clipAt('b', NOW + 1000)];

      const [burst] = detectBursts(clips, { windowSeconds: 60, minClips: 2 });

      expect(burst.clips.map((clip) => clip.ref)).toEqual([clips[0].ref, clips[1].ref]);
    });

    it('does not reorder the array it is given', () => {
      const clips = [clipAt('b', NOW + 1000), clipAt('a', NOW)];

      detectBursts(clips, { windowSeconds: 60, minClips: 2 });

      expect(idsOf(clips)).toEqual(['b', 'a']);
    });
  });

  describe('growth of stored bursts', () => {
    const params = { windowSeconds: 120, minClips: 2 };

    it('grows an existing burst instead of creating an overlapping one', () => {
      const burst = stored(7, [minutesAgo('a', 10), minutesAgo('b', 9.5), minutesAgo('c', 9)]);
      const late = [minutesAgo('d', 8.5), minutesAgo('e', 8.2)];

      const plan = planBursts(late, [burst], params);

      expect(plan.created).toEqual([]);
      expect(plan.grown).toEqual([
        { burstId: 7, added: late, endMs: NOW - 8.2 * MINUTE, clipCount: 5 },
      ]);
    });

    it('takes a clip exactly W after the anchor but not one W + 1 ms after', () => {
      const anchor = clipAt('a', NOW);
      const burst = stored(1, [anchor, clipAt('b', NOW + 1000)]);
      const atBound = clipAt('x', NOW + 120_000);
      const past = clipAt('y', NOW + 120_001);

      const plan = planBursts([atBound, past], [burst], { windowSeconds: 120, minClips: 3 });

      expect(plan.grown).toHaveLength(1);
      expect(plan.grown[0].added).toEqual([atBound]);
      expect(plan.created).toEqual([]);
    });

    it('leaves a clip beyond the window out of the burst', () => {
      const burst = stored(7, [minutesAgo('a', 10), minutesAgo('b', 9.5)]);

      const plan = planBursts([minutesAgo('far', 7.9)], [burst], params);

      expect(plan).toEqual({ created: [], grown: [] });
    });

    it('never adds a clip created before the anchor, even within W of it', () => {
      const burst = stored(7, [minutesAgo('a', 10), minutesAgo('b', 9.5)]);
      const before = [minutesAgo('early1', 11.5), minutesAgo('early2', 11)];

      const plan = planBursts(before, [burst], params);

      expect(plan.grown).toEqual([]);
      expect(plan.created).toHaveLength(1);
      expect(idsOf(plan.created[0].clips)).toEqual(['early1', 'early2']);
    });

    it('gives a clip in several windows to the earliest anchor', () => {
      const first = stored(1, [clipAt('a', NOW), clipAt('b', NOW + 10_000)]);
      const second = stored(2, [clipAt('c', NOW + 60_000), clipAt('d', NOW + 70_000)]);
      const inBoth = clipAt('x', NOW + 90_000);
      const onlySecond = clipAt('y', NOW + 150_000);

      const plan = planBursts([onlySecond, inBoth], [second, first], params);

      expect(plan.grown).toEqual([
        { burstId: 1, added: [inBoth], endMs: NOW + 90_000, clipCount: 3 },
        { burstId: 2, added: [onlySecond], endMs: NOW + 150_000, clipCount: 3 },
      ]);
    });

    it('gives a clip to the anchor with the smaller clip id when anchors tie on time', () => {
      const later = stored(1, [clipAt('q', NOW), clipAt('r', NOW + 1000)]);
      const earlier = stored(2, [clipAt('p', NOW), clipAt('s', NOW + 2000)]);

      const plan = planBursts([clipAt('x', NOW + 5000)], [later, earlier], params);

      expect(plan.grown.map((grown) => grown.burstId)).toEqual([2]);
    });

    it('adds a late clip that lands inside an existing window and keeps the later end', () => {
      // Clips up to −9 min are already stored in burst 3; Twitch indexes one from −9.75 min late.
      const burst = stored(3, [minutesAgo('a', 10), minutesAgo('b', 9.5), minutesAgo('c', 9)]);
      const late = minutesAgo('late', 9.75);

      const plan = planBursts([late], [burst], params);

      expect(plan.created).toEqual([]);
      expect(plan.grown).toEqual([
        { burstId: 3, added: [late], endMs: NOW - 9 * MINUTE, clipCount: 4 },
      ]);
    });

    it('grows first and then forms new bursts from the clips no window takes', () => {
      const burst = stored(5, [clipAt('a', NOW), clipAt('b', NOW + 5000)]);
      const clips = [
        clipAt('in', NOW + 100_000),
        clipAt('n1', NOW + 130_000),
        clipAt('n2', NOW + 140_000),
      ];

      const plan = planBursts(clips, [burst], params);

      expect(plan.grown.map((grown) => idsOf(grown.added))).toEqual([['in']]);
      expect(plan.created.map((created) => idsOf(created.clips))).toEqual([['n1', 'n2']]);
    });
  });

  describe('idempotency', () => {
    it('plans nothing when re-run with its own result as the stored state', () => {
      const params = { windowSeconds: 120, minClips: 3 };
      const members = [clipAt('a', NOW), clipAt('b', NOW + 10_000), clipAt('c', NOW + 20_000)];
      const burst = stored(1, members);
      const unassigned = [
        clipAt('g', NOW + 60_000), // grows burst 1
        clipAt('f1', NOW + 200_000), // fails: only f1 and f2 within W
        clipAt('f2', NOW + 300_000),
        clipAt('n1', NOW + 500_000), // new burst {n1, n2, n3}
        clipAt('n2', NOW + 510_000),
        clipAt('n3', NOW + 620_000),
      ];

      const first = planBursts(unassigned, [burst], params);
      const state = applyPlan(first, [{ ...burst, members }], unassigned);
      const second = planBursts(state.unassigned, toExisting(state.bursts), params);

      expect(idsOf(first.grown[0].added)).toEqual(['g']);
      expect(first.created.map((created) => idsOf(created.clips))).toEqual([['n1', 'n2', 'n3']]);
      expect(idsOf(state.unassigned)).toEqual(['f1', 'f2']);
      expect(second).toEqual({ created: [], grown: [] });
    });
  });

  describe('parameters and input checks', () => {
    const clips = [clipAt('a', NOW)];

    it.each([
      [{ windowSeconds: -1, minClips: 2 }, /windowSeconds/],
      [{ windowSeconds: Number.NaN, minClips: 2 }, /windowSeconds/],
      [{ windowSeconds: Number.POSITIVE_INFINITY, minClips: 2 }, /windowSeconds/],
      [{ windowSeconds: 120, minClips: 0 }, /minClips/],
      [{ windowSeconds: 120, minClips: 2.5 }, /minClips/],
      [{ windowSeconds: 120, minClips: Number.NaN }, /minClips/],
      [{ windowSeconds: 120, minClips: Number.POSITIVE_INFINITY }, /minClips/],
    ])('refuses %p', (params: BurstRuleParams, message: RegExp) => {
      expect(() => planBursts(clips, [], params)).toThrow(message);
    });

    it('accepts a window of zero: only clips at the same instant group', () => {
      const bursts = detectBursts([clipAt('a', NOW), clipAt('b', NOW), clipAt('c', NOW + 1)], {
        windowSeconds: 0,
        minClips: 2,
      });

      expect(bursts.map((burst) => idsOf(burst.clips))).toEqual([['a', 'b']]);
    });

    it('refuses a clip without a valid created_at', () => {
      expect(() =>
        detectBursts([clipAt('a', NOW), clipAt('bad', Number.NaN)], {
          windowSeconds: 60,
          minClips: 2,
        }),
      ).toThrow(/bad/);
    });

    it('refuses the same clip given twice, sorted or not', () => {
      const params = { windowSeconds: 60, minClips: 2 };
      const a = clipAt('a', NOW);
      const b = clipAt('b', NOW + 1);

      expect(() => detectBursts([a, a], params)).toThrow(/a is given twice/);
      expect(() => detectBursts([b, a, { ...b }], params)).toThrow(/b is given twice/);
    });
  });

  describe('properties', () => {
    it('gives the same bursts whether in-order clips arrive in one sync or in many', () => {
      fc.assert(
        fc.property(scenario, cutPoints, fc.boolean(), (s, cuts, prune) => {
          const ordered = s.clips.slice().sort(byTimeThenId);
          const batches = splitAt(ordered, cuts);

          const incremental = runInBatches(batches, s.params, prune);
          const oneShot = detectBursts(s.clips, s.params);

          expect(normalize(incremental.bursts)).toEqual(
            normalize(oneShot.map((burst) => ({ anchor: burst.anchor, members: burst.clips }))),
          );
          for (const burst of incremental.bursts) {
            expect(burst.clipCount).toBe(burst.members.length);
            expect(burst.endMs).toBe(Math.max(...burst.members.map((clip) => clip.createdAtMs)));
          }
        }),
        { numRuns: 500 },
      );
    });

    it('never puts a clip in two bursts, nor makes a burst under K clips or wider than W', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const bursts = detectBursts(s.clips, s.params);
          const seen = new Set<string>();
          for (const burst of bursts) {
            expect(burst.clips.length).toBeGreaterThanOrEqual(s.params.minClips);
            expect(burst.clips[0]).toBe(burst.anchor);
            const last = burst.clips[burst.clips.length - 1];
            expect(last.createdAtMs - burst.anchor.createdAtMs).toBeLessThanOrEqual(
              s.params.windowSeconds * 1000,
            );
            for (const clip of burst.clips) {
              expect(seen.has(clip.clipId)).toBe(false);
              seen.add(clip.clipId);
            }
          }
        }),
        { numRuns: 300 },
      );
    });

    it('matches a literal reading of PRODUCT §5, in any input order', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const shuffled = s.clips.slice().sort((a, b) => s.shuffle.get(a)! - s.shuffle.get(b)!);

          const bursts = detectBursts(shuffled, s.params);

          expect(bursts.map((burst) => idsOf(burst.clips))).toEqual(
            literalRule(s.clips, s.params).map(idsOf),
          );
        }),
        { numRuns: 300 },
      );
    });

    it('plans nothing on a re-run over its own result', () => {
      fc.assert(
        fc.property(scenario, fc.integer({ min: 0, max: 100 }), (s, splitPercent) => {
          // Part of the clips already sit in bursts; the rest arrive, in any order.
          const ordered = s.clips.slice().sort(byTimeThenId);
          const split = Math.floor((ordered.length * splitPercent) / 100);
          const before = runInBatches([ordered.slice(0, split)], s.params, false);
          const arriving = before.unassigned.concat(ordered.slice(split)).reverse();

          const first = planBursts(arriving, toExisting(before.bursts), s.params);
          const after = applyPlan(first, before.bursts, arriving);
          const second = planBursts(after.unassigned, toExisting(after.bursts), s.params);

          expect(second).toEqual({ created: [], grown: [] });
        }),
        { numRuns: 300 },
      );
    });
  });
});

// ---- helpers for the properties -----------------------------------------------------------------

interface Scenario {
  params: BurstRuleParams;
  clips: ClipPoint[];
  shuffle: Map<ClipPoint, number>;
}

/** Random clip sets a few windows wide, on whole seconds (so exact-W gaps and equal times are common). */
const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    windowSeconds: fc.integer({ min: 0, max: 300 }),
    minClips: fc.integer({ min: 1, max: 6 }),
  })
  .chain((params) =>
    fc
      .uniqueArray(
        fc.record({
          id: fc.string({ minLength: 1, maxLength: 4 }),
          second: fc.integer({ min: 0, max: Math.max(4 * params.windowSeconds, 10) }),
          plusOneMs: fc.boolean(),
          shuffleKey: fc.integer(),
        }),
        { selector: (draw) => draw.id, maxLength: 60 },
      )
      .map((draws) => {
        const shuffle = new Map<ClipPoint, number>();
        const clips = draws.map((draw) => {
          const clip = clipAt(draw.id, NOW + draw.second * 1000 + (draw.plusOneMs ? 1 : 0));
          shuffle.set(clip, draw.shuffleKey);
          return clip;
        });
        return { params, clips, shuffle };
      }),
  );

const cutPoints = fc.array(fc.nat({ max: 100 }), { maxLength: 8 });

function byTimeThenId(a: ClipPoint, b: ClipPoint): number {
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  return a.clipId < b.clipId ? -1 : a.clipId > b.clipId ? 1 : 0;
}

function splitAt(ordered: ClipPoint[], cuts: number[]): ClipPoint[][] {
  const at = cuts.map((cut) => Math.floor((cut / 100) * ordered.length)).sort((a, b) => a - b);
  const batches: ClipPoint[][] = [];
  let from = 0;
  for (const to of at.concat(ordered.length)) {
    // Every other batch reversed: arriving in created_at order across syncs, not within one.
    const batch = ordered.slice(from, to);
    batches.push(batches.length % 2 === 1 ? batch.reverse() : batch);
    from = to;
  }
  return batches;
}

interface StoredBurst {
  burstId: number;
  anchor: ClipPoint;
  members: ClipPoint[];
  endMs: number;
  clipCount: number;
}

interface Stored {
  bursts: StoredBurst[];
  unassigned: ClipPoint[];
}

function toExisting(bursts: StoredBurst[]): ExistingBurst[] {
  return bursts.map(({ burstId, anchor, endMs, clipCount }) => ({
    burstId,
    anchor,
    endMs,
    clipCount,
  }));
}

/** What ingestion does with a plan: grow and insert bursts, and keep what is left unassigned. */
function applyPlan(plan: BurstPlan, bursts: StoredBurst[], unassigned: ClipPoint[]): Stored {
  const next = bursts.map((burst) => ({ ...burst, members: burst.members.slice() }));
  const used = new Set<ClipPoint>();
  for (const grown of plan.grown) {
    const burst = next.find((candidate) => candidate.burstId === grown.burstId)!;
    burst.members.push(...grown.added);
    burst.endMs = grown.endMs;
    burst.clipCount = grown.clipCount;
    grown.added.forEach((clip) => used.add(clip));
  }
  for (const created of plan.created) {
    next.push({
      burstId: next.length + 1,
      anchor: created.anchor,
      members: created.clips.slice(),
      endMs: created.clips[created.clips.length - 1].createdAtMs,
      clipCount: created.clips.length,
    });
    created.clips.forEach((clip) => used.add(clip));
  }
  return { bursts: next, unassigned: unassigned.filter((clip) => !used.has(clip)) };
}

/**
 * One planBursts call per batch, carrying the stored state forward. With `prune`, each call gets
 * only what the caller is told to pass (clips and anchors from the batch's first time − W on).
 */
function runInBatches(batches: ClipPoint[][], params: BurstRuleParams, prune: boolean): Stored {
  let state: Stored = { bursts: [], unassigned: [] };
  for (const batch of batches) {
    const from = batch.length === 0 ? -Infinity : Math.min(...batch.map((c) => c.createdAtMs));
    const reach = from - params.windowSeconds * 1000;
    const kept = prune ? state.unassigned.filter((clip) => clip.createdAtMs < reach) : [];
    const given = prune
      ? state.unassigned.filter((clip) => clip.createdAtMs >= reach)
      : state.unassigned;
    const candidates = prune
      ? state.bursts.filter((b) => b.anchor.createdAtMs >= reach)
      : state.bursts;

    const unassigned = given.concat(batch);
    const plan = planBursts(unassigned, toExisting(candidates), params);
    const applied = applyPlan(plan, state.bursts, unassigned);
    state = { bursts: applied.bursts, unassigned: kept.concat(applied.unassigned) };
  }
  return state;
}

function normalize(bursts: { anchor: ClipPoint; members: ClipPoint[] }[]): [string, string[]][] {
  return bursts
    .map((burst): [string, string[]] => [burst.anchor.clipId, idsOf(burst.members).sort()])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** PRODUCT §5 word for word, quadratic on purpose: the reference the fast scan must agree with. */
function literalRule(clips: ClipPoint[], params: BurstRuleParams): ClipPoint[][] {
  const ordered = clips.slice().sort(byTimeThenId);
  const inBurst = new Set<ClipPoint>();
  const bursts: ClipPoint[][] = [];
  ordered.forEach((anchor, index) => {
    if (inBurst.has(anchor)) return;
    const group = [anchor].concat(
      ordered
        .slice(index + 1)
        .filter(
          (clip) =>
            !inBurst.has(clip) &&
            clip.createdAtMs - anchor.createdAtMs <= params.windowSeconds * 1000,
        ),
    );
    if (group.length >= params.minClips) {
      group.forEach((clip) => inBurst.add(clip));
      bursts.push(group);
    }
  });
  return bursts;
}
