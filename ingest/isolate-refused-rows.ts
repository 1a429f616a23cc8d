import type { Refusal } from './insert-refusal.ts';

/** One row of a batch: the stream entry it came from and its JSONEachRow line. */
export interface BatchRow {
  id: string;
  line: string;
}

export interface RefusedRow {
  id: string;
  refusal: Refusal;
}

/**
 * One insert of some rows under a token, parsed row by row, retried by the caller until
 * ClickHouse answers: undefined once they landed, the refusal when ClickHouse refused them.
 */
export type InsertAttempt = (rows: BatchRow[], token: string) => Promise<Refusal | undefined>;

/** Rows after a refused one go in slices of at most this many: a body sent again and again costs its length each time. */
const SLICE_ROWS = 256;

/**
 * Lands every row of a refused batch that ClickHouse accepts, exactly once, and returns the
 * rows it refuses. The batch is split in halves, then each refused part where ClickHouse says
 * it stopped (the rows before it parsed, the row itself is tried alone, the rest goes in
 * slices), or in halves again when it does not say; a refused single row is the answer for
 * that row.
 *
 * Exactly once across a crash: every slice's token is derived from the batch's token and the
 * slice's stream ids, and the split depends only on the rows and ClickHouse's verdicts, which
 * are the same for the same body parsed row by row. A writer that finishes the batch after a
 * crash splits it the same way, and ClickHouse drops the slices that had landed as duplicates.
 */
export async function isolateRefusedRows(rows: BatchRow[], batchToken: string, refusal: Refusal, attempt: InsertAttempt): Promise<RefusedRow[]> {
  const refused: RefusedRow[] = [];
  const land = async (slice: BatchRow[]) => {
    const answer = await attempt(slice, sliceToken(batchToken, slice));
    if (answer) await split(slice, answer);
  };
  const split = async (slice: BatchRow[], answer: Refusal) => {
    if (slice.length === 1) {
      refused.push({ id: slice[0]!.id, refusal: answer });
      return;
    }
    const at = answer.row !== undefined && answer.row >= 0 && answer.row < slice.length ? answer.row : undefined;
    if (at === undefined) {
      const middle = slice.length >> 1;
      await land(slice.slice(0, middle));
      await land(slice.slice(middle));
      return;
    }
    if (at > 0) await land(slice.slice(0, at));
    // Alone, so a wrong hint costs an insert, never a good row.
    await land(slice.slice(at, at + 1));
    for (let from = at + 1; from < slice.length; from += SLICE_ROWS) await land(slice.slice(from, from + SLICE_ROWS));
  };
  // The whole batch may have been parsed in parallel, its named row one of several: halves first.
  await split(rows, { ...refusal, row: undefined });
  return refused;
}

/** A slice's token: its batch's, and its own first and last stream ids and size. */
export function sliceToken(batchToken: string, slice: readonly BatchRow[]): string {
  return `${batchToken}/${slice[0]!.id}:${slice[slice.length - 1]!.id}:${slice.length}`;
}

/** The JSONEachRow body of some rows: one JSON object per line, as @clickhouse/client writes it. */
export function bodyOf(rows: readonly BatchRow[]): string {
  return rows.length === 0 ? '' : `${rows.map((r) => r.line).join('\n')}\n`;
}
