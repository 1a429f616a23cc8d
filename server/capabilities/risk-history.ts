import type { Redis } from 'ioredis';
import { createTransactionSource, historyPages } from '../../analytics/backtest/transaction-source.ts';
import { decodeTapEntry } from '../../ingest/tap-stream.ts';
import type { RecordedMessage } from '../../rules/state/replay-history.ts';
import type { ClickHouse } from '../clickhouse.ts';

/**
 * The history a switch node rebuilds its velocity state from on start: the messages
 * ClickHouse holds from `from` on (its snapshot's time, or the look-back), then the tap entries not yet written there (or
 * written and not yet trimmed from the stream: those are taken from the stream and left
 * out of ClickHouse's pages, so each message is applied once). A node without ClickHouse
 * (a switch role beside embedded ClickHouse in another process) has only the tap entries.
 */

const TAP_PAGE = 1000;
const CLICKHOUSE_PAGE = 5000;

export interface RiskHistoryOptions {
  redis: Redis;
  tapStream: string;
  clickhouse?: { client: ClickHouse['client']; database: string };
  /** Messages received from this time on (ms). */
  from: number;
  now: () => number;
}

/** The tap's committed messages still in the stream, oldest first. */
async function unwrittenTapEntries(redis: Redis, stream: string): Promise<RecordedMessage[]> {
  const out: RecordedMessage[] = [];
  let from = '-';
  for (;;) {
    const entries = await redis.xrange(stream, from, '+', 'COUNT', TAP_PAGE);
    for (const [id, fields] of entries) {
      const entry = decodeTapEntry(id, fields);
      if (entry?.kind === 'transaction') out.push({ message: entry.event, status: entry.event.status });
    }
    if (entries.length < TAP_PAGE) return out;
    from = `(${entries[entries.length - 1]![0]}`;
  }
}

export function riskHistory(options: RiskHistoryOptions): () => AsyncIterable<readonly RecordedMessage[]> {
  return async function* () {
    const to = options.now() + 60_000;
    const tap = await unwrittenTapEntries(options.redis, options.tapStream);
    const inTap = new Set(tap.map((r) => r.message.paymentId));
    if (options.clickhouse) {
      const source = createTransactionSource(options.clickhouse.client, options.clickhouse.database);
      for await (const rows of historyPages(source, options.from, to, CLICKHOUSE_PAGE)) {
        yield inTap.size > 0 ? rows.filter((r) => !inTap.has(r.message.paymentId)) : rows;
      }
    }
    for (let i = 0; i < tap.length; i += CLICKHOUSE_PAGE) yield tap.slice(i, i + CLICKHOUSE_PAGE);
  };
}
