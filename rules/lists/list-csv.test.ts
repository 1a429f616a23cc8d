import { describe, expect, it } from 'vitest';
import { csvField, csvText, MAX_RECORD_CHARS, readCsvRecords, type CsvRecord } from './list-csv.ts';
import { canonicalIp, checkEntry, nameKey, normaliseValue } from './subject-lists.ts';

async function read(...chunks: Array<string | Buffer>): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords((async function* () {
    yield* chunks;
  })())) out.push(r);
  return out;
}

const SAMPLE = '\uFEFFvalue,reason\r\n10.0.0.1,"a ""quoted"", reason"\r\n"multi\nline",x\rlast,"é 金"';
const EXPECTED: CsvRecord[] = [
  { line: 1, fields: ['value', 'reason'] },
  { line: 2, fields: ['10.0.0.1', 'a "quoted", reason'] },
  { line: 3, fields: ['multi\nline', 'x'] },
  { line: 5, fields: ['last', 'é 金'] },
];

describe('readCsvRecords', () => {
  it('reads quoted fields, doubled quotes, line breaks in quotes, CRLF, CR and a BOM', async () => {
    expect(await read(SAMPLE)).toEqual(EXPECTED);
  });

  it('gives the same records whatever the chunk boundaries, even inside a UTF-8 character', async () => {
    const bytes = Buffer.from(SAMPLE, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await read(bytes.subarray(0, cut), bytes.subarray(cut)), `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('reports a malformed record with its line and goes on with the next', async () => {
    expect(await read('a,b\nx"y,1\n"q"z,2\nok,3\n"open,4')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: expect.stringContaining('quote inside an unquoted field') },
      { line: 3, error: 'text after a closing quote' },
      { line: 4, fields: ['ok', '3'] },
      { line: 5, error: 'a quoted field is not closed' },
    ]);
  });

  it('refuses a record longer than the limit without keeping it, and skips blank lines', async () => {
    const long = 'x'.repeat(MAX_RECORD_CHARS + 1);
    expect(await read(`a,b\n\n${long},1\nok,2\n`)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, error: `a record longer than ${MAX_RECORD_CHARS} characters` },
      { line: 4, fields: ['ok', '2'] },
    ]);
    expect(await read('')).toEqual([]);
  });

  it('writes fields the reader reads back, and keeps a spreadsheet from running a reason', async () => {
    const values = ['plain', 'with, comma', 'with "quote"', 'line\nbreak'];
    expect(await read(values.map(csvField).join(','))).toEqual([{ line: 1, fields: values }]);
    expect(csvText('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  });
});

describe('list values', () => {
  it('holds one spelling per subject', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIp('10.0.0.256')).toBeUndefined();
    expect(nameKey('  Nicolás   MADURO ')).toBe('nicolas maduro');
    expect(normaliseValue('country', 'th')).toEqual({ ok: true, value: 'TH' });
    expect(normaliseValue('wallet', 'w-1').ok).toBe(false);
    expect(normaliseValue('mcc', '581').ok).toBe(false);
  });

  it('an allow entry names the rules it exempts from; a block entry names none; expiries are in the future', () => {
    expect(checkEntry('allow:wallet', { value: 'siam-wallet:w-1', reason: 'r', rules: ['b', 'a', 'a'] }, 0)).toEqual({ ok: true, value: { value: 'siam-wallet:w-1', reason: 'r', rules: ['a', 'b'] } });
    expect(checkEntry('allow:wallet', { value: 'siam-wallet:w-1', reason: 'r' }, 0).ok).toBe(false);
    expect(checkEntry('block:wallet', { value: 'siam-wallet:w-1', reason: 'r', rules: ['a'] }, 0).ok).toBe(false);
    expect(checkEntry('block:wallet', { value: 'siam-wallet:w-1', reason: 'r', expiresAt: 5 }, 10).ok).toBe(false);
    expect(checkEntry('block:wallet', { value: 'siam-wallet:w-1', reason: '' }, 0).ok).toBe(false);
  });
});
