import { openClickHouse } from '../../../server/clickhouse.ts';
const ch = await openClickHouse({ dataDir: process.argv[2]! });
const q = process.argv[3]!;
const rows = await (await ch.client.query({ query: `EXPLAIN indexes = 1, projections = 1 ${q}`, format: 'JSONEachRow' })).json<{ explain: string }>();
console.log(rows.map((r) => r.explain).join('\n'));
await ch.close();
