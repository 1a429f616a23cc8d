import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskDecisionKind, SwitchedMessage } from '../../domain/transaction.ts';
import { transactionRow } from '../../ingest/transaction-row.ts';
import { loadDefaultPack } from '../../rules/index.ts';
import { LIST_NAMES } from '../../rules/facts/keys.ts';
import { testMessage, T0 } from '../../rules/test-support/messages.ts';
import { openClickHouse, type ClickHouse } from '../../server/clickhouse.ts';
import { migrate } from '../schema/migrate.ts';
import { compareVersions, type VersionRules } from './compare-versions.ts';
import type { ListSnapshot } from './replay-window.ts';
import { createTransactionSource } from './transaction-source.ts';

/**
 * Two rule-set versions side by side over rows seeded into the real tables of an embedded
 * ClickHouse: rs-1 (the default pack, the payer's burst at more than 5 a minute) and rs-2
 * (the burst at more than 3). Each wallet's rows were decided live under one version; the
 * expectations are worked out by hand below from each row's place in its burst.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const BURST = 'velocity-payer-burst';
const THRESHOLDS = { review: 400, decline: 700 };

const pack = loadDefaultPack();
const burstAt = (limit: number) => {
  const rule = pack.rules.find((r) => r.id === BURST)!;
  return { ...rule, when: { fact: 'velocity.payer.count.1m', gt: limit }, then: { ...rule.then, threshold: limit } };
};
const rs1: VersionRules = { version: 'rs-1', rules: pack.rules.map((r) => ({ ...r, version: 1 })), thresholds: THRESHOLDS };
const rs2: VersionRules = { version: 'rs-2', rules: pack.rules.map((r) => (r.id === BURST ? { ...burstAt(3), version: 2 } : { ...r, version: 1 })), thresholds: THRESHOLDS };

const rows: object[] = [];
let seq = 0;
/** A row as the ingest writer records a message decided live under `version`. */
function decided(message: SwitchedMessage, version: string, decision: RiskDecisionKind, reasons: string[] = []) {
  rows.push(
    transactionRow({
      kind: 'transaction',
      streamId: `${message.receivedAt}-${seq++}`,
      event: {
        ...message,
        status: decision === 'decline' ? 'DECLINED' : 'APPROVED',
        risk: { score: reasons.length ? 500 : 0, decision, reasons: reasons.map((ruleId) => ({ ruleId, ruleVersion: 1, message: 'live' })), ruleSetVersion: version, shadowHits: [] },
        switchLatencyUs: 900,
        riskLatencyUs: 300,
        decidedAt: message.receivedAt + 1,
      },
    }),
  );
  return message;
}
/** `n` payments of one wallet 5 s apart from `at`, no device or IP, over three merchants: only the payer's burst can fire. */
const burst = (wallet: string, n: number, at: number) =>
  Array.from({ length: n }, (_, i) => testMessage({ walletId: wallet, deviceId: null, ip: null, usd: 20, merchantId: ['m-cn-0001', 'm-cn-0002', 'm-cn-0003'][i % 3], at: at + i * 5 * SECOND }));

// Under rs-1: eight payments; the sixth to eighth declined by the burst. The first was
// recorded as reviewed by a rule no version here has: a recorded decision is kept, not replayed.
const w1 = burst('cmp-w1', 8, T0 + 10 * SECOND).map((m, i) => (i === 0 ? decided(m, 'rs-1', 'review', ['probe-x']) : i >= 5 ? decided(m, 'rs-1', 'decline', [BURST]) : decided(m, 'rs-1', 'approve')));
// Under rs-2: six payments; the fourth to sixth declined by its burst at 3.
const w2 = burst('cmp-w2', 6, T0 + 2 * MINUTE).map((m, i) => (i >= 3 ? decided(m, 'rs-2', 'decline', [BURST]) : decided(m, 'rs-2', 'approve')));
// Under rs-3, neither side's: five payments, all approved live.
const w3 = burst('cmp-w3', 5, T0 + 4 * MINUTE).map((m) => decided(m, 'rs-3', 'approve'));

let dir: string;
let ch: ClickHouse;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-compare-'));
  ch = await openClickHouse({ dataDir: dir });
  await migrate(ch.client, 'cpg');
  await ch.client.insert({ table: 'cpg.transactions', values: rows, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0, insert_deduplication_token: 'compare-seed-transactions' } });
}, 60_000);

afterAll(async () => {
  await ch?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function compare(a: VersionRules, b: VersionRules, pageSize = 5000) {
  const progress: Array<{ processed: number; total: number }> = [];
  const lists = Object.fromEntries(LIST_NAMES.map((name) => [name, new Set(pack.lists[name] ?? [])])) as unknown as ListSnapshot;
  const result = await compareVersions(
    { from: T0, to: T0 + 3600_000, warmupMs: 30 * 24 * 3600_000, maxExamples: 20, a, b },
    { source: createTransactionSource(ch.client, 'cpg'), lists, cnyPerUsd: 7.12, pageSize, progress: async (p) => void progress.push(p) },
  );
  return { result, progress };
}

const ids = (ms: SwitchedMessage[]) => ms.map((m) => m.paymentId);

describe('comparing two rule-set versions over recorded payments', () => {
  it('keeps the recorded decision on the side of the version that decided it and replays the rest through each version', async () => {
    const { result, progress } = await compare(rs1, rs2);
    expect(result.messages).toEqual({ total: 19, payment: 19, refund: 0, reversal: 0 });
    expect(result.a).toEqual({ version: 'rs-1', thresholds: THRESHOLDS, recorded: 8, recordedDegraded: 0, rejectedRules: [] });
    expect(result.b).toEqual({ version: 'rs-2', thresholds: THRESHOLDS, recorded: 6, recordedDegraded: 0, rejectedRules: [] });
    expect(result.otherVersions).toBe(5);
    // w1: review>approve (its recorded first), approve>approve x2, approve>decline x2 (4th, 5th: rs-2's burst), decline>decline x3.
    // w2: approve>approve x3, approve>decline x2 (rs-1 replayed approves the 4th, 5th), decline>decline (6th).
    // w3: approve>approve x3, approve>decline x2.
    expect(result.matrix).toEqual({
      approve: { approve: 8, review: 0, decline: 6 },
      review: { approve: 1, review: 0, decline: 0 },
      decline: { approve: 0, review: 0, decline: 4 },
    });
    expect(result.totals).toEqual({ a: { approve: 14, review: 1, decline: 4 }, b: { approve: 9, review: 0, decline: 10 } });
    expect(result.changed).toEqual({ count: 7, paymentIds: [w1[0]!, w1[3]!, w1[4]!, w2[3]!, w2[4]!, w3[3]!, w3[4]!].map((m) => m.paymentId) });
    // The burst on a: w1's three recorded, w2's sixth replayed; on b: w1's 4th to 8th replayed, w2's three recorded, w3's 4th and 5th.
    expect(result.rules).toEqual([
      { ruleId: 'probe-x', a: 1, aShadow: 0, b: 0, bShadow: 0 },
      { ruleId: BURST, a: 4, aShadow: 0, b: 10, bShadow: 0 },
    ]);
    expect(progress.at(-1)).toEqual({ processed: 19, total: 19 });
  });

  it('is the same comparison with the sides swapped, and read a few rows a page', async () => {
    const { result } = await compare(rs2, rs1, 4);
    expect(result.matrix).toEqual({
      approve: { approve: 8, review: 1, decline: 0 },
      review: { approve: 0, review: 0, decline: 0 },
      decline: { approve: 6, review: 0, decline: 4 },
    });
    expect([result.a.recorded, result.b.recorded, result.changed.count]).toEqual([6, 8, 7]);
    expect(result.changed.paymentIds.sort()).toEqual(ids([w1[0]!, w1[3]!, w1[4]!, w2[3]!, w2[4]!, w3[3]!, w3[4]!]).sort());
  });

  it('replays both sides when neither version decided the payments live, each with its own rules and thresholds', async () => {
    // rs-5: the burst without its floor, and a review from 600: its 500 alone approves (under 400/700 it would review).
    const { floor: _floor, ...noFloor } = burstAt(5).then;
    const rs4 = { ...rs1, version: 'rs-4' };
    const rs5: VersionRules = {
      version: 'rs-5',
      rules: pack.rules.map((r) => (r.id === BURST ? { ...burstAt(5), then: noFloor, version: 2 } : { ...r, version: 1 })),
      thresholds: { review: 600, decline: 900 },
    };
    const { result } = await compare(rs4, rs5);
    expect([result.a.recorded, result.b.recorded, result.otherVersions]).toEqual([0, 0, 19]);
    // Replayed, w1's first is approved on both sides; w1's 6th to 8th and w2's 6th fire the burst on both.
    expect(result.matrix).toEqual({
      approve: { approve: 15, review: 0, decline: 0 },
      review: { approve: 0, review: 0, decline: 0 },
      decline: { approve: 4, review: 0, decline: 0 },
    });
    expect(result.changed).toEqual({ count: 4, paymentIds: ids([w1[5]!, w1[6]!, w1[7]!, w2[5]!]) });
    expect(result.rules).toEqual([{ ruleId: BURST, a: 4, aShadow: 0, b: 4, bShadow: 0 }]);
  });
});
