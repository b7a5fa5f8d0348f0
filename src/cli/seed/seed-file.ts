import { CsvRecord, readCsvRecords } from './csv-parser';
import { RowSpec, RowValues } from './seed-rows';

/** A row that is not imported, by the physical line it starts on (1 = the header). */
export interface Rejection {
  line: number;
  reason: string;
}

export interface SeedRow<T> {
  line: number;
  value: T;
}

/** A file's valid rows (unique by the spec's key) and its rejected ones, in file order. */
export interface SeedFileContent<T> {
  rows: SeedRow<T>[];
  rejected: Rejection[];
}

/** A file that cannot be imported at all: unreadable, empty, or without a required column. */
export class SeedFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedFileError';
  }
}

/**
 * Reads and validates a whole file before anything from it is written: a file that turns out to
 * be unreadable half-way must not leave half an import behind. The file is streamed, so only the
 * validated rows are held in memory, not its text.
 */
export async function readSeedFile<T>(path: string, spec: RowSpec<T>): Promise<SeedFileContent<T>> {
  try {
    return await collectRows(readCsvRecords(path), spec);
  } catch (error) {
    if (error instanceof SeedFileError) {
      throw new SeedFileError(`cannot import ${spec.kind} file ${path}: ${error.message}`);
    }
    // Anything else comes from the file system: missing, unreadable, a directory.
    const reason = error instanceof Error ? error.message : String(error);
    throw new SeedFileError(`cannot read ${spec.kind} file ${path}: ${reason}`);
  }
}

/**
 * The header names the columns (any order, case and surrounding spaces ignored; unknown columns
 * are ignored). Each following record becomes a row, or a rejection with its line and reasons.
 */
export async function collectRows<T>(
  records: AsyncIterable<CsvRecord> | Iterable<CsvRecord>,
  spec: RowSpec<T>,
): Promise<SeedFileContent<T>> {
  const content: SeedFileContent<T> = { rows: [], rejected: [] };
  const firstLineOfKey = new Map<string, number>();
  let header: Header | undefined;
  for await (const record of records) {
    if (!header) {
      header = readHeader(record, spec);
      continue;
    }
    const values = header.valuesOf(record);
    if (typeof values === 'string') {
      content.rejected.push({ line: record.line, reason: values });
      continue;
    }
    const result = spec.validate(values);
    if (!result.ok) {
      content.rejected.push({ line: record.line, reason: result.reasons.join('; ') });
      continue;
    }
    const key = spec.key(result.value);
    const firstLine = firstLineOfKey.get(key);
    if (firstLine !== undefined) {
      content.rejected.push({
        line: record.line,
        reason: `duplicate ${spec.keyColumn} ${JSON.stringify(key)} (first on line ${firstLine})`,
      });
      continue;
    }
    firstLineOfKey.set(key, record.line);
    content.rows.push({ line: record.line, value: result.value });
  }
  if (!header) throw new SeedFileError('the file is empty (a header row is required)');
  return content;
}

interface Header {
  /** The record's cells by column name, or why the record cannot be read as a row. */
  valuesOf(record: CsvRecord): RowValues | string;
}

function readHeader<T>(record: CsvRecord, spec: RowSpec<T>): Header {
  if (record.problem) {
    throw new SeedFileError(`line ${record.line}: header row: ${record.problem}`);
  }
  const columns = new Map<string, number>();
  record.fields.forEach((name, index) => {
    const column = name.trim().toLowerCase();
    // An unnamed column (e.g. a trailing comma) cannot be asked for, so it cannot be ambiguous.
    if (column === '') return;
    if (columns.has(column)) {
      throw new SeedFileError(`line ${record.line}: column ${column} appears twice in the header`);
    }
    columns.set(column, index);
  });
  const missing = spec.requiredColumns.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new SeedFileError(
      `line ${record.line}: the header has no ${missing.join(', ')} column` +
        ` (a ${spec.kind} file needs ${spec.requiredColumns.join(', ')})`,
    );
  }
  const width = record.fields.length;
  return {
    valuesOf: (row) => {
      if (row.problem) return row.problem;
      if (row.fields.length !== width) {
        return `expected ${width} fields (as in the header), found ${row.fields.length}`;
      }
      return (column) => {
        const index = columns.get(column);
        return index === undefined ? undefined : row.fields[index];
      };
    },
  };
}
