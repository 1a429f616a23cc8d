import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseError, type ClickHouseClient, type DataFormat } from '@clickhouse/client';
import { err, ok, type Result } from '../../domain/result.ts';

/**
 * The JSON result of reports and ad-hoc SQL (docs/api.md: `{ columns, rows, rowsRead,
 * elapsedMs }`), read from the engine as it streams and written out as it was read. Rows
 * stay the bytes ClickHouse wrote: parsing and serialising a large answer again would hold
 * the event loop for seconds and the heap several times over. The answer is bounded in
 * bytes, whatever its rows hold: past the bound, the read stops and the query is cancelled.
 *
 * From a server the answer streams over HTTP. Embedded chDB hands its client the whole
 * answer at once (its own stream API reports no rows read), so the engine's max_result_bytes
 * is what stops a large answer early there; it is read here all the same, a slice at a time.
 */

/** The engine's format for it: a meta line, `{"row":{...}}` per row, progress lines with the rows read. */
export const JSON_RESULT_FORMAT = 'JSONEachRowWithProgress';

export interface JsonResult {
  columns: Array<{ name: string; type: string }>;
  /** Each row as the engine wrote it: one JSON object, UTF-8. */
  rowTexts: Buffer[];
  rowsRead: number;
  elapsedMs: number;
}

/** The answer passed `maxBytes`: `rows` rows had fitted. */
export interface ResultTooLarge {
  rows: number;
  maxBytes: number;
}

const ROW_PREFIX = Buffer.from('{"row":');
const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const CARRIAGE_RETURN = 0x0d;
/** How much is scanned between two turns of the event loop: about a millisecond of work. */
const TURN_BYTES = 1 << 20;
/** Batches of rows written out at once: fewer, larger writes. */
const WRITE_BATCH_BYTES = 64 * 1024;
/** What is read of an error the server wrote after the rows had begun. */
const MAX_ERROR_BYTES = 64 * 1024;

const head = (columns: JsonResult['columns']) => `{"columns":${JSON.stringify(columns)},"rows":[`;
const tail = (rowsRead: number, elapsedMs: number) => `],"rowsRead":${rowsRead},"elapsedMs":${elapsedMs}}`;
/** Room for the tail's two numbers, whatever they turn out to be. */
const TAIL_BYTES = tail(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).length;
const headBytes = (columns: JsonResult['columns']) => Buffer.byteLength(head(columns));

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Reads a JSONEachRowWithProgress answer. Stops at once (the caller's loop over `chunks`
 * ends, which cancels the query) when the body would pass `maxBytes`. An error the engine
 * reports, before or after the rows began, is thrown ClickHouse-shaped (`type`, `code`).
 */
export async function readJsonResult(chunks: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<Result<JsonResult, ResultTooLarge>> {
  const started = performance.now();
  let columns: JsonResult['columns'] = [];
  const rowTexts: Buffer[] = [];
  let bytes = headBytes(columns) + TAIL_BYTES;
  let rowsRead = 0;
  let engineMs: number | undefined;
  let partial: Buffer[] = [];
  let sinceTurn = 0;
  let failure: Buffer[] | undefined;
  let failureBytes = 0;
  const noteFailure = (piece: Buffer) => {
    failure ??= [];
    failure.push(piece.subarray(0, Math.max(0, MAX_ERROR_BYTES - failureBytes)));
    failureBytes += piece.length;
  };

  for await (const raw of chunks) {
    const chunk = asBuffer(raw);
    if (failure) {
      noteFailure(chunk);
      if (failureBytes >= MAX_ERROR_BYTES) break;
      continue;
    }
    let at = 0;
    while (at < chunk.length) {
      const end = chunk.indexOf(NEWLINE, at);
      if (end < 0) {
        partial.push(chunk.subarray(at));
        break;
      }
      const line = partial.length > 0 ? Buffer.concat([...partial, chunk.subarray(at, end)]) : chunk.subarray(at, end);
      partial = [];
      at = end + 1;
      sinceTurn += line.length + 1;
      if (line.length === 0) continue;
      if (line[0] !== OPEN_BRACE || line[line.length - 1] === CARRIAGE_RETURN) {
        // A server that fails after the rows began ends the body with the error, after a CR LF (ClickHouse 25.11+).
        noteFailure(line);
        noteFailure(chunk.subarray(at));
        break;
      }
      if (line.subarray(0, ROW_PREFIX.length).equals(ROW_PREFIX) && line[line.length - 1] === CLOSE_BRACE) {
        const text = line.subarray(ROW_PREFIX.length, line.length - 1);
        bytes += text.length + (rowTexts.length > 0 ? 1 : 0);
        if (bytes > options.maxBytes) return err({ rows: rowTexts.length, maxBytes: options.maxBytes });
        rowTexts.push(text);
      } else {
        const message = JSON.parse(line.toString('utf8')) as {
          meta?: JsonResult['columns'];
          progress?: { read_rows?: string | number; elapsed_ns?: string | number };
          exception?: string;
        };
        if (message.exception !== undefined) throw parseError(String(message.exception));
        if (message.meta) {
          bytes -= headBytes(columns);
          columns = message.meta.map(({ name, type }) => ({ name, type }));
          bytes += headBytes(columns);
          if (bytes > options.maxBytes) return err({ rows: 0, maxBytes: options.maxBytes });
        }
        if (message.progress) {
          rowsRead = Math.max(rowsRead, Number(message.progress.read_rows ?? 0) || 0);
          const ns = Number(message.progress.elapsed_ns ?? Number.NaN);
          if (Number.isFinite(ns)) engineMs = ns / 1e6;
        }
        // totals, extremes, rows_before_limit...: not part of the answer.
      }
      if (sinceTurn >= TURN_BYTES) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
  }
  if (failure) throw parseError(Buffer.concat(failure).toString('utf8').replace(/__exception__/g, ' ').trim() || 'the query failed after its rows began');
  if (partial.length > 0) throw new Error('the answer ended in the middle of a row');
  const elapsedMs = Math.round((engineMs ?? performance.now() - started) * 1000) / 1000;
  return ok({ columns, rowTexts, rowsRead, elapsedMs });
}

/**
 * Runs `query` (limits in its own SETTINGS clause, no FORMAT; values bound as parameters) and reads its JSON result.
 * The format goes as default_format, so the statement's SETTINGS clause stays last.
 */
export async function queryJsonResult(
  client: ClickHouseClient,
  query: string,
  options: { maxBytes: number; query_params?: Record<string, unknown>; signal?: AbortSignal },
): Promise<Result<JsonResult, ResultTooLarge>> {
  const result = await client.exec({
    query,
    clickhouse_settings: { default_format: JSON_RESULT_FORMAT as DataFormat },
    ...(options.query_params ? { query_params: options.query_params } : {}),
    ...(options.signal ? { abort_signal: options.signal } : {}),
  });
  return readJsonResult(result.stream as AsyncIterable<Uint8Array>, { maxBytes: options.maxBytes });
}

/**
 * The answer's JSON body as a stream, and its length: the rows as they were read, in
 * batches, never one large string.
 */
export function jsonResultBody(result: JsonResult): { stream: Readable; bytes: number } {
  const rows = result.rowTexts.reduce((n, row) => n + row.length, 0) + Math.max(0, result.rowTexts.length - 1);
  const bytes = headBytes(result.columns) + rows + tail(result.rowsRead, result.elapsedMs).length;
  return { stream: Readable.from(bodyChunks(result), { objectMode: false }), bytes };
}

function* bodyChunks(result: JsonResult): Generator<Buffer> {
  yield Buffer.from(head(result.columns));
  const comma = Buffer.from(',');
  let batch: Buffer[] = [];
  let size = 0;
  for (const [i, row] of result.rowTexts.entries()) {
    if (i > 0) batch.push(comma);
    batch.push(row);
    size += row.length + 1;
    if (size >= WRITE_BATCH_BYTES) {
      yield Buffer.concat(batch);
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) yield Buffer.concat(batch);
  yield Buffer.from(tail(result.rowsRead, result.elapsedMs));
}

/** A bound in bytes as a message shows it: "16 MiB", "512 KiB", "900 bytes". */
export function sizeText(bytes: number): string {
  const [unit, size] = bytes >= 1024 * 1024 ? ['MiB', bytes / 1024 / 1024] : bytes >= 1024 ? ['KiB', bytes / 1024] : ['bytes', bytes];
  return `${Number(size.toFixed(1))} ${unit}`;
}

/** The rows as objects, for a caller that needs their values (not for answering over HTTP). */
export function parsedRows(result: JsonResult): Array<Record<string, unknown>> {
  return result.rowTexts.map((row) => JSON.parse(row.toString('utf8')) as Record<string, unknown>);
}
