import { performance } from 'node:perf_hooks';
import { openClickHouse } from '../../../server/clickhouse.ts';
const ch = await openClickHouse({ dataDir: process.argv[2]! });
const stmts: string[] = JSON.parse(await new Promise<string>((r) => { let s = ''; process.stdin.on('data', (c) => (s += c)); process.stdin.on('end', () => r(s)); }));
for (const q of stmts) { const s = performance.now(); await ch.client.command({ query: q, clickhouse_settings: { mutations_sync: '2' } as never }); console.log(`${(performance.now() - s).toFixed(0)} ms  ${q.slice(0, 140)}`); }
const parts = await (await ch.client.query({ query: `SELECT name, formatReadableSize(sum(data_compressed_bytes)) c, formatReadableSize(sum(data_uncompressed_bytes)) u, sum(rows) r FROM system.projection_parts WHERE database='cpg' AND table='transactions' AND active GROUP BY name UNION ALL SELECT 'TABLE', formatReadableSize(sum(data_compressed_bytes)), formatReadableSize(sum(data_uncompressed_bytes)), sum(rows) FROM system.parts WHERE database='cpg' AND table='transactions' AND active`, format: 'JSONEachRow' })).json();
console.log(JSON.stringify(parts));
const idx = await (await ch.client.query({ query: `SELECT name, formatReadableSize(sum(data_compressed_bytes)) c FROM system.data_skipping_indices WHERE database='cpg' AND table='transactions' GROUP BY name`, format: 'JSONEachRow' })).json();
console.log(JSON.stringify(idx));
await ch.close();
