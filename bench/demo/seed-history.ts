import { performance } from 'node:perf_hooks';
import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseTransactionBodySink } from '../../ingest/clickhouse-sink.ts';
import { historyDay, type HistoryContext } from './history-payments.ts';
import { dayOf } from './trips.ts';

/**
 * Writes the demo's history into ClickHouse: a day of payments at a time, each day one
 * insert through the ingest writer's own body sink (JSONEachRow lines, a deduplication token
 * per day), the next day generated while ClickHouse takes the last. What the platform's
 * warm-up reads on start (server/capabilities/risk-history.ts) is then this history.
 */

const DAY_MS = 86_400_000;

export interface SeedProgress {
  days: number;
  daysDone: number;
  rows: number;
  elapsedMs: number;
}

export interface SeedOptions {
  client: ClickHouseClient;
  database: string;
  history: HistoryContext;
  days: number;
  /** History ends here (exclusive): the live traffic takes over from this time. */
  now: number;
  progress?: (p: SeedProgress) => void;
}

/** Scored messages ClickHouse holds: the demo seeds history only into a platform that has none. */
export async function transactionCount(client: ClickHouseClient, database: string): Promise<number> {
  const result = await client.query({ query: `SELECT toString(count()) AS n FROM ${database}.transactions`, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

export async function seedHistory(options: SeedOptions): Promise<{ rows: number; ms: number }> {
  const { history, now } = options;
  const started = performance.now();
  const sink = clickhouseTransactionBodySink(options.client, options.database);
  const from = now - options.days * DAY_MS;
  const homeCountry = history.population.homeCountry;
  const firstDay = dayOf(from, homeCountry);
  const lastDay = dayOf(now - 1, homeCountry);
  const days = lastDay - firstDay + 1;
  let rows = 0;
  let inserting: Promise<void> = Promise.resolve();
  for (let day = firstDay; day <= lastDay; day++) {
    const { lines } = historyDay(history, day, from, now);
    await inserting;
    options.progress?.({ days, daysDone: day - firstDay, rows, elapsedMs: performance.now() - started });
    if (lines.length === 0) continue;
    rows += lines.length;
    // The token names the day and the window, so a seed interrupted and run again writes each day once.
    inserting = sink(lines.join('\n'), `demo-history-${from}-${day}`);
  }
  await inserting;
  options.progress?.({ days, daysDone: days, rows, elapsedMs: performance.now() - started });
  return { rows, ms: performance.now() - started };
}
