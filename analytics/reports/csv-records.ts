import { Transform } from 'node:stream';

/**
 * A pass-through for CSV that counts its records: line ends outside double quotes (a
 * quoted field may hold line breaks; an escaped quote "" toggles twice). `records` settles
 * when the stream ends or is destroyed, with the header row included.
 */
export function countCsvRecords(): { through: Transform; records: Promise<number> } {
  let quoted = false;
  let count = 0;
  let pending = false;
  let settle!: (n: number) => void;
  const records = new Promise<number>((resolve) => (settle = resolve));
  const through = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === 0x22) quoted = !quoted;
        if (b === 0x0a && !quoted) {
          count++;
          pending = false;
        } else if (b !== 0x0d) {
          pending = true;
        }
      }
      callback(null, chunk);
    },
    flush(callback) {
      // A last record without a line end still counts.
      settle(count + (pending ? 1 : 0));
      callback();
    },
    destroy(error, callback) {
      settle(count);
      callback(error);
    },
  });
  return { through, records };
}
