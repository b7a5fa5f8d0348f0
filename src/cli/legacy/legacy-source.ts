import { Client } from 'pg';
import { normaliseDatabaseUrl } from '../../config/configuration';

/** The ten tables of the old service (LEGACY-SCHEMA.md); any of them may be missing. */
export const LEGACY_TABLES = [
  'users',
  'streamers',
  'clips',
  'bursts',
  'burst_clips',
  'purchases',
  'user_channel_configs',
  'user_streamers',
  'clip_deliveries',
  'streamer_status',
] as const;
export type LegacyTable = (typeof LEGACY_TABLES)[number];

/** A row as read: the asked-for columns, NULL for those the table does not have. */
export type LegacyRow = Record<string, unknown> & { id: number };

/**
 * A read-only view of the old service's database. Everything is read inside one REPEATABLE READ,
 * READ ONLY transaction: one consistent snapshot of all ten tables even while the old service is
 * still writing, and no way for the import to change the old database by mistake.
 *
 * The old database drifted (Alembic migrations and `create_all` disagree), so what is there is
 * read from information_schema first: a missing table reads as absent, a missing column as NULL.
 * `timestamp without time zone` columns (what `create_all` makes of a naive DateTime) are read as
 * UTC, not in the importing machine's time zone.
 */
export class LegacySource {
  private cursors = 0;

  private constructor(
    private readonly client: Client,
    /** Table → column → data_type, for the tables of LEGACY_TABLES that exist. */
    private readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>,
  ) {}

  static async open(url: string): Promise<LegacySource> {
    const client = new Client({ connectionString: normaliseDatabaseUrl(url) });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new Error(`cannot connect to the legacy database: ${(error as Error).message}`);
    }
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows } = await client.query<{ table: string; column: string; type: string }>(
        `SELECT table_name AS table, column_name AS column, data_type AS type
         FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
        [[...LEGACY_TABLES]],
      );
      const columns = new Map<string, Map<string, string>>();
      for (const row of rows) {
        let table = columns.get(row.table);
        if (!table) columns.set(row.table, (table = new Map<string, string>()));
        table.set(row.column, row.type);
      }
      // A table without its id cannot be imported row by row (rejections name ids): treat as absent.
      for (const [table, tableColumns] of columns) {
        if (!tableColumns.has('id')) columns.delete(table);
      }
      return new LegacySource(client, columns);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  has(table: LegacyTable): boolean {
    return this.columns.has(table);
  }

  hasColumn(table: LegacyTable, column: string): boolean {
    return this.columns.get(table)?.has(column) ?? false;
  }

  /** The tables of the ten that this database does not have. */
  missingTables(): LegacyTable[] {
    return LEGACY_TABLES.filter((table) => !this.has(table));
  }

  /**
   * Rows of `table` with these columns (plus id), ordered by id; `where` is SQL over the table's
   * own columns with `$n` parameters. An absent table reads as no rows.
   */
  async select(
    table: LegacyTable,
    columns: readonly string[],
    options: { where?: string; params?: unknown[]; orderBy?: string; limit?: number } = {},
  ): Promise<LegacyRow[]> {
    if (!this.has(table)) return [];
    const { rows } = await this.client.query<LegacyRow>(
      this.selectSql(table, columns, options),
      options.params ?? [],
    );
    return rows;
  }

  /**
   * Rows of a table in `orderBy` order, a page at a time, through a server-side cursor: one
   * sorted scan of the table (the old clips table may have no index on streamer_id), and never
   * the whole table in memory.
   */
  async *cursor(
    table: LegacyTable,
    columns: readonly string[],
    orderBy: string,
    pageSize: number,
  ): AsyncGenerator<LegacyRow[]> {
    if (!this.has(table)) return;
    const name = `legacy_cursor_${++this.cursors}`;
    await this.client.query(
      `DECLARE ${name} NO SCROLL CURSOR FOR ${this.selectSql(table, columns, { orderBy })}`,
    );
    try {
      for (;;) {
        const { rows } = await this.client.query<LegacyRow>(
          `FETCH FORWARD ${pageSize} FROM ${name}`,
        );
        if (rows.length === 0) return;
        yield rows;
      }
    } finally {
      await this.client.query(`CLOSE ${name}`);
    }
  }

  private selectSql(
    table: LegacyTable,
    columns: readonly string[],
    options: { where?: string; orderBy?: string; limit?: number },
  ): string {
    const tableColumns = this.columns.get(table)!;
    const list = ['id', ...columns.filter((column) => column !== 'id')].map((column) => {
      const type = tableColumns.get(column);
      if (type === undefined) return `NULL AS "${column}"`;
      if (type === 'timestamp without time zone') {
        return `("${column}" AT TIME ZONE 'UTC') AS "${column}"`;
      }
      return `"${column}"`;
    });
    return (
      `SELECT ${list.join(', ')} FROM "${table}"` +
      (options.where ? ` WHERE ${options.where}` : '') +
      ` ORDER BY ${options.orderBy ?? 'id'}` +
      (options.limit ? ` LIMIT ${options.limit}` : '')
    );
  }

  /** Rows of a table page by page (keyset on id), so a large table is never held whole. */
  async *pages(
    table: LegacyTable,
    columns: readonly string[],
    pageSize: number,
  ): AsyncGenerator<LegacyRow[]> {
    let after = -Infinity;
    for (;;) {
      const rows = await this.select(table, columns, {
        where: Number.isFinite(after) ? 'id > $1' : undefined,
        params: Number.isFinite(after) ? [after] : [],
        limit: pageSize,
      });
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1].id;
      if (rows.length < pageSize) return;
    }
  }

  /** How many rows a table has (0 when it is absent). */
  async count(table: LegacyTable): Promise<number> {
    if (!this.has(table)) return 0;
    const { rows } = await this.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${table}"`,
    );
    return rows[0].n;
  }

  /** Row counts per value of an integer column (e.g. old bursts per streamer id). */
  async countBy(table: LegacyTable, column: string): Promise<Map<number, number>> {
    if (!this.hasColumn(table, column)) return new Map();
    const { rows } = await this.client.query<{ key: number; n: number }>(
      `SELECT "${column}" AS key, count(*)::int AS n FROM "${table}"
       WHERE "${column}" IS NOT NULL GROUP BY "${column}"`,
    );
    return new Map(rows.map((row) => [row.key, row.n]));
  }

  async close(): Promise<void> {
    await this.client.query('ROLLBACK').catch(() => undefined);
    await this.client.end();
  }
}
