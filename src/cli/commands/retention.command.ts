import { Command, CommandRunner } from 'nest-commander';
import { RetentionService } from '../../retention/retention.service';

/**
 * `retention`: the daily clean-up (PRODUCT §18) once, now, whatever CLIPADOR_RETENTION_ENABLED
 * says — the same steps and batches the worker runs. Prints one line per step.
 */
@Command({
  name: 'retention',
  description: 'Run the retention clean-up once (old clips, deliveries, sessions, payloads)',
})
export class RetentionCommand extends CommandRunner {
  constructor(private readonly retention: RetentionService) {
    super();
  }

  async run(): Promise<void> {
    const outcomes = await this.retention.run();
    for (const outcome of outcomes) {
      const what = outcome.skipped
        ? 'skipped (no table)'
        : `${outcome.rows} row(s) in ${outcome.batches} batch(es), ${outcome.durationMs} ms`;
      process.stdout.write(
        `${outcome.name}: ${what}${outcome.error ? ` — FAILED: ${outcome.error}` : ''}\n`,
      );
    }
    const failed = outcomes.filter((outcome) => outcome.error);
    if (failed.length > 0) {
      throw new Error(`Retention failed for ${failed.map((outcome) => outcome.name).join(', ')}`);
    }
  }
}
