import { bodyOf, type BatchRow } from './isolate-refused-rows.ts';
import { ROW_FORM, rowLineOf } from './tap-row.ts';
import { decodeTapEntry } from './tap-stream.ts';
import { transactionRow } from './transaction-row.ts';

/** A stream entry as XREADGROUP and XRANGE return it. */
export type Entry = [id: string, fields: string[]];

/**
 * Turns a stream entry into its row, or into the row's JSONEachRow line when the entry holds
 * it already; undefined (or a throw) dead-letters it as undecodable.
 */
export type RowOf = (id: string, fields: string[]) => object | string | undefined;

/**
 * The transaction tap's rows: the default of every writer. An entry in row form becomes its
 * line by a splice; an older one (the event as JSON) and a rejected request are decoded and
 * built into a row.
 */
export const transactionRowOf: RowOf = (id, fields) => {
  // The commit scripts write e, s, d and v in this order; anything else is looked up by name.
  const e = fields[0] === 'e' ? fields[1] : undefined;
  if (e !== undefined && e.startsWith(ROW_FORM) && fields[2] === 's' && fields[4] === 'd' && (fields.length === 6 || (fields.length === 8 && fields[6] === 'v'))) {
    return rowLineOf(id, e, { status: fields[3]!, declineCode: fields[5]!, credited: fields[7] });
  }
  const decoded = decodeTapEntry(id, fields);
  return decoded ? transactionRow(decoded) : undefined;
};

/** A batch read and built. Without `token` it is not recorded in flight yet; with one, a writer before recorded it. */
export interface Batch {
  ids: string[];
  entries: Entry[];
  /** The rows, in stream order, and their body. */
  rows: BatchRow[];
  body: string;
  /** Entries that make no row, with why. */
  undecodable: Array<{ id: string; message: string }>;
  token: string | undefined;
  inflightKey: string;
  /** When it was read from the stream (or earlier): its entries have been pending at most since then. */
  readAt: number;
  prepareMs: number;
}

/** Decodes a batch and builds its JSONEachRow body: CPU work only, nothing written to Redis yet. */
export function prepareBatch(entries: Entry[], rowOf: RowOf, at: { token?: string; inflightKey: string; readAt?: number }): Batch {
  const started = performance.now();
  const ids = entries.map(([id]) => id);
  const rows: BatchRow[] = [];
  const undecodable: Batch['undecodable'] = [];
  for (const [id, fields] of entries) {
    // A builder that throws on an entry (a date past what Date holds) would stop the writer on every start.
    try {
      const row = rowOf(id, fields);
      if (row) rows.push({ id, line: typeof row === 'string' ? row : JSON.stringify(row) });
      else undecodable.push({ id, message: 'no row can be made of this entry' });
    } catch (e) {
      undecodable.push({ id, message: `no row can be made of this entry: ${(e as Error).message}` });
    }
  }
  return {
    ids,
    entries,
    rows,
    body: bodyOf(rows),
    undecodable,
    token: at.token,
    inflightKey: at.inflightKey,
    readAt: at.readAt ?? Date.now(),
    prepareMs: performance.now() - started,
  };
}
