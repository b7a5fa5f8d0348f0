import { BurstDto } from './dto/burst.dto';

/**
 * The recent-bursts answer, reused until the data under it changes.
 *
 * Bursts change only when a transaction commits, and every such commit moves the `bursts`
 * change counter (see src/change-generations/change-generations.ts). So this keeps a SNAPSHOT: every
 * burst that started within the longest window a request may ask for (plus a margin), newest
 * first, each already serialised to its JSON bytes, tagged with the counter value read before
 * the query that built it. A request whose own reading of the counter is not newer uses it.
 *
 * The window moves with time even without a commit ("the last 60 minutes" loses a burst when
 * its start becomes 60 minutes old). That is handled per request, not by expiry: a request
 * keeps the snapshot's bursts whose start is ≥ its own cut-off (now − since_minutes), which
 * are a prefix of the newest-first list — a binary search. The snapshot holds every burst such
 * a cut-off can admit, since the cut-off is never older than the snapshot's own horizon (a
 * request that would need older bursts, e.g. one whose clock reads far behind, is refused the
 * snapshot and falls back to the query). Bursts never enter the window by time alone: only a
 * commit adds one, and a commit moves the counter.
 *
 * The final answer bytes (`{"data":[…]}`) for a given since_minutes are kept too, keyed by the
 * snapshot and the prefix length, so the usual request sends a ready Buffer: Fastify writes it
 * without serialising anything.
 */

/** A burst as the snapshot keeps it: its start for the cut-off and its JSON, ready to send. */
export interface SnapshotBurst {
  startMs: number;
  json: Buffer;
}

export interface BurstsSnapshot {
  /** The `bursts` counter read before the query: the snapshot reflects every commit up to it. */
  generation: number;
  /** Bursts with start ≥ this are all in `bursts`. */
  horizonMs: number;
  /** Newest start first (then highest id first), as the query orders them. */
  bursts: SnapshotBurst[];
}

/** Loads bursts that started at or after `since`, newest first, already in their answer shape. */
export type BurstLoader = (since: Date) => Promise<Array<{ startMs: number; dto: BurstDto }>>;

const OPEN = Buffer.from('{"data":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');
/** Distinct since_minutes values whose final bytes are kept (the dashboard uses one or two). */
const MAX_KEPT_ANSWERS = 16;

/** How many of `bursts` (newest first) started at or after `sinceMs`. */
export function countStartingSince(bursts: readonly SnapshotBurst[], sinceMs: number): number {
  let low = 0;
  let high = bursts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (bursts[middle].startMs >= sinceMs) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function assembleAnswer(bursts: readonly SnapshotBurst[], count: number): Buffer {
  const parts: Buffer[] = [OPEN];
  for (let index = 0; index < count; index++) {
    if (index > 0) parts.push(COMMA);
    parts.push(bursts[index].json);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

export class RecentBurstsCache {
  private snapshot: BurstsSnapshot | undefined;
  private building: { generation: number; promise: Promise<BurstsSnapshot> } | undefined;
  private readonly answers = new Map<
    number,
    { snapshot: BurstsSnapshot; count: number; body: Buffer }
  >();

  /**
   * @param horizonMinutes the longest window a request may ask for, plus a margin for requests
   *   that compute their cut-off a little before the snapshot's builder did.
   */
  constructor(
    private readonly load: BurstLoader,
    private readonly horizonMinutes: number,
  ) {}

  /**
   * The answer for bursts that started at or after `nowMs − sinceMinutes`, for a request whose
   * reading of the `bursts` counter is `generation`.
   */
  async answer(sinceMinutes: number, generation: number, nowMs: number): Promise<Buffer> {
    const sinceMs = nowMs - sinceMinutes * 60_000;
    const snapshot = await this.snapshotFor(generation, nowMs);
    if (sinceMs < snapshot.horizonMs) {
      // Older than anything the snapshot promises to hold: answer from the database.
      const fresh = await this.build(generation, sinceMs);
      return assembleAnswer(fresh.bursts, fresh.bursts.length);
    }
    const count = countStartingSince(snapshot.bursts, sinceMs);
    const kept = this.answers.get(sinceMinutes);
    if (kept && kept.snapshot === snapshot && kept.count === count) return kept.body;
    const body = assembleAnswer(snapshot.bursts, count);
    if (!kept && this.answers.size >= MAX_KEPT_ANSWERS) this.answers.clear();
    this.answers.set(sinceMinutes, { snapshot, count, body });
    return body;
  }

  /** The current snapshot if it is recent enough for `generation`, else a new one (one at a time). */
  private async snapshotFor(generation: number, nowMs: number): Promise<BurstsSnapshot> {
    if (this.snapshot && this.snapshot.generation >= generation) return this.snapshot;
    if (this.building && this.building.generation >= generation) return this.building.promise;
    const promise = this.build(generation, nowMs - this.horizonMinutes * 60_000);
    this.building = { generation, promise };
    try {
      const snapshot = await promise;
      if (!this.snapshot || snapshot.generation >= this.snapshot.generation) {
        this.snapshot = snapshot;
      }
      return snapshot;
    } finally {
      if (this.building?.promise === promise) this.building = undefined;
    }
  }

  private async build(generation: number, horizonMs: number): Promise<BurstsSnapshot> {
    const rows = await this.load(new Date(horizonMs));
    return {
      generation,
      horizonMs,
      bursts: rows.map((row) => ({
        startMs: row.startMs,
        json: Buffer.from(JSON.stringify(row.dto)),
      })),
    };
  }
}
