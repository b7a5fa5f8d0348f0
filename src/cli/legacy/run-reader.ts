import { LegacyRow } from './legacy-source';

/**
 * Runs of consecutive rows with the same key, from pages of rows ordered by that key (nulls
 * last), taken in increasing key order: `skipTo(k)` hands back the runs before k, `take(k)` the
 * run of k (empty when there is none), `rest()` whatever is left.
 */
export class RunReader {
  private pending: LegacyRow[] = [];
  private done = false;

  constructor(
    private readonly pages: AsyncIterator<LegacyRow[]>,
    private readonly keyOf: (row: LegacyRow) => number | null,
  ) {}

  async skipTo(key: number): Promise<Array<{ key: number | null; rows: LegacyRow[] }>> {
    const skipped: Array<{ key: number | null; rows: LegacyRow[] }> = [];
    for (;;) {
      const head = await this.peekKey();
      if (head === undefined || head === null || head >= key) return skipped;
      skipped.push({ key: head, rows: await this.take(head) });
    }
  }

  async take(key: number | null): Promise<LegacyRow[]> {
    const rows: LegacyRow[] = [];
    while ((await this.peekKey()) === key && this.pending.length > 0) {
      let n = 0;
      while (n < this.pending.length && this.keyOf(this.pending[n]) === key) n++;
      rows.push(...this.pending.splice(0, n));
    }
    return rows;
  }

  async rest(): Promise<Array<{ key: number | null; rows: LegacyRow[] }>> {
    const runs: Array<{ key: number | null; rows: LegacyRow[] }> = [];
    for (;;) {
      const head = await this.peekKey();
      if (head === undefined) return runs;
      runs.push({ key: head, rows: await this.take(head) });
    }
  }

  /** The key of the next row; undefined at the end. */
  private async peekKey(): Promise<number | null | undefined> {
    while (this.pending.length === 0 && !this.done) {
      const page = await this.pages.next();
      if (page.done) this.done = true;
      else this.pending = page.value;
    }
    return this.pending.length > 0 ? this.keyOf(this.pending[0]) : undefined;
  }
}
