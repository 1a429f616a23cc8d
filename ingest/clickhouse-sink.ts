import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { TransactionRow } from './transaction-row.ts';

export type TransactionSink = (rows: TransactionRow[], deduplicationToken: string) => Promise<void>;
/**
 * The same insert with the rows already serialised: one JSON object per line (see `bodyOf`).
 * `rowByRow`: ClickHouse parses the body in order, so a refusal names the first row it
 * refused, the same one on every attempt (the writer splits a refused batch there).
 */
export type TransactionBodySink = (jsonEachRow: string, deduplicationToken: string, options?: { rowByRow?: boolean }) => Promise<void>;

/**
 * Every batch is inserted synchronously (async_insert=0, on by default in ClickHouse 26) with
 * the batch's own deduplication token, applied to the materialised views as well, so a
 * retried batch lands exactly once everywhere. A body ClickHouse parses in parallel (pieces
 * of 10 MiB and more) may name a different refused row from one attempt to the next: parts
 * of a refused batch are parsed row by row. Only they say so: in embedded chDB every setting
 * given is a SET before the INSERT, and that one cost the writer ~8% of its rows/s on every
 * batch (npm run bench -- ingest). chDB keeps it for the inserts after a split, which then
 * parse row by row too: as fast for batches below 10 MiB, and landing the same rows.
 */
function insertSettings(deduplicationToken: string, rowByRow = false): ClickHouseSettings {
  return {
    async_insert: 0,
    insert_deduplication_token: deduplicationToken,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    ...(rowByRow ? { input_format_parallel_parsing: 0 } : {}),
  };
}

export function clickhouseTransactionSink(client: ClickHouseClient, database: string): TransactionSink {
  return async (rows, deduplicationToken) => {
    await client.insert({
      table: `${database}.transactions`,
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: insertSettings(deduplicationToken),
    });
  };
}

/**
 * The ingest writer's insert: the body was built on the writer thread and is sent as it is.
 * `insert()` only takes JSONEachRow as objects to serialise itself, so this is the same
 * INSERT through `exec()`, whose values are sent verbatim: piped into the HTTP request, or
 * appended to the statement by chdb's connection. One string chunk (an object-mode stream)
 * spares chdb a round trip through a Buffer.
 */
export function clickhouseTransactionBodySink(client: ClickHouseClient, database: string, table = 'transactions'): TransactionBodySink {
  return async (jsonEachRow, deduplicationToken, options) => {
    const result = await client.exec({
      query: `INSERT INTO ${database}.${table} FORMAT JSONEachRow`,
      values: Readable.from([jsonEachRow]),
      clickhouse_settings: insertSettings(deduplicationToken, options?.rowByRow),
    });
    // The (empty) answer must be read for the HTTP socket to be released.
    result.stream.resume();
    await finished(result.stream);
  };
}
