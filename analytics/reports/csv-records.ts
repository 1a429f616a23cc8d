import { Transform } from 'node:stream';

/** How much is counted between two turns of the event loop: about a millisecond of work. */
const SLICE_BYTES = 256 * 1024;

/**
 * A pass-through for CSV that counts its records: line ends outside double quotes (a
 * quoted field may hold line breaks; an escaped quote "" toggles twice). `records` settles
 * when the stream ends or is destroyed, with the header row included. A large chunk (an
 * embedded ClickHouse hands over its whole answer at once) is counted and passed on a
 * slice at a time, so the event loop turns in between.
 */
export function countCsvRecords(): { through: Transform; records: Promise<number> } {
  let quoted = false;
  let count = 0;
  let pending = false;
  let settle!: (n: number) => void;
  const records = new Promise<number>((resolve) => (settle = resolve));
  const countSlice = (chunk: Buffer, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const b = chunk[i]!;
      if (b === 0x22) quoted = !quoted;
      if (b === 0x0a && !quoted) {
        count++;
        pending = false;
      } else if (b !== 0x0d) {
        pending = true;
      }
    }
  };
  const through: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let at = 0;
      const next = () => {
        if (through.destroyed) return callback();
        const end = Math.min(chunk.length, at + SLICE_BYTES);
        countSlice(chunk, at, end);
        through.push(chunk.subarray(at, end));
        at = end;
        if (at < chunk.length) setImmediate(next);
        else callback();
      };
      next();
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
