import { createReadStream } from 'node:fs';

/** One CSV record and the physical line it starts on (1 = the file's first line). */
export interface CsvRecord {
  line: number;
  fields: string[];
  /** Set when the record is malformed (e.g. an unterminated quote); its fields are then partial. */
  problem?: string;
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

const BOM = '\uFEFF';

/**
 * An incremental RFC 4180 parser: feed it text in chunks of any size and it returns the records
 * completed so far. Quoted fields may hold commas, line breaks and `""` (an escaped quote); lines
 * may end in CRLF, LF or a lone CR; a leading UTF-8 BOM is dropped and empty lines are skipped.
 *
 * It never throws on bad input: a malformed record comes back with a `problem` and parsing goes on
 * with the next line, so one broken row cannot stop an import. A quote inside an unquoted field is
 * kept as text (Python's csv module reads it the same way); text after a closing quote is a
 * problem, and so is a quote left open at the end of the file.
 */
export class CsvParser {
  private state: State = 'fieldStart';
  private field = '';
  private fields: string[] = [];
  private problem: string | undefined;
  /** Physical line of the next character, and of the first character of the current record. */
  private line = 1;
  private recordLine = 1;
  private recordStarted = false;
  private previousWasCr = false;
  private atStartOfInput = true;

  push(chunk: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    let text = chunk;
    if (this.atStartOfInput && text.length > 0) {
      if (text.startsWith(BOM)) text = text.slice(1);
      this.atStartOfInput = false;
    }
    for (const char of text) {
      const record = this.consume(char);
      if (record) records.push(record);
    }
    return records;
  }

  /** Call once the input is exhausted: returns the last record if the file did not end in a newline. */
  end(): CsvRecord[] {
    if (!this.recordStarted) return [];
    if (this.state === 'quoted') {
      this.problem ??= 'unterminated quoted field (a quote opened here is never closed)';
    }
    return [this.finishRecord()];
  }

  private consume(char: string): CsvRecord | undefined {
    const isCrLfTail = char === '\n' && this.previousWasCr;
    this.previousWasCr = char === '\r';
    const isLineBreak = char === '\r' || char === '\n';
    const lineOfChar = this.line;
    // CRLF is one line break; a lone CR or LF is one too.
    if (isLineBreak && !isCrLfTail) this.line++;

    if (this.state === 'quoted') {
      if (char === '"') this.state = 'quoteInQuoted';
      else this.field += char;
      return undefined;
    }
    if (this.state === 'quoteInQuoted' && char === '"') {
      this.field += '"';
      this.state = 'quoted';
      return undefined;
    }
    if (isLineBreak) {
      // The LF of a CRLF was handled with its CR; a break before any content is a blank line.
      if (isCrLfTail || !this.recordStarted) return undefined;
      return this.finishRecord();
    }
    if (!this.recordStarted) {
      this.recordStarted = true;
      this.recordLine = lineOfChar;
    }
    if (char === ',') {
      this.fields.push(this.field);
      this.field = '';
      this.state = 'fieldStart';
      return undefined;
    }
    if (this.state === 'fieldStart' && char === '"') {
      this.state = 'quoted';
      return undefined;
    }
    if (this.state === 'quoteInQuoted') {
      this.problem ??= 'unexpected text after a closing quote';
    }
    this.field += char;
    this.state = 'unquoted';
    return undefined;
  }

  private finishRecord(): CsvRecord {
    this.fields.push(this.field);
    const record: CsvRecord = { line: this.recordLine, fields: this.fields };
    if (this.problem) record.problem = this.problem;
    this.fields = [];
    this.field = '';
    this.problem = undefined;
    this.state = 'fieldStart';
    this.recordStarted = false;
    return record;
  }
}

/** Parses a whole string (tests, small inputs). */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.end()];
}

/**
 * Streams a UTF-8 file through the parser, so a large export is never held as one string. File
 * errors (missing, unreadable, a directory) reject the iteration.
 */
export async function* readCsvRecords(path: string): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser();
  // The stream's decoder keeps a multi-byte character split across chunks whole.
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    yield* parser.push(chunk as string);
  }
  yield* parser.end();
}
