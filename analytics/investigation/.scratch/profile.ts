import { performance } from 'node:perf_hooks';
import { openClickHouse } from '../../../server/clickhouse.ts';
import { MIGRATIONS } from '../../schema/migrations.ts';
import { subjectHistory } from '../history.ts';
import { counterparties } from '../counterparties.ts';
import { firstHop, secondHop } from '../network-hops.ts';
import { networkFigures } from '../network-figures.ts';
import { subjectNetwork } from '../network.ts';
import { nodeId } from '../node.ts';
import type { Subject } from '../subject.ts';

const dir = process.argv[2]!;
const ch = await openClickHouse({ dataDir: dir });
const client = ch.client;
for (const m of MIGRATIONS.filter((m) => m.version >= 6 && m.version <= 8)) for (const s of m.statements) await client.command({ query: s.replaceAll('{db}', 'cpg') });
if (process.env.NOCACHE) await client.command({ query: 'SET use_query_condition_cache = 0' });
console.log(JSON.stringify(await (await client.query({ query: "SELECT value FROM system.settings WHERE name='use_query_condition_cache'", format: 'JSONEachRow' })).json()));
const span = (await (await client.query({ query: `SELECT toString(toUnixTimestamp64Milli(min(received_at))) f, toString(toUnixTimestamp64Milli(max(received_at))) l FROM cpg.transactions`, format: 'JSONEachRow' })).json<{ f: string; l: string }>())[0]!;
const window = { fromMs: Number(span.f), toMs: Number(span.l) + 1 };
const subjects: Subject[] = JSON.parse(process.argv[3] ?? '[]');
const t = async <T>(name: string, f: () => Promise<T>, runs = 3): Promise<T> => {
  let r!: T; const ms: number[] = [];
  for (let i = 0; i <= runs; i++) { const s = performance.now(); r = await f(); if (i > 0) ms.push(performance.now() - s); }
  ms.sort((a, b) => a - b);
  console.log(`${name}: median ${ms[Math.floor(ms.length / 2)]!.toFixed(0)} ms [${ms.map((x) => x.toFixed(0)).join(', ')}]`);
  return r;
};
for (const subject of subjects) {
  console.log('---', JSON.stringify(subject));
  await t('history', () => subjectHistory(client, 'cpg', subject, window));
  await t('counterparties', () => counterparties(client, 'cpg', subject, window, 100));
  const first = await t('firstHop 99', () => firstHop(client, 'cpg', subject, window, 99));
  const second = await t(`secondHop (${first.found.length} frontier)`, () => secondHop(client, 'cpg', subject, window, first.found.map((f) => f.ref), 199 - first.found.length, 10000));
  const refs = [...second.found.map((f) => f.ref)].filter((r) => !second.figures.has(nodeId(r)));
  console.log('  unread', refs.length, 'hubs', second.hubs.length);
  await t('networkFigures', () => networkFigures(client, 'cpg', window, refs, [], 2000));
  await t('network total', () => subjectNetwork(client, 'cpg', subject, window));
}
await ch.close();
