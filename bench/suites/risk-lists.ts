import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { SwitchedMessage } from '../../domain/transaction.ts';
import type { RiskEngine } from '../../rules/index.ts';
import { GENERATION_MARK, LIST_IDS, listKeys, storedEntry, type ListId } from '../../rules/lists/subject-lists.ts';
import { LISTS_CHANNEL } from '../../rules/risk-lists.ts';
import { fullCollection } from '../full-collection.ts';

/** Entries per typed list (`BENCH_LIST_ENTRIES`, 0: not measured); MCC and country lists hold every code the traffic does not use, fewer than this. */
export const LIST_ENTRIES = Number(process.env.BENCH_LIST_ENTRIES ?? 100_000);

/**
 * The risk step with every typed list full (rules/lists/): the same payments scored one at a
 * time with the lists empty, then with LIST_ENTRIES entries in each of the 16 lists, then empty
 * again (so a drift of the machine between runs shows). The entries never name the traffic's
 * subjects but the allow lists', which exempt 1 in 20 of its wallets from one rule: every
 * lookup is made, and the exemption's path is taken.
 */
export async function withTypedLists(conn: Redis, engine: RiskEngine, messages: readonly SwitchedMessage[], payments: number, log: (line: string) => void) {
  // Each run starts from a full collection: loading (or dropping) a million entries leaves the
  // next full collection's marking to whichever run came first.
  const run = async (from: number) => {
    fullCollection();
    const ms: number[] = [];
    for (let i = from; i < from + payments; i++) {
      const message = messages[i % messages.length]!;
      const t = performance.now();
      const risk = await engine.score(message);
      ms.push(performance.now() - t);
      engine.settle(message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
    }
    return ms;
  };
  const empty = await run(0);
  const filled = performance.now();
  const entries = await fill(conn, messages);
  log(`risk: ${entries.toLocaleString('en')} entries written to the 16 typed lists in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
  const loading = performance.now();
  await engine.refreshLists();
  const loadMs = performance.now() - loading;
  const held = Object.values(engine.stats().typedListSizes).reduce((a, b) => a + b, 0);
  log(`risk: the engine read them into memory in ${(loadMs / 1000).toFixed(1)} s (${held.toLocaleString('en')} held)`);
  const full = await run(payments);
  await clear(conn);
  await engine.refreshLists();
  const emptyAgain = await run(2 * payments);
  return { empty, full, emptyAgain, entries: held, loadMs };
}

/** Writes each list's generation 1 and makes it live, as an approved change set would. */
async function fill(conn: Redis, messages: readonly SwitchedMessage[]): Promise<number> {
  const used = { mcc: new Set(messages.map((m) => m.merchant.mcc)), country: new Set(messages.flatMap((m) => [m.merchant.country, m.payer.country ?? '', ...m.corridor.split('-')])) };
  const wallets = [...new Set(messages.map((m) => `${m.participant}:${m.payer.walletId}`))];
  const entry = (list: ListId) => storedEntry({ reason: 'benchmark', author: 'bench', createdAt: Date.now(), ...(list.startsWith('allow:') ? { rules: ['velocity-payer-burst'] } : {}) });
  let written = 0;
  for (const list of LIST_IDS) {
    const [, type] = list.split(':');
    const values = valuesOf(type!, used);
    if (list === 'allow:wallet') {
      const exempt = wallets.filter((_, i) => i % 20 === 0);
      values.splice(0, exempt.length, ...exempt);
    }
    const key = listKeys(list).generation(1);
    const stored = entry(list);
    await conn.hset(key, GENERATION_MARK, '{}');
    for (let i = 0; i < values.length; i += 1000) {
      await conn.hset(key, ...values.slice(i, i + 1000).flatMap((v) => [v, stored]));
    }
    await conn.hset(listKeys(list).meta, 'gen', 1, 'next', 1);
    await conn.publish(LISTS_CHANNEL, `typed:${list}`);
    written += values.length;
  }
  return written;
}

async function clear(conn: Redis): Promise<void> {
  for (const list of LIST_IDS) {
    await conn.hset(listKeys(list).meta, 'gen', 0);
    await conn.unlink(listKeys(list).generation(1));
  }
}

const letters = (i: number) => {
  let s = '';
  for (let n = i + 26 * 26; n > 0; n = Math.floor(n / 26)) s += String.fromCharCode(97 + (n % 26));
  return s;
};

function valuesOf(type: string, used: { mcc: Set<string>; country: Set<string> }): string[] {
  const n = LIST_ENTRIES;
  const range = (f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  switch (type) {
    case 'wallet':
    case 'device':
    case 'user':
      return range((i) => `bench-wallet:${type}-${i}`);
    case 'ip':
      return range((i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    case 'merchant':
      return range((i) => `bench-m-${i}`);
    case 'mcc':
      return Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0')).filter((m) => !used.mcc.has(m)).slice(0, n);
    case 'country':
      return Array.from({ length: 676 }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26))).filter((c) => !used.country.has(c)).slice(0, n);
    default:
      return range((i) => `${letters(i)} ${letters(i * 7 + 3)}`);
  }
}
