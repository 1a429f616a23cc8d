import type { ClickHouseClient } from '@clickhouse/client';

/** An investigation answer is for a person looking at one case: past this it is a mistake, not a query. */
export const MAX_EXECUTION_SECONDS = 10;
const MAX_MEMORY_BYTES = 1024 * 1024 * 1024;

/**
 * Limits and read-only mode travel in the query's own SETTINGS clause: passed as
 * clickhouse_settings, chDB would keep them as session-wide SETs for every later query of
 * the process (see analytics/reports/run-report.ts). Rows are bounded by each query's own
 * LIMIT, not max_result_rows, which would also stop the subqueries.
 */
const SETTINGS = [
  `max_execution_time = ${MAX_EXECUTION_SECONDS}`,
  `timeout_overflow_mode = 'throw'`,
  `max_memory_usage = ${MAX_MEMORY_BYTES}`,
  'readonly = 1',
].join(', ');

export async function readRows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  try {
    const result = await client.query({ query: `${query}\nSETTINGS ${SETTINGS}`, query_params: params, format: 'JSONEachRow' });
    return await result.json<T>();
  } catch (e) {
    // chDB 3.4 hands what a failed query had written to the session's next result: one
    // query read to the end clears it, so a failure here does not garble the next reader's.
    await client.query({ query: 'SELECT 1 AS drained', format: 'JSONEachRow' }).then((r) => r.text()).catch(() => undefined);
    throw e;
  }
}
