import { Command, CommandRunner, Option } from 'nest-commander';
import { LegacyImportService } from '../legacy/legacy-import.service';
import { issueLines, rejectedCount, summaryLines } from '../legacy/legacy-report';

interface ImportLegacyOptions {
  from?: string;
  admins?: string[];
  dryRun?: boolean;
}

/**
 * `import-legacy --from <postgresql url> [--admins <user,user>] [--dry-run]`: copies the old
 * service's database into this one. Notes (values clamped, e-mails dropped, streamers imported
 * inactive) and the summary go to stdout; rows that could not be taken go to stderr as
 * `<table> id <id>: <reason>`, and make the exit status 1 (after the other rows are imported).
 */
@Command({
  name: 'import-legacy',
  description:
    "Copy the old service's database (its ten tables; any may be missing) into this one. " +
    'Idempotent: a second run changes nothing.',
})
export class ImportLegacyCommand extends CommandRunner {
  constructor(private readonly importer: LegacyImportService) {
    super();
  }

  async run(_args: string[], options: ImportLegacyOptions): Promise<void> {
    if (!options.from) throw new Error('import-legacy needs --from <postgresql url>');
    const report = await this.importer.import({
      from: options.from,
      admins: options.admins ?? [],
      dryRun: options.dryRun ?? false,
    });
    const notes = issueLines(report.notes);
    const out = [
      ...(report.dryRun ? ['dry run: rolled back, nothing was written'] : []),
      ...(notes.length > 0 ? ['notes:', ...notes.map((line) => `  ${line}`)] : []),
      ...summaryLines(report),
    ];
    process.stdout.write(out.join('\n') + '\n');
    for (const line of issueLines(report.rejections)) process.stderr.write(`${line}\n`);

    const rejected = rejectedCount(report);
    if (rejected > 0) {
      throw new Error(
        `${rejected} row(s) rejected; the other rows were ` +
          (report.dryRun ? 'checked (dry run)' : 'imported'),
      );
    }
  }

  @Option({
    flags: '--from <url>',
    description: "The old service's PostgreSQL database (postgresql://… or postgresql+asyncpg://…)",
  })
  parseFrom(url: string): string {
    if (!/^postgres(ql)?(\+[a-z0-9_]+)?:\/\//i.test(url)) {
      throw new Error('--from must be a postgresql:// URL');
    }
    return url;
  }

  @Option({
    flags: '--admins <users>',
    description: 'Comma list of old usernames that become admins (everyone else: viewer)',
  })
  parseAdmins(value: string): string[] {
    return value
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
  }

  @Option({
    flags: '--dry-run',
    description:
      'Run the whole import inside one transaction and roll it back: the report shows what a ' +
      'real run would do, and nothing is written',
  })
  parseDryRun(): boolean {
    return true;
  }
}
