import { Command, CommandRunner, Option } from 'nest-commander';
import { FileCounts, SeedReport, SeedService } from '../seed/seed.service';

interface SeedOptions {
  streamers?: string;
  clips?: string;
  dryRun?: boolean;
}

/**
 * `seed --streamers <csv> --clips <csv> [--dry-run]`: imports the old service's CSV exports.
 * Rejected rows go to stderr as `<file>: line <n>: <reason>`, the summary to stdout; any rejected
 * row makes the exit status 1 (after the good rows are imported).
 */
@Command({
  name: 'seed',
  description:
    "Import streamers and clips from the old service's CSV exports (streamers first). " +
    'Idempotent: existing rows are updated only where they differ. Bursts are detected for new clips.',
})
export class SeedCommand extends CommandRunner {
  constructor(private readonly seeder: SeedService) {
    super();
  }

  async run(_args: string[], options: SeedOptions): Promise<void> {
    if (!options.streamers && !options.clips) {
      throw new Error('seed needs --streamers <csv>, --clips <csv> or both (see seed --help)');
    }
    const report = await this.seeder.seed({
      streamersPath: options.streamers,
      clipsPath: options.clips,
      dryRun: options.dryRun ?? false,
    });
    writeRejections(options.streamers, report.streamers);
    writeRejections(options.clips, report.clips);
    process.stdout.write(summaryLines(report).join('\n') + '\n');

    const rejected =
      (report.streamers?.rejected.length ?? 0) + (report.clips?.rejected.length ?? 0);
    if (rejected > 0) {
      throw new Error(`${rejected} row(s) rejected; the other rows were ${verb(report)}`);
    }
  }

  @Option({ flags: '--streamers <csv>', description: 'CSV export of streamers' })
  parseStreamers(path: string): string {
    return path;
  }

  @Option({ flags: '--clips <csv>', description: 'CSV export of clips' })
  parseClips(path: string): string {
    return path;
  }

  @Option({
    flags: '--dry-run',
    description:
      'Run the whole import inside one transaction and roll it back: the report shows what a ' +
      'real run would do (the same counts), and nothing is written',
  })
  parseDryRun(): boolean {
    return true;
  }
}

function writeRejections(path: string | undefined, counts: FileCounts | undefined): void {
  for (const { line, reason } of counts?.rejected ?? []) {
    process.stderr.write(`${path}: line ${line}: ${reason}\n`);
  }
}

export function summaryLines(report: SeedReport): string[] {
  const lines = report.dryRun ? ['dry run: rolled back, nothing was written'] : [];
  if (report.streamers) lines.push(`streamers: ${fileSummary(report.streamers)}`);
  if (report.clips) lines.push(`clips: ${fileSummary(report.clips)}`);
  if (report.bursts) {
    lines.push(`bursts: created ${report.bursts.created}, grown ${report.bursts.grown}`);
  }
  return lines;
}

function fileSummary(counts: FileCounts): string {
  return (
    `inserted ${counts.inserted}, updated ${counts.updated}, skipped ${counts.skipped}, ` +
    `rejected ${counts.rejected.length}`
  );
}

function verb(report: SeedReport): string {
  return report.dryRun ? 'checked (dry run)' : 'imported';
}
