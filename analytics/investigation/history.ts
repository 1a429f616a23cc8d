import type { ClickHouseClient } from '@clickhouse/client';
import { DECLINE_REASON, DECLINE_SOURCE } from '../participant/scope.ts';
import type { Window } from '../participant/window.ts';
import { sumDecimals } from './decimal-sum.ts';
import { readRows } from './read-rows.ts';
import { checkWindow, IN_WINDOW, isoTime, PROCESSED, subjectParams, subjectRows, type Subject } from './subject.ts';

/** Refunds or reversals of the subject's payments: all of them, and what was approved, in USD and per currency. */
export interface FollowUps {
  count: number;
  approved: number;
  amountUsd: string;
  approvedAmountUsd: string;
  byCurrency: Array<{ currency: string; count: number; amount: string; approvedAmount: string }>;
}

/** Everything the subject was party to in the window: its payments, their declines, refunds and reversals. */
export interface SubjectHistory {
  subject: Subject;
  from: string;
  to: string;
  payments: { count: number; approved: number; declined: number; review: number; amountUsd: string; approvedAmountUsd: string };
  /** Payments by the currency they were made in (the merchant's), most frequent first. */
  byCurrency: Array<{ currency: string; payments: number; approved: number; amount: string; approvedAmount: string; amountUsd: string }>;
  /** Payments by corridor (payer market - merchant market), most frequent first; amounts in USD. */
  byCorridor: Array<{ corridor: string; payments: number; declined: number; amountUsd: string; approvedAmountUsd: string }>;
  /** Payments by UTC day ("2025-03-10"), days without any left out, oldest first; amounts in USD. */
  byDay: Array<{ day: string; payments: number; declined: number; amountUsd: string; approvedAmountUsd: string }>;
  /** Declined payments by reason: the issuer's code or, for a risk decline, the rule that weighed most. */
  declines: { count: number; byReason: Array<{ reason: string; source: 'risk' | 'issuer'; payments: number }> };
  refunds: FollowUps;
  reversals: FollowUps;
  /** The subject's first and last processed message in the window (any type); null without one. */
  firstSeen: string | null;
  lastSeen: string | null;
  /** A breakdown had more keys than PER_BREAKDOWN (the least frequent were left out), or the subject more cells than the engine was asked for. */
  truncated: boolean;
}

/** Rows per breakdown: a 93-day window has at most 94 days; corridors and currencies are far fewer. */
export const PER_BREAKDOWN = 200;
/** Cells of the fine-grained grouping read at most: type x currency x corridor x day x reason, far fewer for one subject. */
const MAX_CELLS = 100_000;

/** One cell: the subject's messages of one type, currency, corridor, UTC day and decline reason. */
interface Cell {
  message_type: 'payment' | 'refund' | 'reversal';
  currency: string;
  corridor: string;
  day: string;
  reason: string;
  source: 'risk' | 'issuer';
  messages: number;
  approved: number;
  declined: number;
  review: number;
  /** Aliases other than the columns': an alias named like a column would stand for it inside sum(). */
  amount_sum: string;
  approved_amount_sum: string;
  usd_sum: string;
  approved_usd_sum: string;
  first_ms: string;
  last_ms: string;
}

/**
 * One pass over the subject's rows, grouped at the finest grain every breakdown needs
 * (message type, currency, corridor, UTC day, decline reason: a few hundred cells for a
 * busy merchant's month), rolled up here with exact decimal sums. Six GROUPING SETS over
 * the same rows took five times as long (1.2 s against 0.25 s for 840,000 rows).
 */
export async function subjectHistory(client: ClickHouseClient, database: string, subject: Subject, window: Window): Promise<SubjectHistory> {
  checkWindow(window);
  const cells = await readRows<Cell>(
    client,
    `SELECT message_type, currency, corridor, toString(toDate(received_at, 'UTC')) AS day, ${DECLINE_REASON} AS reason,
      any(${DECLINE_SOURCE}) AS source,
      toUInt32(count()) AS messages,
      toUInt32(countIf(status = 'APPROVED')) AS approved,
      toUInt32(countIf(status = 'DECLINED')) AS declined,
      toUInt32(countIf(decision = 'review')) AS review,
      toString(sum(amount)) AS amount_sum,
      toString(sumIf(amount, status = 'APPROVED')) AS approved_amount_sum,
      toString(sum(amount_usd)) AS usd_sum,
      toString(sumIf(amount_usd, status = 'APPROVED')) AS approved_usd_sum,
      toString(toUnixTimestamp64Milli(min(received_at))) AS first_ms,
      toString(toUnixTimestamp64Milli(max(received_at))) AS last_ms
    FROM ${database}.transactions
    WHERE ${subjectRows(subject)} AND ${IN_WINDOW} AND ${PROCESSED}
    GROUP BY message_type, currency, corridor, day, reason
    LIMIT {cells:UInt32}`,
    { ...subjectParams(subject, window), cells: MAX_CELLS },
  );
  const payments = cells.filter((c) => c.message_type === 'payment');
  const byCurrency = rollUp(payments, (c) => c.currency);
  const byCorridor = rollUp(payments, (c) => c.corridor);
  const byDay = rollUp(payments, (c) => c.day);
  const byReason = rollUp(payments.filter((c) => c.reason !== '' && c.declined > 0), (c) => c.reason);
  const all = rollUp(payments, () => '')[0];
  const times = cells.flatMap((c) => [Number(c.first_ms), Number(c.last_ms)]);
  const cut = <T>(rows: T[]) => rows.slice(0, PER_BREAKDOWN);
  return {
    subject,
    from: isoTime(window.fromMs),
    to: isoTime(window.toMs),
    payments: {
      count: all?.messages ?? 0,
      approved: all?.approved ?? 0,
      declined: all?.declined ?? 0,
      review: all?.review ?? 0,
      amountUsd: all?.usd ?? '0',
      approvedAmountUsd: all?.approved_usd ?? '0',
    },
    byCurrency: cut(byCurrency).map((r) => ({ currency: r.key, payments: r.messages, approved: r.approved, amount: r.amount, approvedAmount: r.approved_amount, amountUsd: r.usd })),
    byCorridor: cut(byCorridor).map((r) => ({ corridor: r.key, payments: r.messages, declined: r.declined, amountUsd: r.usd, approvedAmountUsd: r.approved_usd })),
    byDay: cut([...byDay].sort((a, b) => a.key.localeCompare(b.key))).map((r) => ({ day: r.key, payments: r.messages, declined: r.declined, amountUsd: r.usd, approvedAmountUsd: r.approved_usd })),
    declines: {
      count: all?.declined ?? 0,
      // Declined refunds and reversals have a reason too; these are the payments'.
      byReason: cut(byReason).map((r) => ({ reason: r.key, source: r.source, payments: r.declined })),
    },
    refunds: followUps(cells.filter((c) => c.message_type === 'refund')),
    reversals: followUps(cells.filter((c) => c.message_type === 'reversal')),
    firstSeen: times.length > 0 ? isoTime(Math.min(...times)) : null,
    lastSeen: times.length > 0 ? isoTime(Math.max(...times)) : null,
    truncated: cells.length >= MAX_CELLS || [byCurrency, byCorridor, byDay, byReason].some((b) => b.length > PER_BREAKDOWN),
  };
}

interface Rolled {
  key: string;
  source: 'risk' | 'issuer';
  messages: number;
  approved: number;
  declined: number;
  review: number;
  amount: string;
  approved_amount: string;
  usd: string;
  approved_usd: string;
}

/** Cells summed per key, most messages first (then by key). */
function rollUp(cells: readonly Cell[], keyOf: (c: Cell) => string): Rolled[] {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const key = keyOf(c);
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  const count = (group: Cell[], field: 'messages' | 'approved' | 'declined' | 'review') => group.reduce((n, c) => n + c[field], 0);
  return [...groups.entries()]
    .map(([key, group]) => ({
      key,
      source: group[0]!.source,
      messages: count(group, 'messages'),
      approved: count(group, 'approved'),
      declined: count(group, 'declined'),
      review: count(group, 'review'),
      amount: sumDecimals(group.map((c) => c.amount_sum)),
      approved_amount: sumDecimals(group.map((c) => c.approved_amount_sum)),
      usd: sumDecimals(group.map((c) => c.usd_sum)),
      approved_usd: sumDecimals(group.map((c) => c.approved_usd_sum)),
    }))
    .sort((a, b) => b.messages - a.messages || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function followUps(cells: readonly Cell[]): FollowUps {
  const all = rollUp(cells, () => '')[0];
  return {
    count: all?.messages ?? 0,
    approved: all?.approved ?? 0,
    amountUsd: all?.usd ?? '0',
    approvedAmountUsd: all?.approved_usd ?? '0',
    byCurrency: rollUp(cells, (c) => c.currency).map((r) => ({ currency: r.key, count: r.messages, amount: r.amount, approvedAmount: r.approved_amount })),
  };
}
