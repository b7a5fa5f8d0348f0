import { RetentionSection } from '../config/configuration';

/**
 * One table's share of the daily clean-up (PRODUCT §18), contributed by the module that owns the
 * table (listed in retention.steps.ts). `sql` touches at most `$2` rows and answers how many, as
 * `[{ n }]`: `$1` is the cutoff (`now` less the step's `days`), `$2` the batch size. The runner
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
