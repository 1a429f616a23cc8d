import { parseError } from '@clickhouse/client';
import type { TransactionBodySink } from '../../ingest/clickhouse-sink.ts';

/**
 * ClickHouse failing at the client boundary: `wrapInsert` goes into the platform's hooks,
 * and while `failing` is set every insert throws (and is counted) instead of reaching it.
 * `failNext` makes the next inserts whose token `when` accepts throw the errors given, one
 * each, in order, failing or not.
 */
export function insertFailures() {
  const state = {
    failing: false,
    attemptsWhileFailing: 0,
    queued: [] as Array<{ error: Error; when: (token: string) => boolean }>,
    failNext(errors: Error[], when: (token: string) => boolean = () => true) {
      state.queued.push(...errors.map((error) => ({ error, when })));
    },
    wrapInsert: (insert: TransactionBodySink): TransactionBodySink => async (body, token, options) => {
      const next = state.queued.findIndex((q) => q.when(token));
      if (next >= 0) throw state.queued.splice(next, 1)[0]!.error;
      if (state.failing) {
        state.attemptsWhileFailing += 1;
        throw new Error('injected: ClickHouse unavailable');
      }
      await insert(body, token, options);
    },
  };
  return state;
}

/** A ClickHouse error as @clickhouse/client makes it of what a server answers, e.g. `Code: 241. DB::Exception: ... (MEMORY_LIMIT_EXCEEDED)`. */
export function clickhouseError(text: string): Error {
  return parseError(text);
}

/** What a failing ClickHouse answers: it passes, and the writer must keep retrying. */
export const FAILING_CLICKHOUSE = {
  memory: () => clickhouseError('Code: 241. DB::Exception: Memory limit (total) exceeded: would use 3.50 GiB (attempt to allocate chunk of 4.00 MiB bytes), maximum: 3.46 GiB. (MEMORY_LIMIT_EXCEEDED)'),
  tooManyParts: () => clickhouseError('Code: 252. DB::Exception: Too many parts (3001 with average size of 12.00 KiB) in table cpg.transactions. Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)'),
  timeout: () => clickhouseError('Code: 209. DB::NetException: Timeout exceeded while reading from socket (127.0.0.1:9000, 30000 ms). (SOCKET_TIMEOUT)'),
  readOnly: () => clickhouseError('Code: 242. DB::Exception: Table is in readonly mode. (TABLE_IS_READ_ONLY)'),
};
