import { describe, expect, it } from 'vitest';
import { refusalOf, type Refusal } from './insert-refusal.ts';
import { isolateRefusedRows, sliceToken, type BatchRow } from './isolate-refused-rows.ts';

const rowsOf = (n: number): BatchRow[] => Array.from({ length: n }, (_, i) => ({ id: `${1000 + i}-0`, line: JSON.stringify({ i }) }));

/**
 * A table that refuses some rows as ClickHouse does: the first refused row of a body fails
 * the whole insert, named "at row N" (unless `unnamed`; `misnamed`: the row before it is
 * named); a token seen before is dropped as a duplicate, whatever the body.
 */
function fakeTable(bad: Set<number>, options: { unnamed?: boolean; misnamed?: boolean } = {}) {
  const landed: number[] = [];
  const tokens = new Set<string>();
  let inserts = 0;
  const insert = async (rows: BatchRow[], token: string): Promise<Refusal | undefined> => {
    inserts += 1;
    const at = rows.findIndex((r) => bad.has((JSON.parse(r.line) as { i: number }).i));
    if (at >= 0) return { code: 'ARGUMENT_OUT_OF_BOUND', message: 'Decimal value is too big', ...(options.unnamed ? {} : { row: options.misnamed ? Math.max(0, at - 1) : at }) };
    if (tokens.has(token)) return undefined;
    tokens.add(token);
    landed.push(...rows.map((r) => (JSON.parse(r.line) as { i: number }).i));
    return undefined;
  };
  return { insert, landed, tokens, inserts: () => inserts };
}

describe('isolating the rows ClickHouse refuses', () => {
  for (const unnamed of [false, true]) {
    it(`lands every other row once and returns each refused row${unnamed ? ', when ClickHouse names no row' : ''}`, async () => {
      const rows = rowsOf(1000);
      const bad = new Set([0, 1, 2, 257, 500, 511, 512, 998, 999]);
      const table = fakeTable(bad, { unnamed });
      const first = await table.insert(rows, 'tx:batch');
      const refused = await isolateRefusedRows(rows, 'tx:batch', first!, table.insert);
      expect(refused.map((r) => r.id)).toEqual([...bad].sort((a, b) => a - b).map((i) => `${1000 + i}-0`));
      expect(refused.every((r) => r.refusal.code === 'ARGUMENT_OUT_OF_BOUND')).toBe(true);
      expect([...table.landed].sort((a, b) => a - b)).toEqual(rows.map((_, i) => i).filter((i) => !bad.has(i)));
    });
  }

  it('splits the same way again, so a second pass after a crash lands nothing twice', async () => {
    const rows = rowsOf(700);
    const bad = new Set([3, 64, 65, 400, 699]);
    const table = fakeTable(bad);
    const tokensOfPass = async () => {
      const before = new Set(table.tokens);
      const seen: string[] = [];
      const attempt = async (slice: BatchRow[], token: string) => {
        seen.push(token);
        return table.insert(slice, token);
      };
      await isolateRefusedRows(rows, 'tx:batch', (await table.insert(rows, 'tx:batch'))!, attempt);
      return { seen, newTokens: [...table.tokens].filter((t) => !before.has(t)) };
    };
    const first = await tokensOfPass();
    const second = await tokensOfPass();
    expect(second.seen).toEqual(first.seen);
    expect(second.newTokens).toEqual([]);
    expect(table.landed).toHaveLength(700 - bad.size);
  });

  it('costs a few inserts per refused row, not one per row', async () => {
    const rows = rowsOf(5000);
    const table = fakeTable(new Set([17, 2500, 4999]));
    await isolateRefusedRows(rows, 'tx:batch', (await table.insert(rows, 'tx:batch'))!, table.insert);
    expect(table.inserts()).toBeLessThan(50);
  });

  it('never dead-letters a good row for a wrong hint', async () => {
    const rows = rowsOf(600);
    const bad = new Set([6, 7, 300, 599]);
    // ClickHouse names the row before the refused one, which is good: tried alone, it lands.
    const table = fakeTable(bad, { misnamed: true });
    const refused = await isolateRefusedRows(rows, 'tx:batch', (await table.insert(rows, 'tx:batch'))!, table.insert);
    expect(refused.map((r) => r.id)).toEqual(['1006-0', '1007-0', '1300-0', '1599-0']);
    expect(table.landed.sort((a, b) => a - b)).toEqual(rows.map((_, i) => i).filter((i) => !bad.has(i)));
  });

  it("splits a whole batch in halves first, whatever row it names: a large body's may differ between attempts", async () => {
    const rows = rowsOf(100);
    const tokens: string[] = [];
    const table = fakeTable(new Set([70]));
    await isolateRefusedRows(rows, 'tx:batch', { code: 'ARGUMENT_OUT_OF_BOUND', message: 'x', row: 70 }, (slice, token) => (tokens.push(token), table.insert(slice, token)));
    expect(tokens.slice(0, 2)).toEqual([sliceToken('tx:batch', rows.slice(0, 50)), sliceToken('tx:batch', rows.slice(50))]);
  });

  it('names each slice by its batch and its own stream ids', () => {
    expect(sliceToken('tx:1-0:9-0:9', rowsOf(3))).toBe('tx:1-0:9-0:9/1000-0:1002-0:3');
  });
});

describe('a refusal, told from a failing ClickHouse', () => {
  const clickhouseError = (code: string, type: string, message: string) => Object.assign(new Error(message), { code, type });

  it('is a parse, type or range error of the input, with the row ClickHouse stopped at', () => {
    const e = clickhouseError('69', 'ARGUMENT_OUT_OF_BOUND', "Decimal value is too big: 15 digits were read: '999999999999999'e0. (while reading the value of key amount): (at row 3)\n: While executing ParallelParsingBlockInputFormat");
    expect(refusalOf(e)).toEqual({ code: 'ARGUMENT_OUT_OF_BOUND', message: e.message, row: 2 });
    expect(refusalOf(clickhouseError('25', 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'missing second part of surrogate pair'))).toMatchObject({ code: 'CANNOT_PARSE_ESCAPE_SEQUENCE' });
  });

  it("takes ClickHouse's row, not one quoted from the row's own text", () => {
    const e = clickhouseError('27', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', "Cannot parse input: expected '\"' before: 'x (at row 1) y': (at row 40)");
    expect(refusalOf(e)?.row).toBe(39);
  });

  it('is a batch spanning more months than one insert may, which no single row is', () => {
    const e = clickhouseError('252', 'TOO_MANY_PARTS', 'Too many partitions for single INSERT block (more than 100). The limit is controlled by ...');
    expect(refusalOf(e)).toEqual({ code: 'TOO_MANY_PARTITIONS', message: e.message });
  });

  it('is not a failing ClickHouse: down, timeouts, too many parts, memory, a missing table', () => {
    for (const [code, type, message] of [
      ['241', 'MEMORY_LIMIT_EXCEEDED', 'Memory limit (total) exceeded'],
      ['252', 'TOO_MANY_PARTS', 'Too many parts (3001 with average size of 1.00 KiB) in table. Merges are processing significantly slower than inserts'],
      ['159', 'TIMEOUT_EXCEEDED', 'Timeout exceeded'],
      ['209', 'SOCKET_TIMEOUT', 'Timeout exceeded while reading from socket'],
      ['210', 'NETWORK_ERROR', 'Connection reset by peer'],
      ['60', 'UNKNOWN_TABLE', 'Table cpg.transactions does not exist'],
      ['202', 'TOO_MANY_SIMULTANEOUS_QUERIES', 'Too many simultaneous queries'],
    ] as const) {
      expect(refusalOf(clickhouseError(code, type, message)), type).toBeUndefined();
    }
    expect(refusalOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(refusalOf(new Error('injected: ClickHouse unavailable'))).toBeUndefined();
    expect(refusalOf('Code: 69')).toBeUndefined();
  });
});
