import { performance } from 'node:perf_hooks';
import { openClickHouse } from '../../../server/clickhouse.ts';
const ch = await openClickHouse({ dataDir: process.argv[2]! });
const queries: string[] = JSON.parse(await new Promise<string>((r) => { let s = ''; process.stdin.on('data', (c) => (s += c)); process.stdin.on('end', () => r(s)); }));
for (const q of queries) {
  const ms: number[] = []; let out = '';
  for (let i = 0; i < 4; i++) { const s = performance.now(); out = await (await ch.client.query({ query: q, format: 'JSONEachRow' })).text(); if (i > 0) ms.push(performance.now() - s); }
  ms.sort((a, b) => a - b);
  console.log(`${ms[1]!.toFixed(0)} ms [${ms.map((x) => x.toFixed(0)).join(', ')}]  ${q.replace(/\s+/g, ' ').slice(0, 150)}  => ${out.slice(0, 120).replace(/\n/g, ' ')}`);
}
await ch.close();
