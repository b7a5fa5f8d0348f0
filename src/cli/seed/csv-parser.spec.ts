import fc from 'fast-check';
import { CsvParser, CsvRecord, parseCsv } from './csv-parser';

function fieldsOf(records: CsvRecord[]): string[][] {
  return records.map((record) => record.fields);
}

function linesOf(records: CsvRecord[]): number[] {
  return records.map((record) => record.line);
}

describe('CsvParser', () => {
  it('splits plain records and numbers them by physical line', () => {
    const records = parseCsv('a,b,c\n1,2,3\n4,5,6\n');
    expect(fieldsOf(records)).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
    expect(linesOf(records)).toEqual([1, 2, 3]);
    expect(records.every((record) => record.problem === undefined)).toBe(true);
  });

  it('reads the last record without a trailing newline, and keeps empty fields', () => {
    expect(fieldsOf(parseCsv('a,,c\n,,'))).toEqual([
      ['a', '', 'c'],
      ['', '', ''],
    ]);
  });

  it('keeps commas inside quoted fields', () => {
    expect(fieldsOf(parseCsv('id,title\n1,"Ace, clutch, 1v5"\n'))).toEqual([
      ['id', 'title'],
      ['1', 'Ace, clutch, 1v5'],
    ]);
  });

  it('reads "" inside a quoted field as one quote', () => {
    expect(fieldsOf(parseCsv('"He said ""gg""",""""\n'))).toEqual([['He said "gg"', '"']]);
  });

  it('reads an empty quoted field as empty text', () => {
    expect(fieldsOf(parseCsv('"",x\n'))).toEqual([['', 'x']]);
  });

  it('keeps line breaks inside quoted fields and counts them as physical lines', () => {
    const records = parseCsv('h1,h2\n1,"two\nlines"\n2,"three\r\nmore\nlines"\n3,x\n');
    expect(fieldsOf(records)).toEqual([
      ['h1', 'h2'],
      ['1', 'two\nlines'],
      ['2', 'three\r\nmore\nlines'],
      ['3', 'x'],
    ]);
    expect(linesOf(records)).toEqual([1, 2, 4, 7]);
  });

  it('accepts CRLF, LF and lone CR line ends, each one line', () => {
    const records = parseCsv('a,b\r\n1,2\r\n3,4\n5,6\r7,8');
    expect(fieldsOf(records)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
      ['7', '8'],
    ]);
    expect(linesOf(records)).toEqual([1, 2, 3, 4, 5]);
  });

  it('drops a UTF-8 byte order mark at the start of the input only', () => {
    const records = parseCsv('\uFEFFtwitch_user_id,x\n\uFEFF1,2\n');
    expect(records[0].fields).toEqual(['twitch_user_id', 'x']);
    expect(records[1].fields).toEqual(['\uFEFF1', '2']);
  });

  it('skips blank lines but still counts them', () => {
    const records = parseCsv('a,b\n\n1,2\r\n\r\n\n3,4\n\n');
    expect(fieldsOf(records)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(linesOf(records)).toEqual([1, 3, 6]);
  });

  it('reports a quote left open with the line its record starts on', () => {
    const records = parseCsv('a,b\n1,ok\n2,"never closed\n3,x\n');
    expect(records).toHaveLength(3);
    expect(records[1]).toEqual({ line: 2, fields: ['1', 'ok'] });
    expect(records[2]).toMatchObject({
      line: 3,
      problem: expect.stringMatching(/^unterminated quoted field/),
    });
  });

  it('flags text after a closing quote and goes on with the next record', () => {
    const records = parseCsv('"abc"def,x\n1,2\n');
    expect(records[0]).toMatchObject({ line: 1, problem: 'unexpected text after a closing quote' });
    expect(records[1]).toEqual({ line: 2, fields: ['1', '2'] });
  });

  it('keeps a quote inside an unquoted field as text', () => {
    expect(parseCsv('5" screen,x\n')).toEqual([{ line: 1, fields: ['5" screen', 'x'] }]);
  });

  it('returns nothing for an empty input', () => {
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\uFEFF')).toEqual([]);
  });

  it('gives the same records however the input is split into chunks', () => {
    const input = '\uFEFFa,"b ""q"""\r\n"x,\r\ny",2\n\n"\u00e9t\u00e9 \ud83c\udfae",z\r"open,\n';
    const whole = parseCsv(input);
    fc.assert(
      fc.property(fc.array(fc.nat(input.length), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const parser = new CsvParser();
        const records: CsvRecord[] = [];
        let from = 0;
        for (const point of [...points, input.length]) {
          records.push(...parser.push(input.slice(from, point)));
          from = point;
        }
        records.push(...parser.end());
        expect(records).toEqual(whole);
      }),
    );
  });
});
