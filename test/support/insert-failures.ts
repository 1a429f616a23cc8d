import type { TransactionBodySink } from '../../ingest/clickhouse-sink.ts';

/**
 * ClickHouse failing at the client boundary: `wrapInsert` goes into the platform's hooks,
 * and while `failing` is set every insert throws (and is counted) instead of reaching it.
 */
export function insertFailures() {
  const state = {
    failing: false,
    attemptsWhileFailing: 0,
    wrapInsert: (insert: TransactionBodySink): TransactionBodySink => async (body, token) => {
      if (state.failing) {
        state.attemptsWhileFailing += 1;
        throw new Error('injected: ClickHouse unavailable');
      }
      await insert(body, token);
    },
  };
  return state;
}
