import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { AppConfig, RetentionSection } from '../config/configuration';
import { RetentionStep, RetentionStepOutcome } from './retention.step';
import { RETENTION_STEPS } from './retention.steps';

const DAY_MS = 86_400_000;
/**
 * A breath between batches: autovacuum, WAL writing and the syncs' own statements get the disk
 * and the CPU in between. 5,000-row batches every ~50 ms still clear a million rows in minutes.
 */
const PAUSE_MS = 20;

/** Runs the retention steps (PRODUCT §18), each in batches until it has nothing left. */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);
  private readonly settings: RetentionSection;

  constructor(
    private readonly dataSource: DataSource,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('retention', { infer: true });
  }

  /**
   * One run of every step; a step that fails is logged and the others still run. `signal` (the
   * worker stopping) ends the run after the batch under way: what is left waits for tomorrow.
   */
  async run(
    options: { now?: Date; steps?: readonly RetentionStep[]; signal?: AbortSignal } = {},
  ): Promise<RetentionStepOutcome[]> {
    const { now = new Date(), steps = RETENTION_STEPS, signal } = options;
    const startedAt = Date.now();
    const outcomes: RetentionStepOutcome[] = [];
    for (const step of steps) {
      if (signal?.aborted) break;
      outcomes.push(await this.runStep(step, now, signal));
    }
    this.logger.log(
      {
        durationMs: Date.now() - startedAt,
        rows: Object.fromEntries(outcomes.map((outcome) => [outcome.name, outcome.rows])),
        failed: outcomes.filter((outcome) => outcome.error).map((outcome) => outcome.name),
      },
      'retention_finished',
    );
    return outcomes;
  }

  private async runStep(
    step: RetentionStep,
    now: Date,
    signal: AbortSignal | undefined,
  ): Promise<RetentionStepOutcome> {
    const startedAt = Date.now();
    const outcome: RetentionStepOutcome = { name: step.name, rows: 0, batches: 0, durationMs: 0 };
    try {
      const [{ present }] = await this.dataSource.query<Array<{ present: boolean }>>(
        'SELECT to_regclass($1) IS NOT NULL AS present',
        [step.table],
      );
      if (!present) outcome.skipped = true;
      else await this.batches(step, now, outcome, signal);
    } catch (error) {
      outcome.error = (error as Error).message;
      this.logger.error({ step: step.name, err: outcome.error }, 'retention_step_failed');
    }
    outcome.durationMs = Date.now() - startedAt;
    this.logger.log({ ...outcome }, 'retention_step_finished');
    return outcome;
  }

  private async batches(
    step: RetentionStep,
    now: Date,
    outcome: RetentionStepOutcome,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const cutoff = new Date(now.getTime() - step.days(this.settings) * DAY_MS);
    const size = this.settings.batchSize;
    for (;;) {
      const [{ n }] = await this.dataSource.query<Array<{ n: number }>>(step.sql, [cutoff, size]);
      outcome.rows += n;
      outcome.batches++;
      if (n < size || signal?.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  }
}
