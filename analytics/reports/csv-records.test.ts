import { buffer } from 'node:stream/consumers';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countCsvRecords } from './csv-records.ts';

describe('counting the records of a CSV as it passes', () => {
  it('counts line ends outside quotes, across chunks, and passes every byte on', async () => {
    const csv = 'id,note\r\n1,"two\r\nlines"\r\n2,"say ""hi"""\r\n3,last';
    const { through, records } = countCsvRecords();
    const out = buffer(Readable.from([Buffer.from(csv.slice(0, 15)), Buffer.from(csv.slice(15, 16)), Buffer.from(csv.slice(16))]).pipe(through));
    expect((await out).toString()).toBe(csv);
    expect(await records).toBe(4);
  });

  it('lets the event loop turn while it counts an answer that arrives in one large chunk', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => `${i},"payment ""${i}""\nsecond line",${'x'.repeat(20)}\r\n`);
    const csv = Buffer.from(`id,note,pad\r\n${rows.join('')}`);
    const { through, records } = countCsvRecords();
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const out = await buffer(Readable.from([csv]).pipe(through));
    clearInterval(ticker);
    expect(out.equals(csv)).toBe(true);
    expect(await records).toBe(100_001);
    expect(turns).toBeGreaterThan(3);
  });
});
