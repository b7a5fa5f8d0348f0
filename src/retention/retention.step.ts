import { RetentionSection } from '../config/configuration';

/**
 * One table's share of the daily clean-up (PRODUCT §18), contributed by the module that owns the
 * table (listed in retention.steps.ts). `sql` (deleteBatch or updateBatch below) touches at most
 * `$2` rows and answers how many, as `[{ n }]`: `$1` is the cutoff (`now` less the step's `days`),
 * `$2` the batch size. The runner
 * repeats it until a batch comes back short, each batch its own statement (autocommit), so locks
 * last one batch. Rows another transaction holds are skipped (`FOR UPDATE SKIP LOCKED`), never
 * waited for: a sync in flight is never held up, and the next day takes what it skipped.
 */
export interface RetentionStep {
  /** Log and summary name, e.g. `clips`. */
  name: string;
  /** The table that must exist for the step to run (a module not migrated yet is skipped). */
  table: string;
  days: (settings: RetentionSection) => number;
  sql: string;
}

/** What one step did in one run. */
export interface RetentionStepOutcome {
  name: string;
  rows: number;
  batches: number;
  durationMs: number;
  /** Skipped: its table does not exist. */
  skipped?: boolean;
  error?: string;
}

/**
 * The ids of one batch of `table`'s rows matching `where` (which may use `$1`, the cutoff), at
 * most `$2`, locked — rows another transaction holds are skipped, never waited for.
 */
function batchIds(table: string, where: string, orderBy?: string): string {
  const order = orderBy ? ` ORDER BY ${orderBy}` : '';
  return `SELECT id FROM ${table} WHERE ${where}${order} LIMIT $2 FOR UPDATE SKIP LOCKED`;
}

/** A step's statement: delete one batch of `table`'s rows matching `where`; answers `[{ n }]`. */
export function deleteBatch(table: string, where: string, orderBy?: string): string {
  return `WITH gone AS (DELETE FROM ${table} WHERE id IN (${batchIds(table, where, orderBy)})
    RETURNING 1) SELECT count(*)::int AS n FROM gone`;
}

/** A step's statement: `SET` on one batch of `table`'s rows matching `where`; answers `[{ n }]`. */
export function updateBatch(table: string, set: string, where: string): string {
  return `WITH gone AS (UPDATE ${table} SET ${set} WHERE id IN (${batchIds(table, where)})
    RETURNING 1) SELECT count(*)::int AS n FROM gone`;
}
