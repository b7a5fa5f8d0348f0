import { PublicClipDto } from './dto/public-clip.dto';

/**
 * The public clip feed's answer, shared by every request of a process.
 *
 * It keeps a SNAPSHOT of the newest MAX_PUBLIC_CLIPS clips of active streamers, each already
 * serialised, tagged with the `clips` change counter read before the query that built it
 * (src/change-generations/change-generations.ts; the counter moves at the commit of anything that
 * changes what the feed shows, whoever wrote it). A request for `limit` clips gets the first
 * `limit` of them; the final `{"data":[…]}` bytes are kept per limit.
 *
 * §14 lets the feed lag by up to `refreshMs` while clips keep arriving, and that is what makes
 * it cheap: a snapshot checked less than `refreshMs` ago is served without asking the database
 * anything. After that, the next request reads the counter (one tiny query, shared by the
 * requests that arrive meanwhile); an unchanged counter re-arms the snapshot for another
 * `refreshMs`, a moved one rebuilds it (one query, shared by waiting requests). So whatever the
 * load, a process sends at most one counter read and one feed query per `refreshMs`, an answer
 * is never older than `refreshMs` (plus the time of that read), and with no commit the feed is
 * never rebuilt at all.
 */

/** The longest feed a request may ask for: the snapshot holds this many clips. */
export const MAX_PUBLIC_CLIPS = 50;

export type PublicClipsLoader = (limit: number) => Promise<PublicClipDto[]>;
export type GenerationReader = () => Promise<number>;

interface Snapshot {
  generation: number;
  /** When the counter was last read (before the read was sent) and found not newer. */
  checkedAtMs: number;
  clips: Buffer[];
  answers: Map<number, Buffer>;
}

const OPEN = Buffer.from('{"data":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

export class PublicClipsCache {
  private snapshot: Snapshot | undefined;
  private refreshing: Promise<Snapshot> | undefined;

  constructor(
    private readonly load: PublicClipsLoader,
    private readonly readGeneration: GenerationReader,
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The `{"data":[…]}` bytes for the newest `limit` clips (1 to MAX_PUBLIC_CLIPS). */
  async answer(limit: number): Promise<Buffer> {
    let snapshot = this.snapshot;
    if (!snapshot || this.now() - snapshot.checkedAtMs >= this.refreshMs) {
      snapshot = await this.refresh();
    }
    const kept = snapshot.answers.get(limit);
    if (kept) return kept;
    const body = assemble(snapshot.clips, limit);
    snapshot.answers.set(limit, body);
    return body;
  }

  /** One check (and rebuild when needed) at a time; requests that need it meanwhile share it. */
  private refresh(): Promise<Snapshot> {
    if (this.refreshing) return this.refreshing;
    const promise = this.check().finally(() => {
      if (this.refreshing === promise) this.refreshing = undefined;
    });
    this.refreshing = promise;
    return promise;
  }

  private async check(): Promise<Snapshot> {
    const checkedAtMs = this.now();
    const generation = await this.readGeneration();
    const current = this.snapshot;
    if (current && current.generation >= generation) {
      current.checkedAtMs = checkedAtMs;
      return current;
    }
    const rows = await this.load(MAX_PUBLIC_CLIPS);
    const built: Snapshot = {
      generation,
      checkedAtMs,
      clips: rows.map((row) => Buffer.from(JSON.stringify(row))),
      answers: new Map(),
    };
    this.snapshot = built;
    return built;
  }
}

function assemble(clips: readonly Buffer[], limit: number): Buffer {
  const parts: Buffer[] = [OPEN];
  const count = Math.min(limit, clips.length);
  for (let index = 0; index < count; index++) {
    if (index > 0) parts.push(COMMA);
    parts.push(clips[index]);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}
