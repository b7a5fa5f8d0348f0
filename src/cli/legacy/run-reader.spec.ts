import { LegacyRow } from './legacy-source';
import { RunReader } from './run-reader';

/** Pages as a cursor yields them, one at a time. */
async function* pagesOf(pages: Array<Array<[number, number | null]>>): AsyncGenerator<LegacyRow[]> {
  for (const page of pages) {
    await Promise.resolve();
    yield page.map(([id, key]) => ({ id, key }));
  }
}

const ids = (rows: readonly LegacyRow[]) => rows.map((row) => row.id);

describe('RunReader', () => {
  it('takes runs that span pages, hands back the runs it skips, and the rest at the end', async () => {
    const reader = new RunReader(
      pagesOf([
        [
          [1, 2],
          [2, 5],
          [3, 5],
        ],
        [[4, 5]],
        [],
        [
          [5, 7],
          [6, 9],
          [7, null],
        ],
      ]),
      (row) => row.key as number | null,
    );
    expect(await reader.skipTo(5)).toEqual([{ key: 2, rows: [{ id: 1, key: 2 }] }]);
    expect(ids(await reader.take(5))).toEqual([2, 3, 4]);
    expect(await reader.skipTo(6)).toEqual([]);
    expect(ids(await reader.take(6))).toEqual([]);
    expect(ids(await reader.take(7))).toEqual([5]);
    expect((await reader.rest()).map((run) => [run.key, ids(run.rows)])).toEqual([
      [9, [6]],
      [null, [7]],
    ]);
    expect(await reader.rest()).toEqual([]);
  });
});
