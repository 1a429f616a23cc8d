import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskDecisionKind } from '../../domain/transaction.ts';
import { clickhouseTime } from '../../ingest/transaction-row.ts';
import { loadDefaultPack, type Rule } from '../../rules/index.ts';
import { LIST_NAMES } from '../../rules/facts/keys.ts';
import { testMessage, T0 } from '../../rules/test-support/messages.ts';
import { openClickHouse, type ClickHouse } from '../../server/clickhouse.ts';
import { migrate } from '../schema/migrate.ts';
import type { BacktestResult } from './backtest-tally.ts';
import { runBacktest, type BacktestDeps } from './run-backtest.ts';
import { alertDispositions, createTransactionSource } from './transaction-source.ts';
import { decidedRows } from '../../test/support/decided-rows.ts';

/**
 * The replay against rows seeded into the real tables of an embedded ClickHouse: paging,
 * the warm-up, dispositions, and the comparison, each checked against what the seeded
 * history implies (worked out by hand below).
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

let dir: string;
let ch: ClickHouse;
const pack = loadDefaultPack();
const base = { version: 'rs-1', rules: pack.rules.map((r) => ({ ...r, version: 1 })) };
const { rows, decided: seed } = decidedRows();

// A burst: eight payments from one wallet within 45 s, no device or IP (one minute, eight rows).
const merchants = ['m-cn-0001', 'm-cn-0002', 'm-cn-0003'];
const burst = Array.from({ length: 8 }, (_, i) =>
  seed(testMessage({ walletId: 'burst', deviceId: null, ip: null, usd: 20, merchantId: merchants[i % 3], at: T0 + 10 * SECOND + i * 5 * SECOND })));
// A payer known from two days before the window, paying again in it; then a refund of the old payment.
const warm = seed(testMessage({ walletId: 'known', deviceId: 'dk', ip: null, usd: 50, at: T0 - 2 * DAY }));
const known = seed(testMessage({ walletId: 'known', deviceId: 'dk', ip: null, usd: 40, at: T0 + 20 * MINUTE }));
seed(testMessage({ walletId: 'known', deviceId: 'dk', ip: null, usd: 50, messageType: 'refund', originalPaymentId: warm.paymentId, at: T0 + 30 * MINUTE }));

const from = T0;
const to = T0 + 3600_000;
const newPayer: Rule = {
  id: 'new-payer-review',
  description: 'A payer without approved payments in 30 days',
  typology: 'account-takeover',
  priority: 20,
  mode: 'enforce',
  when: { all: [{ fact: 'message.type', eq: 'payment' }, { fact: 'payer.profile.count', eq: 0 }] },
  then: { score: 400, reason: 'no approved payment in 30 days' },
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-backtest-'));
  ch = await openClickHouse({ dataDir: dir });
  await migrate(ch.client, 'cpg');
  await ch.client.insert({ table: 'cpg.transactions', values: rows, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0, insert_deduplication_token: 'backtest-seed-transactions' } });
  // Burst payments 6 and 7 form one alert, resolved as fraud; the known payer's payment an open one.
  const event = (alertId: string, kind: string, paymentId: string, at: number, disposition = '') => ({
    event_id: `${alertId}-${kind}-${paymentId}`, alert_id: alertId, at: clickhouseTime(at), kind, participant: 'siam-wallet', payment_id: paymentId,
    rule_id: 'velocity-payer-burst', severity: 'high', status: kind === 'resolved' ? 'resolved' : 'open', actor: 'system', assignee: '',
    disposition, note: '', details: JSON.stringify(kind === 'resolved' ? {} : { paymentId }),
  });
  await ch.client.insert({
    table: 'cpg.alert_events',
    values: [
      event('alt_burst', 'created', burst[5]!.paymentId, burst[5]!.receivedAt + 5),
      event('alt_burst', 'grouped', burst[6]!.paymentId, burst[6]!.receivedAt + 5),
      event('alt_burst', 'resolved', burst[6]!.paymentId, T0 + 2 * 3600_000, 'fraud'),
      event('alt_known', 'created', known.paymentId, known.receivedAt + 5),
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { async_insert: 0, insert_deduplication_token: 'backtest-seed-alerts' },
  });
}, 60_000);

afterAll(async () => {
  await ch?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function backtest(options: { candidates?: Rule[]; warmupDays?: number; pageSize?: number } = {}) {
  const progress: Array<{ processed: number; total: number }> = [];
  const lists = Object.fromEntries(LIST_NAMES.map((name) => [name, new Set(pack.lists[name] ?? [])])) as unknown as BacktestDeps['lists'];
  const result = await runBacktest(
    { from, to, warmupMs: (options.warmupDays ?? 30) * DAY, maxExamples: 10, base, candidates: options.candidates ?? [] },
    {
      source: createTransactionSource(ch.client, 'cpg'),
      dispositions: (ids, since) => alertDispositions(ch.client, 'cpg', ids, since),
      lists,
      thresholds: { review: 400, decline: 700 },
      cnyPerUsd: 7.12,
      pageSize: options.pageSize ?? 5000,
      progress: async (p) => void progress.push(p),
    },
  );
  return { result, progress };
}

const matrixOf = (r: BacktestResult) => DECISIONS.flatMap((l) => DECISIONS.map((c) => `${l}>${c}:${r.matrix[l][c]}`)).filter((x) => !x.endsWith(':0'));
const DECISIONS: RiskDecisionKind[] = ['approve', 'review', 'decline'];

describe('replaying transactions from ClickHouse through candidate rules', () => {
  it('declines the sixth to eighth payments of the burst under the default pack, which live approved', async () => {
    const { result, progress } = await backtest();
    expect(result.messages).toEqual({ total: 10, payment: 9, refund: 1, reversal: 0 });
    expect(result.warmup.rows).toBe(1);
    expect(matrixOf(result)).toEqual(['approve>approve:7', 'approve>decline:3']);
    expect(result.rules.find((h) => h.ruleId === 'velocity-payer-burst')).toEqual({ ruleId: 'velocity-payer-burst', live: 0, liveShadow: 0, candidate: 3, candidateShadow: 0 });
    expect(result.changed.paymentIds).toEqual(burst.slice(5).map((m) => m.paymentId));
    // Payments 6 and 7 were confirmed fraud: caught. Payment 8 never raised an alert: wrongly stopped.
    expect(result.wouldHaveCaught).toEqual({ count: 2, paymentIds: [burst[5]!.paymentId, burst[6]!.paymentId] });
    expect(result.wouldHaveWronglyStopped).toEqual({ count: 1, paymentIds: [burst[7]!.paymentId], confirmedLegitimate: 0, neverAlerted: 1 });
    expect(result.dispositions).toEqual({
      fraud: { payments: 2, liveFlagged: 0, candidateFlagged: 2 },
      legitimate: { payments: 0, liveFlagged: 0, candidateFlagged: 0 },
      open: { payments: 1, liveFlagged: 0, candidateFlagged: 0 },
    });
    expect(progress.at(-1)).toEqual({ processed: 11, total: 11 });
  });

  it('reads pages of three rows, and a minute of eight rows a page at a time, to the same result', async () => {
    const whole = await backtest();
    const paged = await backtest({ pageSize: 3 });
    expect(paged.result).toEqual(whole.result);
    // Warm-up (1 row), the burst's minute in pages of 3, 3 and 2 (LIMIT/OFFSET), then the last two minutes together.
    expect(paged.progress.map((p) => p.processed)).toEqual([0, 1, 4, 7, 9, 11]);
    expect(paged.progress.every((p) => p.total === 11)).toBe(true);
  });

  it('knows a payer from the warm-up before the window, and not without it', async () => {
    const warmed = (await backtest({ candidates: [newPayer] })).result;
    // Only the burst's first payment comes from a payer without history; payments 6 to 8 still decline.
    expect(matrixOf(warmed)).toEqual(['approve>approve:6', 'approve>review:1', 'approve>decline:3']);
    expect(warmed.candidateRules).toEqual([{ id: 'new-payer-review', version: 1, mode: 'enforce', change: 'added' }]);
    expect(warmed.rules.find((h) => h.ruleId === 'new-payer-review')?.candidate).toBe(1);
    const cold = (await backtest({ candidates: [newPayer], warmupDays: 0 })).result;
    expect(cold.warmup.rows).toBe(0);
    expect(matrixOf(cold)).toEqual(['approve>approve:5', 'approve>review:2', 'approve>decline:3']);
    expect(cold.changed.paymentIds).toContain(known.paymentId);
  });

  it('takes a rule out when its candidate is off', async () => {
    const off = { ...pack.rules.find((r) => r.id === 'velocity-payer-burst')!, mode: 'off' as const };
    const { result } = await backtest({ candidates: [off] });
    expect(matrixOf(result)).toEqual(['approve>approve:10']);
    expect(result.candidateRules).toEqual([{ id: 'velocity-payer-burst', version: 2, mode: 'off', change: 'replaced' }]);
  });
});
