import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { text as streamText } from 'node:stream/consumers';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportRunner } from '../analytics/reports/run-report.ts';
import type { RiskReason } from '../domain/transaction.ts';
import type { TransactionRow } from '../ingest/transaction-row.ts';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';
import { eventually, scalar } from './support/traffic.ts';

/*
 * Every report runs over rows inserted straight into cpg.transactions and cpg.alert_events;
 * the expected answer of each is computed here, in TypeScript, from the same seed arrays.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const FROM = '2025-03-10T00:00:00.000Z';
const TO = '2025-03-17T00:00:00.000Z';
const T0 = Date.parse(FROM);
const T_END = Date.parse(TO);
const BEIJING = 8 * HOUR;

const devConfig = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as { fx: { rates: Record<string, string> } };
/** CNY per USD, x 10^4. */
const RATE4 = Math.round(Number(devConfig.fx.rates.CNY) * 10_000);

// ---------------------------------------------------------------------------------------
// Seed rows

interface Merchant { id: string; name: string; mcc: string; country: string; city: string; acquirer: string }
const M1: Merchant = { id: 'm-cn-0001', name: 'Shanghai Noodle House', mcc: '5812', country: 'CN', city: 'Shanghai', acquirer: 'huaxia-acquiring' };
// A name CSV must quote: a double quote, a comma and a line break.
const M2: Merchant = { id: 'm-cn-0004', name: 'Café "Le, Bon"\nShop', mcc: '5814', country: 'CN', city: 'Beijing', acquirer: 'huaxia-acquiring' };
const M3: Merchant = { id: 'm-sg-0001', name: 'Orchard Mart', mcc: '5411', country: 'SG', city: 'Singapore', acquirer: 'lion-city-acquiring' };

const KIND: Record<string, string> = {
  'siam-wallet': 'overseas_wallet', 'merlion-pay': 'overseas_wallet', 'hangang-pay': 'overseas_wallet',
  'panda-wallet': 'domestic_wallet', 'yangtze-pay': 'domestic_wallet',
};

const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const units4 = (s: string) => Math.round(Number(s) * 10_000);
const fmt4 = (units: number) => (units / 10_000).toFixed(4);
/** An amount in USD x RATE4 as CNY text: exact for amounts in cents. */
const cnyText = (usd: string) => fmt4((units4(usd) * RATE4) / 10_000);

interface TxInput {
  at: number;
  usd: string;
  participant?: string;
  wallet?: string;
  device?: string;
  type?: 'payment' | 'refund' | 'reversal' | 'rejected';
  amount?: string;
  currency?: string;
  settle?: string;
  settleCurrency?: string;
  merchant?: Merchant;
  corridor?: string;
  direction?: string;
  status?: 'APPROVED' | 'DECLINED';
  decision?: 'approve' | 'review' | 'decline';
  score?: number;
  reasons?: Array<Omit<RiskReason, 'message'>>;
}

const transactions: TransactionRow[] = [];
function tx(o: TxInput): TransactionRow {
  const participant = o.participant ?? 'siam-wallet';
  const merchant = o.merchant ?? M1;
  const type = o.type ?? 'payment';
  const reasons = (o.reasons ?? []).map((r) => ({ ...r, message: `${r.ruleId} fired` }));
  const corridor = type === 'rejected' ? '' : (o.corridor ?? 'TH-CN');
  const row: TransactionRow = {
    payment_id: `pay_rpt_${String(transactions.length).padStart(4, '0')}_${randomUUID().slice(0, 8)}`,
    message_type: type,
    original_payment_id: '',
    participant,
    participant_kind: type === 'rejected' ? '' : KIND[participant]!,
    initiator: participant,
    txn_id: `t-${transactions.length}`,
    direction: type === 'rejected' ? '' : (o.direction ?? 'inbound'),
    corridor,
    payer_market: corridor.split('-')[0] ?? '',
    wallet_id: o.wallet ?? 'w-plain',
    payer_name: '',
    payer_birth_year: 0,
    payer_nationality: '',
    screening_lists: '',
    merchant_alt_names: [],
    user_id: '',
    device_id: o.device ?? 'd-plain',
    ip: '10.0.0.7',
    payer_country: corridor.split('-')[0] ?? '',
    lat: null,
    lon: null,
    merchant_id: type === 'rejected' ? '' : merchant.id,
    merchant_name: type === 'rejected' ? '' : merchant.name,
    mcc: type === 'rejected' ? '' : merchant.mcc,
    merchant_country: type === 'rejected' ? '' : merchant.country,
    merchant_city: type === 'rejected' ? '' : merchant.city,
    acquirer: type === 'rejected' ? '' : merchant.acquirer,
    network: 'unionpay',
    amount: o.amount ?? cnyText(o.usd),
    currency: o.currency ?? 'CNY',
    amount_usd: o.usd,
    settlement_amount: o.settle ?? o.amount ?? cnyText(o.usd),
    settlement_currency: o.settleCurrency ?? 'CNY',
    fx_rate: '1',
    status: o.status ?? 'APPROVED',
    decline_code: o.status === 'DECLINED' ? 'RISK_DECLINED' : '',
    risk_score: o.score ?? 0,
    decision: o.decision ?? 'approve',
    reason_rule_ids: reasons.map((r) => r.ruleId),
    reasons: JSON.stringify(reasons),
    rule_set_version: 'rs-1',
    shadow_rule_ids: [],
    switch_latency_us: 900,
    risk_latency_us: 300,
    received_at: chTime(o.at),
    decided_at: chTime(o.at + 1),
    stream_id: `${o.at}-0`,
  };
  transactions.push(row);
  return row;
}

// Large value. B pays 10,500 USD in one Beijing day that straddles two UTC days.
const lvA = tx({ at: T0 + 2 * DAY + 5 * HOUR, wallet: 'w-lv-a', usd: '10000.00', currency: 'THB', amount: '358000.00', settle: '71200.00' });
tx({ at: T0 + 17 * HOUR, wallet: 'w-lv-b', usd: '4000.00' });
tx({ at: T0 + DAY + 3 * HOUR, wallet: 'w-lv-b', usd: '4000.00', merchant: M2 });
tx({ at: T0 + DAY + 15 * HOUR + 30 * MINUTE, wallet: 'w-lv-b', usd: '2500.00' });
tx({ at: T0 + DAY + 16 * HOUR + 30 * MINUTE, wallet: 'w-lv-b', usd: '100.00' });
tx({ at: T0 + 2 * DAY, participant: 'merlion-pay', corridor: 'SG-CN', wallet: 'w-lv-c', usd: '12000.00' });
const lvD = tx({ at: T0 + 2 * DAY + HOUR, wallet: 'w-lv-d', usd: '50000.00', merchant: M2, status: 'DECLINED', decision: 'decline', score: 900, reasons: [{ ruleId: 'large-value-single', ruleVersion: 1, value: 50000, threshold: 10000 }] });
tx({ at: T0 + 2 * DAY + 6 * HOUR, wallet: 'w-lv-a', usd: '20000.00', type: 'refund' });
tx({ at: T0 - 1, wallet: 'w-lv-f', usd: '15000.00' });
const early = tx({ at: T0 - 2 * HOUR, wallet: 'w-lv-f', usd: '15000.00' });
tx({ at: T_END, wallet: 'w-lv-f', usd: '15000.00' });
// Paid in CNY: over a CNY threshold of 100,000 for the day, under USD 1,000,000.
tx({ at: T0 + 3 * DAY + 2 * HOUR, wallet: 'w-lv-g', usd: '8426.97', amount: '60000.00', merchant: M3 });
tx({ at: T0 + 3 * DAY + 4 * HOUR, wallet: 'w-lv-g', usd: '7022.47', amount: '50000.00', merchant: M3 });

// Structuring: only w-st-1 has three payments just under the threshold within 24 hours.
const s1 = T0 + 3 * DAY + HOUR;
tx({ at: s1, wallet: 'w-st-1', usd: '8500.00' });
tx({ at: s1 + 10 * HOUR, wallet: 'w-st-1', usd: '9000.00', merchant: M2 });
tx({ at: s1 + DAY - 1, wallet: 'w-st-1', usd: '9900.00' });
const s2 = T0 + 3 * DAY;
tx({ at: s2, wallet: 'w-st-2', usd: '9000.00' });
tx({ at: s2 + 12 * HOUR, wallet: 'w-st-2', usd: '9000.00' });
tx({ at: s2 + DAY, wallet: 'w-st-2', usd: '9000.00' });
const s3 = T0 + 4 * DAY;
tx({ at: s3, wallet: 'w-st-3', usd: '7999.99' });
tx({ at: s3 + HOUR, wallet: 'w-st-3', usd: '8000.00' });
tx({ at: s3 + 2 * HOUR, wallet: 'w-st-3', usd: '10000.00' });
tx({ at: s3 + 3 * HOUR, wallet: 'w-st-3', usd: '9999.99' });
const s4 = T0 + 5 * DAY;
tx({ at: s4, wallet: 'w-st-4', usd: '9100.00' });
tx({ at: s4 + HOUR, wallet: 'w-st-4', usd: '9100.00', status: 'DECLINED', decision: 'decline' });
tx({ at: s4 + 2 * HOUR, wallet: 'w-st-4', usd: '9100.00' });

// Velocity: V2's value arrives as a string, V4 is a refund, V5 another participant and rule version.
const v1 = tx({
  at: T0 + DAY + HOUR, wallet: 'w-vel', device: 'd-vel', usd: '12.00', status: 'DECLINED', decision: 'decline', score: 1000,
  reasons: [{ ruleId: 'velocity-device-burst', ruleVersion: 1, value: 6, threshold: 5 }, { ruleId: 'probing-device', ruleVersion: 1, value: 8, threshold: 7 }],
});
const v2 = tx({
  at: T0 + DAY + 2 * HOUR, wallet: 'w-vel', device: 'd-vel', usd: '13.00', status: 'DECLINED', decision: 'decline', score: 800,
  reasons: [{ ruleId: 'velocity-payer-burst', ruleVersion: 2, value: '7', threshold: 5 }, { ruleId: 'velocity-ip-burst', ruleVersion: 1, value: 11, threshold: 10 }],
});
const v3 = tx({ at: T0 + DAY + 3 * HOUR, wallet: 'w-vel', usd: '12000.00', merchant: M2, decision: 'review', score: 300, reasons: [{ ruleId: 'large-value-single', ruleVersion: 1, value: 12000, threshold: 10000 }] });
tx({ at: T0 + DAY + 4 * HOUR, wallet: 'w-vel', usd: '5.00', type: 'refund', reasons: [{ ruleId: 'velocity-pair-repeat', ruleVersion: 1, value: 6, threshold: 5 }] });
const v5 = tx({
  at: T0 + 2 * DAY + 30 * MINUTE, participant: 'merlion-pay', corridor: 'SG-SG', direction: 'local', merchant: M3, wallet: 'w-vel-m',
  usd: '7.46', amount: '10.00', currency: 'SGD', settle: '10.00', settleCurrency: 'SGD', status: 'DECLINED', decision: 'decline', score: 600,
  reasons: [{ ruleId: 'velocity-device-burst', ruleVersion: 2, value: 9, threshold: 5 }],
});

// Outbound and other participants, for corridors and activity.
tx({ at: T0 + 6 * DAY + 15 * HOUR + 59 * MINUTE, participant: 'panda-wallet', corridor: 'CN-SG', direction: 'outbound', merchant: M3, wallet: 'w-pd', usd: '74.63', amount: '100.00', currency: 'SGD', settle: '531.34', settleCurrency: 'CNY' });
tx({ at: T0 + 6 * DAY + 16 * HOUR + MINUTE, participant: 'panda-wallet', corridor: 'CN-SG', direction: 'outbound', merchant: M3, wallet: 'w-pd', usd: '37.31', amount: '50.00', currency: 'SGD', settle: '265.67', settleCurrency: 'CNY' });
tx({ at: T0 + 6 * DAY + 17 * HOUR, participant: 'panda-wallet', corridor: 'CN-SG', direction: 'outbound', merchant: M3, wallet: 'w-pd2', usd: '20.00', amount: '26.80', currency: 'SGD', settle: '142.40', settleCurrency: 'CNY', status: 'DECLINED', decision: 'decline', score: 700 });
tx({ at: T0 + 4 * DAY, participant: 'hangang-pay', corridor: 'KR-CN', wallet: 'w-hg', usd: '31.50' });
tx({ at: T0 + 4 * DAY + HOUR, wallet: 'w-plain', usd: '31.50', type: 'reversal' });
tx({ at: T0 + 4 * DAY + 2 * HOUR, participant: 'siam-wallet', usd: '0', type: 'rejected' });
tx({ at: T0 + 4 * DAY + 3 * HOUR, participant: 'yangtze-pay', usd: '0', type: 'rejected' });

interface AlertEventRow {
  event_id: string; alert_id: string; at: string; kind: string; participant: string; payment_id: string; rule_id: string;
  severity: string; status: string; actor: string; assignee: string; disposition: string; note: string; details: string;
}
const alertEvents: AlertEventRow[] = [];
function alertEvent(alertId: string, at: number, kind: string, o: { payment?: TransactionRow; participant?: string; rule: string; severity: string; disposition?: string }) {
  const status = { created: 'open', grouped: 'open', acknowledged: 'acknowledged', assigned: 'assigned', resolved: 'resolved' }[kind]!;
  alertEvents.push({
    event_id: randomUUID(), alert_id: alertId, at: chTime(at), kind, participant: o.participant ?? o.payment?.participant ?? '',
    payment_id: o.payment?.payment_id ?? '', rule_id: o.rule, severity: o.severity, status, actor: kind === 'created' || kind === 'grouped' ? 'system' : 'risk.officer',
    assignee: kind === 'assigned' ? 'risk.officer' : '', disposition: o.disposition ?? '', note: '', details: '{}',
  });
}
const at = (row: TransactionRow) => Date.parse(`${row.received_at.replace(' ', 'T')}Z`);
// A1: V1 then V2 grouped into it, acknowledged after a minute, fraud after ten.
alertEvent('alt_rpt_a1', at(v1) + 100, 'created', { payment: v1, rule: 'velocity-device-burst', severity: 'critical' });
alertEvent('alt_rpt_a1', at(v2) + 50, 'grouped', { payment: v2, rule: 'velocity-device-burst', severity: 'critical' });
alertEvent('alt_rpt_a1', at(v1) + 100 + MINUTE, 'acknowledged', { payment: v2, rule: 'velocity-device-burst', severity: 'critical' });
alertEvent('alt_rpt_a1', at(v1) + 100 + 10 * MINUTE, 'resolved', { payment: v2, rule: 'velocity-device-burst', severity: 'critical', disposition: 'fraud' });
// A2: assigned (which acknowledges) after two minutes, legitimate after an hour.
alertEvent('alt_rpt_a2', at(lvD) + 1000, 'created', { payment: lvD, rule: 'large-value-single', severity: 'high' });
alertEvent('alt_rpt_a2', at(lvD) + 1000 + 2 * MINUTE, 'assigned', { payment: lvD, rule: 'large-value-single', severity: 'high' });
alertEvent('alt_rpt_a2', at(lvD) + 1000 + HOUR, 'resolved', { payment: lvD, rule: 'large-value-single', severity: 'high', disposition: 'legitimate' });
// A3: acknowledged after 30 s, never resolved.
alertEvent('alt_rpt_a3', at(v3) + 500, 'created', { payment: v3, rule: 'large-value-single', severity: 'medium' });
alertEvent('alt_rpt_a3', at(v3) + 500 + 30_000, 'acknowledged', { payment: v3, rule: 'large-value-single', severity: 'medium' });
// A4: high, escalated to critical by a grouped payment, resolved as fraud without acknowledgement.
alertEvent('alt_rpt_a4', at(v5) + 200, 'created', { payment: v5, rule: 'velocity-device-burst', severity: 'high' });
alertEvent('alt_rpt_a4', at(v5) + 200 + 5 * MINUTE, 'grouped', { payment: v5, rule: 'velocity-device-burst', severity: 'critical' });
alertEvent('alt_rpt_a4', at(v5) + 200 + 2 * HOUR, 'resolved', { payment: v5, rule: 'velocity-device-burst', severity: 'critical', disposition: 'fraud' });
// A5: created before the window, resolved inside it: not the window's alert.
alertEvent('alt_rpt_a5', at(early) + 100, 'created', { payment: early, rule: 'large-value-single', severity: 'low' });
alertEvent('alt_rpt_a5', T0 + HOUR, 'resolved', { payment: early, rule: 'large-value-single', severity: 'low', disposition: 'legitimate' });
// A6: a monitor alert, no payment; A7 created when the window has ended.
alertEvent('alt_rpt_a6', T0 + 6 * DAY, 'created', { participant: '', rule: 'monitor-corridor-volume', severity: 'medium' });
alertEvent('alt_rpt_a7', T_END + 1000, 'created', { payment: lvA, rule: 'large-value-single', severity: 'low' });
alertEvent('alt_rpt_a7', T_END + 2000, 'acknowledged', { payment: lvA, rule: 'large-value-single', severity: 'low' });

// ---------------------------------------------------------------------------------------
// Independent computations

type Expected = Record<string, unknown>;
const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number, timezone: string) => new Date(ms + (timezone === 'Asia/Shanghai' ? BEIJING : 0)).toISOString().slice(0, 10);
const float = (x: number | null) => (x === null || Number.isNaN(x) ? null : Math.round(x * 1e6) / 1e6);
const cny4 = (r: TransactionRow) => (r.currency === 'CNY' ? units4(r.amount) : Math.round((units4(r.amount_usd) * RATE4) / 10_000));
const compare = (...keys: string[]) => (a: Expected, b: Expected) => {
  for (const k of keys) {
    const [x, y] = [a[k] as string | number, b[k] as string | number];
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
};
function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const quantileExact = (xs: number[], level: number) => [...xs].sort((a, b) => a - b)[Math.floor(level * xs.length)]!;

interface Window { participant?: string }
const inWindow = (r: TransactionRow, w: Window = {}) => at(r) >= T0 && at(r) < T_END && (!w.participant || r.participant === w.participant);
const payments = (w: Window = {}) => transactions.filter((r) => r.message_type === 'payment' && inWindow(r, w));
const approvedPayments = (w: Window & { walletId?: string } = {}) =>
  payments(w).filter((r) => r.status === 'APPROVED' && (!w.walletId || r.wallet_id === w.walletId));

function expectLargeValue(p: { thresholdUsd?: number; thresholdCny?: number; timezone?: string; participant?: string } = {}): Expected[] {
  const tUsd = (p.thresholdUsd ?? 10_000) * 10_000;
  const tCny = (p.thresholdCny ?? 200_000) * 10_000;
  const tz = p.timezone ?? 'Asia/Shanghai';
  const out: Expected[] = [];
  for (const group of groupBy(approvedPayments(p), (r) => [dayOf(at(r), tz), r.participant, r.wallet_id].join('|')).values()) {
    const usd = group.map((r) => units4(r.amount_usd));
    const cny = group.map(cny4);
    const single = Math.max(...usd) >= tUsd || Math.max(...cny) >= tCny;
    const cumulative = sum(usd) >= tUsd || sum(cny) >= tCny;
    if (!single && !cumulative) continue;
    out.push({
      day: dayOf(at(group[0]!), tz), participant: group[0]!.participant, wallet_id: group[0]!.wallet_id, payments: group.length,
      total_usd: fmt4(sum(usd)), total_cny: fmt4(sum(cny)), largest_usd: fmt4(Math.max(...usd)), largest_cny: fmt4(Math.max(...cny)),
      single_over: single, cumulative_over: cumulative,
    });
  }
  return out.sort(compare('day', 'participant', 'wallet_id'));
}

function expectStructuring(p: { minCount?: number; minShare?: number } = {}): Expected[] {
  const share = p.minShare ?? 0.8;
  const [tUsd, tCny] = [10_000 * 10_000, 200_000 * 10_000];
  const near = approvedPayments().filter((r) => {
    const usd = units4(r.amount_usd);
    const cny = cny4(r);
    return usd < tUsd && cny < tCny && (usd >= Math.round(tUsd * share) || cny >= Math.round(tCny * share));
  });
  const out: Expected[] = [];
  for (const group of groupBy(near, (r) => `${r.participant}|${r.wallet_id}`).values()) {
    const times = group.map(at);
    const most = Math.max(...times.map((t) => times.filter((u) => u > t - DAY && u <= t).length));
    if (most < (p.minCount ?? 3)) continue;
    out.push({
      participant: group[0]!.participant, wallet_id: group[0]!.wallet_id, near_threshold_payments: group.length, max_in_24h: most,
      first_at: iso(Math.min(...times)), last_at: iso(Math.max(...times)), total_usd: fmt4(sum(group.map((r) => units4(r.amount_usd)))),
      merchants: new Set(group.map((r) => r.merchant_id)).size,
    });
  }
  return out.sort((a, b) => (b.max_in_24h as number) - (a.max_in_24h as number) || compare('participant', 'wallet_id')(a, b));
}

function expectVelocity(p: { ruleId?: string } = {}): Expected[] {
  const out: Expected[] = [];
  for (const r of payments()) {
    for (const reason of JSON.parse(r.reasons) as RiskReason[]) {
      if (!reason.ruleId.startsWith('velocity-') || (p.ruleId && reason.ruleId !== p.ruleId)) continue;
      out.push({
        received_at: iso(at(r)), payment_id: r.payment_id, participant: r.participant, wallet_id: r.wallet_id, device_id: r.device_id,
        merchant_id: r.merchant_id, rule_id: reason.ruleId, rule_version: reason.ruleVersion, observed: Number(reason.value),
        threshold: Number(reason.threshold), risk_score: r.risk_score, decision: r.decision, status: r.status,
      });
    }
  }
  return out.sort(compare('received_at', 'payment_id', 'rule_id'));
}

function expectCorridors(p: { timezone?: string } = {}): Expected[] {
  const tz = p.timezone ?? 'Asia/Shanghai';
  const out: Expected[] = [];
  const key = (r: TransactionRow) => [dayOf(at(r), tz), r.corridor, r.direction, r.currency, r.settlement_currency].join('|');
  for (const group of groupBy(payments(), key).values()) {
    const approved = group.filter((r) => r.status === 'APPROVED');
    const r0 = group[0]!;
    out.push({
      day: dayOf(at(r0), tz), corridor: r0.corridor, direction: r0.direction, currency: r0.currency, settlement_currency: r0.settlement_currency,
      payments: group.length, approved: approved.length, declined: group.filter((r) => r.status === 'DECLINED').length,
      amount: fmt4(sum(approved.map((r) => units4(r.amount)))), settlement_amount: fmt4(sum(approved.map((r) => units4(r.settlement_amount)))),
      amount_usd: fmt4(sum(approved.map((r) => units4(r.amount_usd)))),
    });
  }
  return out.sort(compare('day', 'corridor', 'direction', 'currency', 'settlement_currency'));
}

/** The disposition each alert was finally resolved with (resolutions since the window began). */
function finalDispositions(): Map<string, string> {
  const latest = new Map<string, AlertEventRow>();
  for (const e of alertEvents) {
    if (e.kind !== 'resolved' || Date.parse(`${e.at}Z`) < T0) continue;
    const seen = latest.get(e.alert_id);
    if (!seen || e.at > seen.at) latest.set(e.alert_id, e);
  }
  return new Map([...latest].map(([id, e]) => [id, e.disposition]));
}

function expectMerchants(p: { minPayments?: number; minDeclineRate?: number; minAlertRate?: number; minFraudRate?: number } = {}): Expected[] {
  const window = payments();
  const ids = new Set(window.map((r) => r.payment_id));
  const alerted = alertEvents.filter((e) => (e.kind === 'created' || e.kind === 'grouped') && Date.parse(`${e.at}Z`) >= T0 && ids.has(e.payment_id));
  const dispositions = finalDispositions();
  const alertedIds = new Set(alerted.map((e) => e.payment_id));
  const fraudIds = new Set(alerted.filter((e) => dispositions.get(e.alert_id) === 'fraud').map((e) => e.payment_id));
  const out: Expected[] = [];
  for (const group of groupBy(window, (r) => r.merchant_id).values()) {
    const n = group.length;
    const declined = group.filter((r) => r.status === 'DECLINED').length;
    const alertedN = group.filter((r) => alertedIds.has(r.payment_id)).length;
    const fraud = group.filter((r) => fraudIds.has(r.payment_id)).length;
    const row = {
      merchant_id: group[0]!.merchant_id, merchant_name: group[0]!.merchant_name, mcc: group[0]!.mcc, merchant_country: group[0]!.merchant_country,
      acquirer: group[0]!.acquirer, payments: n, declined, decline_rate: float(declined / n), alerted: alertedN, alert_rate: float(alertedN / n),
      confirmed_fraud: fraud, fraud_rate: float(fraud / n),
    };
    if (n < (p.minPayments ?? 1)) continue;
    if (!(declined / n >= (p.minDeclineRate ?? 0) || alertedN / n >= (p.minAlertRate ?? 0) || fraud / n >= (p.minFraudRate ?? 0))) continue;
    out.push(row);
  }
  const desc = (k: string) => (a: Expected, b: Expected) => (b[k] as number) - (a[k] as number);
  return out.sort((a, b) => desc('fraud_rate')(a, b) || desc('alert_rate')(a, b) || desc('decline_rate')(a, b) || compare('merchant_id')(a, b));
}

function expectRuleEffectiveness(): Expected[] {
  const hits: Array<{ payment: string; rule: string; version: number; decision: string }> = [];
  for (const r of transactions.filter((t) => inWindow(t))) {
    for (const reason of JSON.parse(r.reasons) as RiskReason[]) hits.push({ payment: r.payment_id, rule: reason.ruleId, version: reason.ruleVersion, decision: r.decision });
  }
  const created = alertEvents.filter((e) => e.kind === 'created' && Date.parse(`${e.at}Z`) >= T0);
  const dispositions = finalDispositions();
  const out: Expected[] = [];
  for (const group of groupBy(hits, (h) => `${h.rule}|${h.version}`).values()) {
    const alerts = group.flatMap((h) => created.filter((e) => e.payment_id === h.payment && e.rule_id === h.rule));
    const fraud = alerts.filter((a) => dispositions.get(a.alert_id) === 'fraud').length;
    const legitimate = alerts.filter((a) => dispositions.get(a.alert_id) === 'legitimate').length;
    out.push({
      rule_id: group[0]!.rule, rule_version: group[0]!.version, hits: group.length,
      declined: group.filter((h) => h.decision === 'decline').length, reviewed: group.filter((h) => h.decision === 'review').length,
      alerts: alerts.length, fraud, legitimate, unresolved: alerts.length - fraud - legitimate,
      precision: fraud + legitimate === 0 ? null : float(fraud / (fraud + legitimate)),
    });
  }
  return out.sort((a, b) => compare('rule_id')(a, b) || (a.rule_version as number) - (b.rule_version as number));
}

function expectAlertHandling(p: { participant?: string } = {}): Expected[] {
  const events = alertEvents.filter((e) => Date.parse(`${e.at}Z`) >= T0 && (!p.participant || e.participant === p.participant));
  const alerts = [...groupBy(events, (e) => e.alert_id).values()].flatMap((evs) => {
    const t = (e: AlertEventRow) => Date.parse(`${e.at}Z`);
    const created = evs.filter((e) => e.kind === 'created');
    if (created.length === 0 || t(created[0]!) >= T_END) return [];
    const latest = [...evs].sort((a, b) => t(b) - t(a))[0]!;
    const acks = evs.filter((e) => e.kind === 'acknowledged' || e.kind === 'assigned').map(t);
    const resolutions = evs.filter((e) => e.kind === 'resolved').sort((a, b) => t(b) - t(a));
    const c = t(created[0]!);
    return [{
      severity: latest.severity,
      ack: acks.length ? (Math.min(...acks) - c) / 1000 : undefined,
      resolve: resolutions.length ? (Math.min(...resolutions.map(t)) - c) / 1000 : undefined,
      disposition: resolutions[0]?.disposition ?? '',
    }];
  });
  const order = ['critical', 'high', 'medium', 'low'];
  const out: Expected[] = [];
  for (const group of groupBy(alerts, (a) => a.severity).values()) {
    const acks = group.flatMap((a) => (a.ack === undefined ? [] : [a.ack]));
    const resolves = group.flatMap((a) => (a.resolve === undefined ? [] : [a.resolve]));
    const stat = (xs: number[], f: (xs: number[]) => number) => (xs.length === 0 ? null : float(f(xs)));
    out.push({
      severity: group[0]!.severity, alerts: group.length, acknowledged: acks.length, resolved: resolves.length,
      fraud: group.filter((a) => a.disposition === 'fraud').length, legitimate: group.filter((a) => a.disposition === 'legitimate').length,
      mean_ack_seconds: stat(acks, (xs) => sum(xs) / xs.length), median_ack_seconds: stat(acks, (xs) => quantileExact(xs, 0.5)),
      p90_ack_seconds: stat(acks, (xs) => quantileExact(xs, 0.9)), mean_resolve_seconds: stat(resolves, (xs) => sum(xs) / xs.length),
      median_resolve_seconds: stat(resolves, (xs) => quantileExact(xs, 0.5)), p90_resolve_seconds: stat(resolves, (xs) => quantileExact(xs, 0.9)),
    });
  }
  return out.sort((a, b) => order.indexOf(a.severity as string) - order.indexOf(b.severity as string));
}

function expectParticipantActivity(): Expected[] {
  const out: Expected[] = [];
  for (const group of groupBy(transactions.filter((r) => inWindow(r)), (r) => r.participant).values()) {
    const pay = group.filter((r) => r.message_type === 'payment');
    const approved = pay.filter((r) => r.status === 'APPROVED');
    const times = group.map(at);
    const participant = group[0]!.participant;
    out.push({
      participant, participant_kind: group.find((r) => r.participant_kind !== '')?.participant_kind ?? '',
      payments: pay.length, approved: approved.length, declined: pay.filter((r) => r.status === 'DECLINED').length,
      reviewed: pay.filter((r) => r.decision === 'review').length, approval_rate: pay.length === 0 ? null : float(approved.length / pay.length),
      refunds: group.filter((r) => r.message_type === 'refund').length, reversals: group.filter((r) => r.message_type === 'reversal').length,
      rejected: group.filter((r) => r.message_type === 'rejected').length, approved_usd: fmt4(sum(approved.map((r) => units4(r.amount_usd)))),
      payers: new Set(pay.map((r) => r.wallet_id)).size, merchants: new Set(pay.map((r) => r.merchant_id)).size,
      corridors: new Set(pay.map((r) => r.corridor)).size, first_at: iso(Math.min(...times)), last_at: iso(Math.max(...times)),
      alerts: alertEvents.filter((e) => e.kind === 'created' && e.participant === participant && Date.parse(`${e.at}Z`) >= T0 && Date.parse(`${e.at}Z`) < T_END).length,
    });
  }
  return out.sort(compare('participant'));
}

// ---------------------------------------------------------------------------------------
// Reading answers

interface JsonResult { columns: Array<{ name: string; type: string }>; rows: Array<Record<string, unknown>>; rowsRead: number; elapsedMs: number }

/** Exact decimals as 4-place text, floats to 6 places: the form the expectations are written in. */
function normalise(result: Pick<JsonResult, 'columns' | 'rows'>): Expected[] {
  return result.rows.map((row) => {
    const out: Expected = {};
    for (const { name, type } of result.columns) {
      const v = row[name];
      if (/Decimal/.test(type)) out[name] = v === null ? null : Number(v).toFixed(4);
      else if (/Float/.test(type)) out[name] = v === null ? null : float(Number(v));
      else out[name] = v;
    }
    return out;
  });
}

/** RFC 4180: fields separated by commas, records by CRLF, quoted fields may hold both, "" is a quote. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i++; }
    else field += c;
  }
  if (field !== '' || record.length > 0) { record.push(field); records.push(record); }
  return records;
}

describe('compliance reports', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  const tokens: Record<string, string> = {};

  const count = (table: string) => scalar<number>(platform.clickhouse.client, `SELECT toUInt32(count()) FROM cpg.${table}`);
  const run = (name: string, params: Record<string, unknown>, format: 'json' | 'csv' | 'parquet' = 'json', role = 'compliance') =>
    platform.app.inject({ method: 'POST', url: `/v1/reports/${encodeURIComponent(name)}`, headers: { authorization: `Bearer ${tokens[role]}` }, payload: { params, format } });
  const runJson = async (name: string, params: Record<string, unknown> = {}) => {
    const r = await run(name, { from: FROM, to: TO, ...params });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as JsonResult;
  };

  beforeAll(async () => {
    platform = await startTestPlatform();
    const client = platform.clickhouse.client;
    await client.insert({ table: 'cpg.transactions', values: transactions, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0, insert_deduplication_token: `reports-test-${randomUUID()}` } });
    await client.insert({ table: 'cpg.alert_events', values: alertEvents, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0, insert_deduplication_token: `reports-test-${randomUUID()}` } });
    for (const user of devCredentials().users) {
      // One officer per role (the first: the development config has a second compliance officer); the last analyst.
      if (tokens[user.role] && user.role !== 'participant_analyst') continue;
      const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } });
      tokens[user.role] = r.json().token as string;
    }
  });
  afterAll(async () => platform?.stop());

  it('lists the catalog with a parameter schema per report', async () => {
    const r = await platform.app.inject({ method: 'GET', url: '/v1/reports', headers: { authorization: `Bearer ${tokens.compliance}` } });
    expect(r.statusCode).toBe(200);
    const reports = r.json().reports as Array<{ name: string; params: { properties: Record<string, Record<string, unknown>>; required: string[] }; maxSpanDays: number; formats: string[] }>;
    expect(reports.map((x) => x.name)).toEqual([
      'large-value-transactions', 'structuring-candidates', 'velocity-breaches', 'corridor-flows',
      'high-risk-merchants', 'rule-effectiveness', 'alert-handling', 'participant-activity',
    ]);
    for (const report of reports) {
      expect(report.params.required).toEqual(['from', 'to']);
      expect(report.params.properties.from).toMatchObject({ type: 'string', format: 'date-time' });
      expect(report.params.properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 100_000, default: 10_000 });
      expect(report.formats).toEqual(['json', 'csv', 'parquet']);
      expect(report.maxSpanDays).toBeGreaterThan(0);
    }
    const largeValue = reports[0]!.params.properties;
    expect(largeValue.thresholdUsd).toMatchObject({ type: 'number', default: 10_000 });
    expect(largeValue.thresholdCny).toMatchObject({ type: 'number', default: 200_000 });
    expect(largeValue.timezone).toMatchObject({ enum: ['Asia/Shanghai', 'UTC'], default: 'Asia/Shanghai' });
    const openapi = (await platform.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(openapi.paths['/v1/reports/{name}'].post.responses['200'].content)).toEqual(['application/json', 'text/csv', 'application/vnd.apache.parquet']);
  });

  it('large-value transactions: single and Beijing-day cumulative payments per payer at the PBOC thresholds', async () => {
    const result = await runJson('large-value-transactions');
    const expected = expectLargeValue();
    expect(result.columns.map((c) => c.name)).toEqual(Object.keys(expected[0]!));
    expect(normalise(result)).toEqual(expected);
    expect(result.rowsRead).toBeGreaterThan(0);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
    // The facts the seed was built for, stated on their own.
    expect(expected).toContainEqual(expect.objectContaining({ wallet_id: 'w-lv-a', single_over: true }));
    expect(expected).toContainEqual(expect.objectContaining({ wallet_id: 'w-lv-b', day: '2025-03-11', payments: 3, single_over: false, cumulative_over: true }));
    expect(expected.map((e) => e.wallet_id)).not.toContain('w-lv-d');
    expect(expected.map((e) => e.wallet_id)).not.toContain('w-lv-f');

    // UTC days split B's 10,500 USD into 4,000 and 6,600; a CNY threshold of 100,000 catches G's CNY payments.
    const custom = { timezone: 'UTC', thresholdUsd: 1_000_000, thresholdCny: 100_000 };
    const customExpected = expectLargeValue(custom);
    expect(normalise(await runJson('large-value-transactions', custom))).toEqual(customExpected);
    expect(customExpected).toContainEqual(expect.objectContaining({ wallet_id: 'w-lv-g', total_cny: '110000.0000', cumulative_over: true }));
    expect(customExpected.map((e) => e.wallet_id)).not.toContain('w-lv-b');
    const utc = expectLargeValue({ timezone: 'UTC' });
    expect(normalise(await runJson('large-value-transactions', { timezone: 'UTC' }))).toEqual(utc);
    expect(utc.map((e) => e.wallet_id)).not.toContain('w-lv-b');

    const merlion = expectLargeValue({ participant: 'merlion-pay' });
    expect(normalise(await runJson('large-value-transactions', { participant: 'merlion-pay' }))).toEqual(merlion);
    expect(merlion.map((e) => e.wallet_id)).toEqual(['w-lv-c']);
  });

  it('structuring candidates: three payments just under the threshold within 24 hours', async () => {
    const expected = expectStructuring();
    expect(normalise(await runJson('structuring-candidates'))).toEqual(expected);
    expect(expected.map((e) => e.wallet_id)).toEqual(['w-st-1']);
    expect(expected[0]).toMatchObject({ max_in_24h: 3, merchants: 2 });

    const two = expectStructuring({ minCount: 2 });
    expect(normalise(await runJson('structuring-candidates', { minCount: 2 }))).toEqual(two);
    expect(two.map((e) => e.wallet_id)).toEqual(expect.arrayContaining(['w-st-2', 'w-st-3', 'w-st-4']));
  });

  it('velocity-limit breaches: one row per payment and velocity rule, with the observed value and the limit', async () => {
    const expected = expectVelocity();
    expect(normalise(await runJson('velocity-breaches'))).toEqual(expected);
    expect(expected.map((e) => [e.rule_id, e.rule_version, e.observed])).toEqual([
      ['velocity-device-burst', 1, 6], ['velocity-ip-burst', 1, 11], ['velocity-payer-burst', 2, 7], ['velocity-device-burst', 2, 9],
    ]);
    const ip = expectVelocity({ ruleId: 'velocity-ip-burst' });
    expect(normalise(await runJson('velocity-breaches', { ruleId: 'velocity-ip-burst' }))).toEqual(ip);
    expect(ip).toHaveLength(1);
  });

  it('corridor flows: count and value by corridor and day, in original and settlement currency', async () => {
    const expected = expectCorridors();
    expect(normalise(await runJson('corridor-flows'))).toEqual(expected);
    expect(expected).toContainEqual(expect.objectContaining({ corridor: 'CN-SG', day: '2025-03-16', payments: 1, amount: '100.0000', settlement_amount: '531.3400' }));
    expect(expected).toContainEqual(expect.objectContaining({ corridor: 'CN-SG', day: '2025-03-17', payments: 2, approved: 1, amount: '50.0000' }));
    // A Singaporean wallet at a Singaporean merchant: its own direction, not cross-market.
    expect(expected).toContainEqual(expect.objectContaining({ corridor: 'SG-SG', direction: 'local', payments: 1, declined: 1 }));
    expect(normalise(await runJson('corridor-flows', { timezone: 'UTC' }))).toEqual(expectCorridors({ timezone: 'UTC' }));
  });

  it('high-risk merchants: decline, alert and confirmed-fraud rates from transactions and alert events', async () => {
    const expected = expectMerchants();
    expect(normalise(await runJson('high-risk-merchants'))).toEqual(expected);
    expect(expected[0]).toMatchObject({ merchant_id: 'm-sg-0001', confirmed_fraud: 1 });
    expect(expected.find((e) => e.merchant_id === 'm-cn-0001')).toMatchObject({ alerted: 3, confirmed_fraud: 2 });
    const filtered = { minPayments: 2, minDeclineRate: 0.2, minAlertRate: 1, minFraudRate: 1 };
    expect(normalise(await runJson('high-risk-merchants', filtered))).toEqual(expectMerchants(filtered));
    expect(expectMerchants(filtered).length).toBeLessThan(expected.length);
  });

  it('rule effectiveness: hits, alerts, dispositions and precision per rule and version', async () => {
    const expected = expectRuleEffectiveness();
    expect(normalise(await runJson('rule-effectiveness'))).toEqual(expected);
    expect(expected).toContainEqual(expect.objectContaining({ rule_id: 'velocity-device-burst', rule_version: 1, alerts: 1, fraud: 1, precision: 1 }));
    expect(expected).toContainEqual(expect.objectContaining({ rule_id: 'large-value-single', rule_version: 1, hits: 2, alerts: 2, legitimate: 1, unresolved: 1, precision: 0 }));
    expect(expected).toContainEqual(expect.objectContaining({ rule_id: 'probing-device', alerts: 0, precision: null }));
    const one = await runJson('rule-effectiveness', { ruleId: 'velocity-device-burst' });
    expect(normalise(one)).toEqual(expected.filter((e) => e.rule_id === 'velocity-device-burst'));
  });

  it('alert handling: time to acknowledge and resolve by severity', async () => {
    const expected = expectAlertHandling();
    expect(normalise(await runJson('alert-handling'))).toEqual(expected);
    expect(expected.map((e) => [e.severity, e.alerts])).toEqual([['critical', 2], ['high', 1], ['medium', 2]]);
    expect(expected[0]).toMatchObject({ acknowledged: 1, resolved: 2, fraud: 2, median_ack_seconds: 60, median_resolve_seconds: 7200 });
    const siam = expectAlertHandling({ participant: 'siam-wallet' });
    expect(normalise(await runJson('alert-handling', { participant: 'siam-wallet' }))).toEqual(siam);
    expect(normalise(await runJson('alert-handling', { severity: 'high' }))).toEqual(expected.filter((e) => e.severity === 'high'));
  });

  it('participant activity summary: one line per participant', async () => {
    const expected = expectParticipantActivity();
    expect(normalise(await runJson('participant-activity'))).toEqual(expected);
    expect(expected.find((e) => e.participant === 'yangtze-pay')).toMatchObject({ payments: 0, rejected: 1, approval_rate: null });
    expect(expected.find((e) => e.participant === 'siam-wallet')).toMatchObject({ refunds: 2, reversals: 1, rejected: 1, alerts: 3 });
    const limited = await runJson('participant-activity', { limit: 2 });
    expect(normalise(limited)).toEqual(expected.slice(0, 2));
  });

  it('streams every report as RFC 4180 CSV with a header row, holding what the JSON holds', async () => {
    for (const name of ['large-value-transactions', 'structuring-candidates', 'velocity-breaches', 'corridor-flows', 'high-risk-merchants', 'rule-effectiveness', 'alert-handling', 'participant-activity']) {
      const json = await runJson(name);
      const r = await run(name, { from: FROM, to: TO }, 'csv');
      expect(r.statusCode, name).toBe(200);
      expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(r.headers['content-disposition']).toBe(`attachment; filename="${name}.csv"`);
      expect(r.body.endsWith('\r\n')).toBe(true);
      const [header, ...records] = parseCsv(r.body);
      expect(header).toEqual(json.columns.map((c) => c.name));
      const asText = (v: unknown) => (v === null ? '' : String(v));
      expect(records, name).toEqual(json.rows.map((row) => json.columns.map((c) => asText(row[c.name]))));
    }
    // The merchant whose name holds a quote, a comma and a line break comes back whole.
    const csv = parseCsv((await run('high-risk-merchants', { from: FROM, to: TO }, 'csv')).body);
    expect(csv.map((rec) => rec[1])).toContain(M2.name);
  });

  it('writes Parquet with ClickHouse, which reads it back to the same rows', async () => {
    for (const name of ['large-value-transactions', 'corridor-flows', 'rule-effectiveness', 'alert-handling']) {
      const json = await runJson(name);
      const r = await run(name, { from: FROM, to: TO }, 'parquet');
      expect(r.statusCode, name).toBe(200);
      expect(r.headers['content-type']).toBe('application/vnd.apache.parquet');
      const body = r.rawPayload;
      expect(body.subarray(0, 4).toString('latin1')).toBe('PAR1');
      expect(body.subarray(-4).toString('latin1')).toBe('PAR1');
      const file = path.join(platform.dataDir, `${name}.parquet`);
      writeFileSync(file, body);
      const back = await platform.clickhouse.client.query({
        query: `SELECT * FROM file({file:String}, Parquet) SETTINGS output_format_json_quote_decimals = 1, date_time_output_format = 'iso'`,
        query_params: { file },
        format: 'JSON',
      });
      const read = await back.json<Record<string, unknown>>();
      expect(read.rows, name).toBe(json.rows.length);
      expect(normalise({ columns: json.columns, rows: read.data }), name).toEqual(normalise(json));
    }
  });

  it('writes every run to the audit log with actor, report, parameters, rows and time', async () => {
    const marker = `audit-${randomUUID().slice(0, 8)}`;
    const ok = await run('large-value-transactions', { from: FROM, to: TO, walletId: marker });
    expect(ok.statusCode).toBe(200);
    const csv = await run('velocity-breaches', { from: FROM, to: TO, walletId: 'w-vel' }, 'csv', 'risk_officer');
    const csvRows = parseCsv(csv.body).length - 1;
    expect(csvRows).toBe(3);
    const refused = await run('large-value-transactions', { from: FROM, to: TO, walletId: marker, thresholdUsd: -5 });
    expect(refused.statusCode).toBe(400);

    type AuditRow = { actor: string; actor_role: string; target: string; outcome: string; details: string };
    const audited = (where: string, params: Record<string, unknown>) => async () =>
      (await (await platform.clickhouse.client.query({ query: `SELECT actor, actor_role, target, outcome, details FROM cpg.audit_log WHERE action = 'report.run' AND ${where} ORDER BY at`, query_params: params, format: 'JSONEachRow' })).json<AuditRow>());
    const mine = await eventually(audited(`JSONExtractString(details, 'params', 'walletId') = {m:String}`, { m: marker }), (rows) => rows.length === 2, 5000);
    const accepted = mine.find((row) => row.outcome === 'ok')!;
    const denied = mine.find((row) => row.outcome === 'denied')!;
    expect(accepted).toMatchObject({ actor: 'compliance', actor_role: 'compliance', target: 'report:large-value-transactions' });
    const details = JSON.parse(accepted.details);
    expect(details).toMatchObject({ format: 'json', rows: 0, params: { from: FROM, to: TO, walletId: marker, thresholdUsd: 10_000, thresholdCny: 200_000, timezone: 'Asia/Shanghai', limit: 10_000 } });
    expect(typeof details.elapsedMs).toBe('number');
    expect(denied).toMatchObject({ actor: 'compliance', target: 'report:large-value-transactions' });
    expect(JSON.parse(denied.details)).toMatchObject({ error: 'REPORT_PARAMS_INVALID', params: { thresholdUsd: -5 } });
    const streamed = await eventually(audited(`target = 'report:velocity-breaches' AND actor = 'risk.officer' AND JSONExtractString(details, 'format') = 'csv'`, {}), (rows) => rows.length >= 1, 5000);
    expect(JSON.parse(streamed[0]!.details)).toMatchObject({ rows: csvRows, params: { walletId: 'w-vel' } });
  });

  it('admits compliance, risk officers and admins; refuses participant analysts and anonymous callers with a code', async () => {
    for (const role of ['compliance', 'risk_officer', 'admin']) {
      const list = await platform.app.inject({ method: 'GET', url: '/v1/reports', headers: { authorization: `Bearer ${tokens[role]}` } });
      expect(list.statusCode, role).toBe(200);
      expect((await run('participant-activity', { from: FROM, to: TO }, 'json', role)).statusCode, role).toBe(200);
    }
    const analyst = { authorization: `Bearer ${tokens.participant_analyst}` };
    const list = await platform.app.inject({ method: 'GET', url: '/v1/reports', headers: analyst });
    expect([list.statusCode, list.json().error.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    const ran = await run('participant-activity', { from: FROM, to: TO }, 'csv', 'participant_analyst');
    expect([ran.statusCode, ran.json().error.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    const anonymous = await platform.app.inject({ method: 'POST', url: '/v1/reports/participant-activity', payload: { params: { from: FROM, to: TO } } });
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'AUTH_TOKEN_MISSING']);
  });

  it('answers an unknown report with 404 and bad parameters with 400 naming the parameter', async () => {
    const unknown = await run('no-such-report', { from: FROM, to: TO });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'REPORT_UNKNOWN']);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ to: TO }, 'from'],
      [{ from: 'yesterday', to: TO }, 'from'],
      [{ from: FROM, to: TO, thresholdUsd: -1 }, 'thresholdUsd'],
      [{ from: FROM, to: TO, thresholdUsd: '10000' }, 'thresholdUsd'],
      [{ from: FROM, to: TO, timezone: 'Mars/Olympus' }, 'timezone'],
      [{ from: FROM, to: TO, limit: 0 }, 'limit'],
      [{ from: FROM, to: TO, limit: 100_001 }, 'limit'],
      [{ from: FROM, to: TO, participant: 'Not A Participant!' }, 'participant'],
      [{ from: FROM, to: TO, favourite: 'colour' }, 'favourite'],
      [{ from: TO, to: FROM }, 'to'],
      [{ from: '2024-01-01T00:00:00Z', to: TO }, 'to'],
    ];
    for (const [params, name] of cases) {
      const r = await run('large-value-transactions', params);
      expect(r.statusCode, JSON.stringify(params)).toBe(400);
      const error = r.json().error;
      expect(error.code).toBe('REPORT_PARAMS_INVALID');
      expect(error.message).toContain(`params.${name}`);
      expect(error.path).toBe(`/params/${name}`);
    }
    const badFormat = await platform.app.inject({ method: 'POST', url: '/v1/reports/corridor-flows', headers: { authorization: `Bearer ${tokens.compliance}` }, payload: { params: { from: FROM, to: TO }, format: 'xlsx' } });
    expect([badFormat.statusCode, badFormat.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('treats injection attempts in every parameter as plain values or refuses them, and changes nothing', async () => {
    const before = {
      transactions: await count('transactions'),
      alertEvents: await count('alert_events'),
      tables: await scalar<string>(platform.clickhouse.client, "SELECT arrayStringConcat(arraySort(groupArray(name)), ',') FROM system.tables WHERE database = 'cpg'"),
    };
    const probes = [
      "'", "\\'", "' OR '1'='1", "'; DROP TABLE cpg.transactions; --", 'w-lv-a\' OR wallet_id != \'', '{participant:String}', '{x:String}',
      "') UNION ALL SELECT * FROM cpg.audit_log --", '漢字 🚀 ğ\u202e', '\\', 'a\nb', '\u0000',
    ];
    const catalog = (await platform.app.inject({ method: 'GET', url: '/v1/reports', headers: { authorization: `Bearer ${tokens.compliance}` } })).json().reports as Array<{ name: string; params: { properties: Record<string, Record<string, unknown>> } }>;
    let plain = 0;
    for (const report of catalog) {
      for (const [param, schema] of Object.entries(report.params.properties)) {
        const stringy = schema.type === 'string' || Array.isArray(schema.enum);
        for (const probe of stringy ? probes : probes.slice(3, 4)) {
          const r = await run(report.name, { from: FROM, to: TO, [param]: probe });
          const where = `${report.name} ${param}=${JSON.stringify(probe)}`;
          if (r.statusCode === 200) {
            // Accepted only as a filter value: it matches no seeded row.
            expect(r.json().rows, where).toEqual([]);
            plain++;
          } else {
            expect([r.statusCode, r.json().error.code], where).toEqual([400, 'REPORT_PARAMS_INVALID']);
            expect(r.json().error.message, where).toContain(`params.${param}`);
          }
        }
      }
    }
    expect(plain).toBeGreaterThan(0);
    const odd = await run("x'; DROP TABLE cpg.transactions; --", { from: FROM, to: TO });
    expect([odd.statusCode, odd.json().error.code]).toEqual([404, 'REPORT_UNKNOWN']);
    const key = await run('corridor-flows', { from: FROM, to: TO, '{corridor:String}': 'x' });
    expect(key.statusCode).toBe(400);
    expect({
      transactions: await count('transactions'),
      alertEvents: await count('alert_events'),
      tables: await scalar<string>(platform.clickhouse.client, "SELECT arrayStringConcat(arraySort(groupArray(name)), ',') FROM system.tables WHERE database = 'cpg'"),
    }).toEqual(before);
    expect(before.transactions).toBe(transactions.length);
  }, 180_000);

  it('refuses a JSON answer past its bound in bytes with a code, where CSV of the same run streams', async () => {
    const answered = await run('large-value-transactions', { from: FROM, to: TO });
    expect(answered.statusCode).toBe(200);
    expect(Number(answered.headers['content-length'])).toBe(Buffer.byteLength(answered.body));
    const { columns, rows: answeredRows } = answered.json() as JsonResult;
    const rows = answeredRows.length;
    expect(Buffer.byteLength(answered.body)).toBeGreaterThan(2048);

    const tight = createReportRunner({ client: platform.clickhouse.client, database: 'cpg', context: { cnyPerUsd: devConfig.fx.rates.CNY! }, maxJsonBytes: 1024 });
    const prepared = tight.prepare('large-value-transactions', { from: FROM, to: TO });
    if (!prepared.ok) throw new Error(prepared.error.message);
    const refused = await tight.run(prepared.value, 'json');
    expect(refused).toMatchObject({ ok: false, error: { code: 'REPORT_TOO_LARGE' } });
    expect(!refused.ok && refused.error.message).toMatch(/passed 1 KiB after \d+ rows/);
    const csv = await tight.run(prepared.value, 'csv');
    if (!csv.ok || csv.value.format !== 'csv') throw new Error(JSON.stringify(csv));
    expect((await streamText(csv.value.stream)).split('\r\n')[0]).toBe(columns.map((c) => `"${c.name}"`).join(','));
    expect(await csv.value.rows).toBe(rows);
  });

  it('stops a run at its time limit, and its limits do not stay on the shared chDB session', async () => {
    const slow = {
      name: 'slow', title: 'slow', description: 'counts for ever', maxSpanDays: 1,
      params: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }),
      sql: () => 'SELECT count() FROM numbers(1000000000000) WHERE sipHash64(number) = 0',
      bind: () => ({}),
    };
    const runner = createReportRunner({ client: platform.clickhouse.client, database: 'cpg', context: { cnyPerUsd: '7.12' }, maxExecutionSeconds: 1, reports: [slow] });
    const prepared = runner.prepare('slow', { from: FROM, to: '2025-03-10T01:00:00Z' });
    expect(prepared.ok).toBe(true);
    const started = Date.now();
    const outcome = await runner.run((prepared as { ok: true; value: Parameters<typeof runner.run>[0] }).value, 'json');
    expect(outcome).toMatchObject({ ok: false, error: { code: 'REPORT_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(10_000);
    const session = await (await platform.clickhouse.client.query({
      query: "SELECT getSetting('max_execution_time') AS t, toString(getSetting('date_time_output_format')) AS f, toUInt8(getSetting('output_format_json_quote_decimals')) AS q",
      format: 'JSONEachRow',
    })).json<{ t: number; f: string; q: number }>();
    expect(session).toEqual([{ t: 0, f: 'simple', q: 0 }]);
  });
});
