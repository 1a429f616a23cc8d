import type { ClickHouseClient } from '@clickhouse/client';
import type { TransactionRow } from './transaction-row.ts';

export type TransactionSink = (rows: TransactionRow[], deduplicationToken: string) => Promise<void>;

/**
 * Inserts a batch synchronously (async_insert=0, on by default in ClickHouse 26) with the
 * batch's own deduplication token, applied to the materialised views as well, so a retried
 * batch lands exactly once everywhere.
 */
export function clickhouseTransactionSink(client: ClickHouseClient, database: string): TransactionSink {
  return async (rows, deduplicationToken) => {
    await client.insert({
      table: `${database}.transactions`,
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: {
        async_insert: 0,
        insert_deduplication_token: deduplicationToken,
        deduplicate_blocks_in_dependent_materialized_views: 1,
      },
    });
  };
}
