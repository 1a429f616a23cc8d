import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TransactionRow } from '../../../domain/transaction-row.ts';
import { clickhouseTime } from '../../../ingest/transaction-row.ts';
import { openClickHouse, type ClickHouse } from '../../../server/clickhouse.ts';
import { migrate } from '../../schema/migrate.ts';

/**
 * A compliance case's worth of rows, built so every figure the tests expect can be worked
 * out by hand from this file:
 *
 * - Alice (`w-alice` at siam-wallet) pays four times in the window: a1 and a2 (Jade Garden,
 *   CNY, approved) on 10 March, a3 (Marina Bay, SGD, declined INSUFFICIENT_FUNDS) on the
 *   11th, a4 (Jade Garden, declined by risk, large-value-single weighing most) on the 12th;
 *   a1 is partly refunded and a2 reversed on the 11th. One payment before the window, one at
 *   its end (excluded), one message the switch rejected. Her phone is `dev-shared`, save a3.
 * - Bob (`w-bob`, siam-wallet) and Carol (`w-carol`, merlion-pay) pay from `dev-shared` too;
 *   Bob pays Jade Garden twice, Carol Pudong Books once, and hers raised an alert.
 * - Dave (`w-dave`, siam-wallet) only shares the merchant Jade Garden with Alice and Bob.
 * - Another `w-alice`, at merlion-pay, pays twice with no device: never Alice's.
 * - A mule merchant `m-mule` paid by 30 siam-wallet payers `p-01`..`p-30`, each once for
 *   10 x i USD (100 x i CNY), p-01 twice more (10 USD each); p-28 declined by its issuer,
 *   p-29 and p-30 by risk (mule-fan-out); p-30's payment is in an alert too. Each payer has
 *   its own device `dev-p-NN` and IP `198.51.100.NN`.
 */
export const DATABASE = 'cpg';
export const DAY = 86_400_000;
const HOUR = 3_600_000;
/** 2025-03-10 00:00 UTC. */
export const T0 = Date.UTC(2025, 2, 10);
export const WINDOW = { fromMs: T0, toMs: T0 + 3 * DAY };

export const SHARED_DEVICE = 'dev-shared';
export const ALICE_IP = '203.0.113.10';

interface Spec {
  id: string;
  at: number;
  participant?: string;
  wallet: string;
  device?: string;
  ip?: string;
  merchant: keyof typeof MERCHANTS;
  amount: string;
  usd: string;
  type?: 'payment' | 'refund' | 'reversal' | 'rejected';
  original?: string;
  declined?: { declineCode: string; rules?: string[] };
}

const MERCHANTS = {
  'm-cn-0001': { name: 'Jade Garden Restaurant', country: 'CN', currency: 'CNY', mcc: '5812' },
  'm-cn-0003': { name: 'Pudong Books', country: 'CN', currency: 'CNY', mcc: '5942' },
  'm-sg-0001': { name: 'Marina Bay Store', country: 'SG', currency: 'SGD', mcc: '5311' },
  'm-mule': { name: 'Lucky Star Trading', country: 'CN', currency: 'CNY', mcc: '5999' },
  'm-other': { name: 'Elsewhere Mart', country: 'CN', currency: 'CNY', mcc: '5411' },
} as const;

const PAYER_MARKET: Record<string, string> = { 'siam-wallet': 'TH', 'merlion-pay': 'SG' };

function row(s: Spec): TransactionRow {
  const participant = s.participant ?? 'siam-wallet';
  const m = MERCHANTS[s.merchant];
  const market = PAYER_MARKET[participant]!;
  const status = s.type === 'rejected' ? 'REJECTED' : s.declined ? 'DECLINED' : 'APPROVED';
  const rules = s.declined?.rules ?? [];
  return {
    payment_id: s.id,
    message_type: s.type ?? 'payment',
    original_payment_id: s.original ?? '',
    participant,
    participant_kind: 'overseas_wallet',
    initiator: s.type === 'refund' ? 'huaxia-acquiring' : participant,
    txn_id: `t-${s.id}`,
    direction: 'inbound',
    corridor: `${market}-${m.country}`,
    payer_market: market,
    wallet_id: s.wallet,
    payer_name: '',
    payer_birth_year: 0,
    payer_nationality: '',
    user_id: `u-${s.wallet}`,
    device_id: s.device ?? '',
    ip: s.ip ?? '',
    payer_country: market,
    lat: null,
    lon: null,
    merchant_id: s.merchant,
    merchant_name: m.name,
    merchant_alt_names: [],
    mcc: m.mcc,
    merchant_country: m.country,
    merchant_city: 'Shanghai',
    acquirer: 'huaxia-acquiring',
    network: 'unionpay',
    amount: s.amount,
    currency: m.currency,
    amount_usd: s.usd,
    settlement_amount: s.usd,
    settlement_currency: 'USD',
    fx_rate: '1',
    status,
    decline_code: s.declined?.declineCode ?? '',
    risk_score: rules.length > 0 ? 800 : 10,
    decision: rules.length > 0 ? 'decline' : 'approve',
    reason_rule_ids: rules,
    reasons: JSON.stringify(rules.map((ruleId) => ({ ruleId, ruleVersion: 1, message: 'test' }))),
    rule_set_version: 'rs-1',
    screening_lists: '',
    shadow_rule_ids: [],
    switch_latency_us: 1000,
    risk_latency_us: 200,
    received_at: clickhouseTime(s.at),
    decided_at: clickhouseTime(s.at + 1),
    stream_id: `${s.at}-0`,
  };
}

const alice = { wallet: 'w-alice', device: SHARED_DEVICE, ip: ALICE_IP };
export const ALICE_TIMES = { a1: T0 + HOUR, a4: T0 + 2 * DAY + 5 * HOUR };

const specs: Spec[] = [
  { ...alice, id: 'a0', at: T0 - HOUR, merchant: 'm-cn-0001', amount: '999', usd: '140.31' },
  { ...alice, id: 'a1', at: ALICE_TIMES.a1, merchant: 'm-cn-0001', amount: '200', usd: '28' },
  { ...alice, id: 'a2', at: T0 + 2 * HOUR, merchant: 'm-cn-0001', amount: '300', usd: '42' },
  { ...alice, id: 'a3', at: T0 + DAY + 3 * HOUR, device: 'dev-alice', merchant: 'm-sg-0001', amount: '50', usd: '37', declined: { declineCode: 'INSUFFICIENT_FUNDS' } },
  { ...alice, id: 'a4', at: ALICE_TIMES.a4, merchant: 'm-cn-0001', amount: '1000', usd: '140', declined: { declineCode: 'RISK_DECLINED', rules: ['large-value-single', 'amount-spike'] } },
  { ...alice, id: 'r1', at: T0 + DAY + 6 * HOUR, merchant: 'm-cn-0001', amount: '50', usd: '7', type: 'refund', original: 'a1' },
  { ...alice, id: 'v1', at: T0 + DAY + 7 * HOUR, merchant: 'm-cn-0001', amount: '300', usd: '42', type: 'reversal', original: 'a2' },
  { ...alice, id: 'a5', at: T0 + 3 * DAY, merchant: 'm-cn-0001', amount: '10', usd: '1.4' },
  { ...alice, id: 'x1', at: T0 + 4 * HOUR, merchant: 'm-cn-0001', amount: '777', usd: '0', type: 'rejected' },
  { id: 'b1', at: T0 + 5 * HOUR, wallet: 'w-bob', device: SHARED_DEVICE, ip: '203.0.113.11', merchant: 'm-cn-0001', amount: '71', usd: '10' },
  { id: 'b2', at: T0 + DAY + 5 * HOUR, wallet: 'w-bob', device: SHARED_DEVICE, ip: '203.0.113.11', merchant: 'm-cn-0001', amount: '71', usd: '10' },
  { id: 'c1', at: T0 + 8 * HOUR, participant: 'merlion-pay', wallet: 'w-carol', device: SHARED_DEVICE, ip: '203.0.113.12', merchant: 'm-cn-0003', amount: '107', usd: '15' },
  { id: 'd1', at: T0 + 9 * HOUR, wallet: 'w-dave', device: 'dev-dave', ip: '203.0.113.13', merchant: 'm-cn-0001', amount: '35.5', usd: '5' },
  { id: 'ma1', at: T0 + 10 * HOUR, participant: 'merlion-pay', wallet: 'w-alice', merchant: 'm-other', amount: '3550', usd: '500' },
  { id: 'ma2', at: T0 + 11 * HOUR, participant: 'merlion-pay', wallet: 'w-alice', merchant: 'm-other', amount: '3550', usd: '500' },
];

export const payer = (i: number) => `p-${String(i).padStart(2, '0')}`;
for (let i = 1; i <= 30; i++) {
  const declined = i === 28 ? { declineCode: 'INSUFFICIENT_FUNDS' } : i >= 29 ? { declineCode: 'RISK_DECLINED', rules: ['mule-fan-out'] } : undefined;
  const who = { wallet: payer(i), device: `dev-${payer(i)}`, ip: `198.51.100.${i}`, merchant: 'm-mule' as const };
  specs.push({ ...who, id: `mule-${i}`, at: T0 + 12 * HOUR + i * 60_000, amount: String(100 * i), usd: String(10 * i), ...(declined ? { declined } : {}) });
}
specs.push({ wallet: payer(1), device: 'dev-p-01', ip: '198.51.100.1', merchant: 'm-mule', id: 'mule-1b', at: T0 + 2 * DAY, amount: '100', usd: '10' });
specs.push({ wallet: payer(1), device: 'dev-p-01', ip: '198.51.100.1', merchant: 'm-mule', id: 'mule-1c', at: T0 + 2 * DAY + HOUR, amount: '100', usd: '10' });

export const CASE_ROWS: TransactionRow[] = specs.map(row);

function alertEvent(alertId: string, kind: string, paymentId: string, at: number) {
  return {
    event_id: `${alertId}-${kind}`, alert_id: alertId, at: clickhouseTime(at), kind, participant: 'siam-wallet', payment_id: paymentId,
    rule_id: 'mule-fan-out', severity: 'high', status: 'open', actor: 'risk-engine', assignee: '', disposition: '', note: '', details: '{}',
  };
}

export const CASE_ALERTS = [
  alertEvent('al-carol', 'created', 'c1', T0 + 8 * HOUR + 5),
  alertEvent('al-mule', 'created', 'mule-29', T0 + 12 * HOUR + 29 * 60_000 + 5),
  alertEvent('al-mule', 'grouped', 'mule-30', T0 + 12 * HOUR + 30 * 60_000 + 5),
  // Before the window: Alice's a0 alert is not hers in this window.
  alertEvent('al-old', 'created', 'a0', T0 - HOUR + 5),
];

/** An embedded ClickHouse on a temporary directory, migrated as the platform migrates, holding the case. */
export async function openCase(prefix: string): Promise<{ ch: ClickHouse; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const ch = await openClickHouse({ dataDir: dir });
  await migrate(ch.client, DATABASE);
  await ch.client.insert({ table: `${DATABASE}.transactions`, values: CASE_ROWS, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0, insert_deduplication_token: `${prefix}-rows` } });
  await ch.client.insert({ table: `${DATABASE}.alert_events`, values: CASE_ALERTS, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0, insert_deduplication_token: `${prefix}-alerts` } });
  return {
    ch,
    async close() {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ids that must find nothing, whatever kind of subject they name. */
export const HOSTILE_IDS = ["'; DROP TABLE cpg.transactions; --", "w-alice' OR '1'='1", 'w-alice\\', "\\'", '{subject:String}', 'dev-shared\n', ''];
