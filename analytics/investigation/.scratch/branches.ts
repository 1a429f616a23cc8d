import { performance } from 'node:perf_hooks';
import { TupleParam } from '@clickhouse/client';
import { openClickHouse } from '../../../server/clickhouse.ts';
import { firstHop, secondHop } from '../network-hops.ts';
import { subjectNode, type NodeKind } from '../node.ts';
import type { Subject } from '../subject.ts';
const ch = await openClickHouse({ dataDir: process.argv[2]! });
const client = ch.client;
await client.command({ query: 'SET use_query_condition_cache = 0' });
const span = (await (await client.query({ query: `SELECT toString(toUnixTimestamp64Milli(min(received_at))) f, toString(toUnixTimestamp64Milli(max(received_at))) l FROM cpg.transactions`, format: 'JSONEachRow' })).json<{ f: string; l: string }>())[0]!;
const window = { fromMs: Number(span.f), toMs: Number(span.l) + 1 };
const subject: Subject = JSON.parse(process.argv[3]!);
const first = await firstHop(client, 'cpg', subject, window, 99);
const second = await secondHop(client, 'cpg', subject, window, first.found.map((f) => f.ref), 199 - first.found.length, 10000);
const refs = [subjectNode(subject), ...first.found.map((f) => f.ref), ...second.found.map((f) => f.ref)];
const ids = (k: NodeKind) => refs.filter((r) => r.kind === k).map((r) => r.id);
const w = refs.filter((r) => r.kind === 'wallet');
const params = { fromMs: window.fromMs, toMs: window.toMs, participants: [...new Set(w.map((x) => x.participant))], wallets: w.map((x) => new TupleParam([x.participant, x.id])), devices: ids('device'), ips: ids('ip'), merchants: ids('merchant') };
const P = `received_at >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND received_at < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC') AND message_type = 'payment'`;
const WIN = `participant IN {participants:Array(String)} AND (participant, wallet_id) IN {wallets:Array(Tuple(String, String))}`;
const queries: Record<string, string> = JSON.parse(process.argv[4]!);
for (const [name, q0] of Object.entries(queries)) {
  const q = q0.replaceAll('$P', P).replaceAll('$W', WIN);
  const ms: number[] = []; let out = '';
  for (let i = 0; i < 4; i++) { const s = performance.now(); out = await (await client.query({ query: q, query_params: params, format: 'JSONEachRow' })).text(); if (i > 0) ms.push(performance.now() - s); }
  ms.sort((a, b) => a - b);
  console.log(`${name}: ${ms[1]!.toFixed(0)} ms [${ms.map((x) => x.toFixed(0)).join(', ')}] => ${out.length} bytes ${out.slice(0, 100).replace(/\n/g, ' ')}`);
}
await ch.close();
