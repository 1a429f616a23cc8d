/**
 * Runs one read-only query against the embedded ClickHouse of a stopped platform and
 * prints the rows as JSON: embedded ClickHouse allows one data directory per process,
 * so a benchmark that already opened one asks a child process.
 * Usage: node --import tsx bench/clickhouse-query.ts DATA_DIR "SELECT ..."
 */
import { openClickHouse } from '../server/clickhouse.ts';

const [dataDir, query] = process.argv.slice(2);
if (!dataDir || !query || !/^\s*SELECT\b/i.test(query)) {
  process.stderr.write('usage: clickhouse-query.ts DATA_DIR "SELECT ..."\n');
  process.exit(2);
}
const clickhouse = await openClickHouse({ dataDir });
try {
  const rows = await (await clickhouse.client.query({ query, format: 'JSONEachRow' })).json();
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} finally {
  await clickhouse.close();
}
