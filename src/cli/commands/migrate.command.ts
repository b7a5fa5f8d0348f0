import { Command, CommandRunner } from 'nest-commander';
import { DataSource } from 'typeorm';

/**
 * Every entry point migrates the schema while it boots (see DatabaseModule), so by the time this
 * runs the work is done; the command exists to do it on purpose (e.g. in a deploy step) and to
 * report the state.
 */
@Command({
  name: 'migrate',
  description: 'Apply pending database migrations and report the schema state',
})
export class MigrateCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run(): Promise<void> {
    const applied = await this.dataSource.query<Array<{ name: string }>>(
      'SELECT name FROM typeorm_migrations ORDER BY id',
    );
    const latest = applied.at(-1)?.name ?? 'none';
    process.stdout.write(
      `Schema up to date: ${applied.length} migration(s) applied, latest ${latest}\n`,
    );
  }
}
