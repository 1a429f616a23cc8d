import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { jsonResultBody, parsedRows, readJsonResult } from './json-result.ts';

/** An answer as JSONEachRowWithProgress writes it, cut into chunks at the given byte offsets. */
function answer(lines: string[], cuts: number[] = []): { chunks: AsyncIterable<Uint8Array>; pulled: () => number; finished: () => boolean } {
  const text = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const bounds = [0, ...cuts, text.length];
  let pulled = 0;
  let finished = false;
  async function* chunks() {
    try {
      for (let i = 0; i + 1 < bounds.length; i++) {
        pulled++;
        yield text.subarray(bounds[i], bounds[i + 1]);
      }
    } finally {
      finished = true;
    }
  }
  return { chunks: chunks(), pulled: () => pulled, finished: () => finished };
}

const META = '{"meta":[{"name":"id","type":"String"},{"name":"n","type":"UInt64"}]}';
const row = (id: string, n: number) => `{"row":{"id":${JSON.stringify(id)},"n":"${n}"}}`;

describe('reading a JSON answer as the engine streams it', () => {
  it('keeps each row as the engine wrote it, across chunk boundaries, and writes the contract body', async () => {
    const lines = [META, row('a, b', 1), row('ü "quoted"', 2), row('c', 3), '{"progress":{"read_rows":"120","elapsed_ns":"2500000"}}', '{"progress":{"read_rows":"300","elapsed_ns":"4250000"}}'];
    // Cut inside a row, right after a newline, and inside a multi-byte character.
    const offsets = [META.length + 10, META.length + 1 + row('a, b', 1).length + 1, META.length + 1 + row('a, b', 1).length + 5];
    const source = answer(lines, offsets);
    const read = await readJsonResult(source.chunks, { maxBytes: 10_000 });
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value.columns).toEqual([{ name: 'id', type: 'String' }, { name: 'n', type: 'UInt64' }]);
    expect(parsedRows(read.value)).toEqual([{ id: 'a, b', n: '1' }, { id: 'ü "quoted"', n: '2' }, { id: 'c', n: '3' }]);
    expect(read.value.rowsRead).toBe(300);
    expect(read.value.elapsedMs).toBe(4.25);
    const written = jsonResultBody(read.value);
    const body = await buffer(written.stream);
    expect(body.length).toBe(written.bytes);
    expect(JSON.parse(body.toString('utf8'))).toEqual({
      columns: read.value.columns,
      rows: [{ id: 'a, b', n: '1' }, { id: 'ü "quoted"', n: '2' }, { id: 'c', n: '3' }],
      rowsRead: 300,
      elapsedMs: 4.25,
    });
  });

  it('writes an empty answer as the contract shape too', async () => {
    const read = await readJsonResult(answer([META]).chunks, { maxBytes: 10_000 });
    expect(read.ok && JSON.parse((await buffer(jsonResultBody(read.value).stream)).toString())).toEqual({
      columns: [{ name: 'id', type: 'String' }, { name: 'n', type: 'UInt64' }],
      rows: [],
      rowsRead: 0,
      elapsedMs: expect.any(Number),
    });
  });

  it('stops reading, and lets the query go, once the body would pass its bound', async () => {
    const lines = [META, ...Array.from({ length: 1000 }, (_, i) => row(`payment-${i}`, i))];
    const cuts = Array.from({ length: 99 }, (_, i) => (i + 1) * 400);
    const source = answer(lines, cuts);
    const read = await readJsonResult(source.chunks, { maxBytes: 5_000 });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error.maxBytes).toBe(5_000);
    expect(read.error.rows).toBeGreaterThan(50);
    expect(read.error.rows).toBeLessThan(200);
    // The source was closed early: far fewer chunks pulled than it had.
    expect(source.finished()).toBe(true);
    expect(source.pulled()).toBeLessThan(20);
  });

  it('throws the error the engine wrote after the rows began, ClickHouse-shaped', async () => {
    const tag = 'xqkzvbnmtrplwsdf';
    const error = 'Code: 241. DB::Exception: Query memory limit exceeded: would use 1.01 GiB. (MEMORY_LIMIT_EXCEEDED) (version 26.8.1.1)';
    const trailer = `\r\n__exception__\r\n${tag}\n${error}\n${error.length + 1} ${tag}\r\n__exception__\r\n`;
    async function* chunks() {
      yield Buffer.from(`${META}\n${row('a', 1)}\n`);
      yield Buffer.from(trailer);
    }
    await expect(readJsonResult(chunks(), { maxBytes: 10_000 })).rejects.toMatchObject({ type: 'MEMORY_LIMIT_EXCEEDED', code: '241' });
    const inline = answer([META, row('a', 1), `{"exception":${JSON.stringify('Code: 396. DB::Exception: Limit for result exceeded, max rows: 10.00 thousand. (TOO_MANY_ROWS_OR_BYTES)')}}`]);
    await expect(readJsonResult(inline.chunks, { maxBytes: 10_000 })).rejects.toMatchObject({ type: 'TOO_MANY_ROWS_OR_BYTES' });
  });

  it('refuses an answer that ends in the middle of a row', async () => {
    async function* chunks() {
      yield Buffer.from(`${META}\n{"row":{"id":"a"`);
    }
    await expect(readJsonResult(chunks(), { maxBytes: 10_000 })).rejects.toThrow(/middle of a row/);
  });

  it('lets the event loop turn while it reads a large answer that arrives at once', async () => {
    const lines = [META, ...Array.from({ length: 40_000 }, (_, i) => row('x'.repeat(100), i))];
    const source = answer(lines);
    let turned = false;
    setImmediate(() => (turned = true));
    const read = await readJsonResult(source.chunks, { maxBytes: 64 * 1024 * 1024 });
    expect(read.ok && read.value.rowTexts.length).toBe(40_000);
    expect(turned).toBe(true);
  });
});
