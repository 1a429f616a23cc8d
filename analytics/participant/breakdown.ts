import type { ClickHouseClient } from '@clickhouse/client';
import { decimalText, latencyMs, paymentFigureColumns, paymentFigures, rate, rowsOf, type PaymentFigureRow, type PaymentFigures } from './figures.ts';
import { DECLINE_REASON, fraudConfirmedPayments, queryParams, scopedRows, type Scope } from './scope.ts';
import type { Window } from './window.ts';

export const DIMENSIONS = ['corridor', 'merchant', 'mcc', 'reason', 'hour'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const DEFAULT_BREAKDOWN_LIMIT = 100;
export const MAX_BREAKDOWN_LIMIT = 1000;

/**
 * How each dimension groups payments. `reason` groups the declined payments only, by
 * their decline reason (see DECLINE_REASON); `hour` is the hour of day in UTC ("00"-"23").
 * Every expression is a constant: the caller picks one by name, from the URL, so a Map.
 */
const DIMENSION: ReadonlyMap<string, { key: string; label?: string; only?: string; order: string }> = new Map(Object.entries({
  corridor: { key: 'corridor', order: 'payments DESC, key' },
  merchant: { key: 'merchant_id', label: 'argMax(merchant_name, received_at)', order: 'payments DESC, key' },
  mcc: { key: 'mcc', order: 'payments DESC, key' },
  reason: { key: DECLINE_REASON, only: "status = 'DECLINED'", order: 'payments DESC, key' },
  hour: { key: "leftPad(toString(toHour(received_at)), 2, '0')", order: 'key' },
} satisfies Record<Dimension, { key: string; label?: string; only?: string; order: string }>));

export interface BreakdownRow extends PaymentFigures {
  key: string;
  /** The merchant's name, for the merchant dimension. */
  label?: string;
  fraudConfirmed: number;
  fraudConfirmedRate: number;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
}

export interface Breakdown {
  participant: string;
  side: Scope['side'];
  dimension: Dimension;
  from: string;
  to: string;
  rows: BreakdownRow[];
  /** More keys exist than `limit` let through (the least frequent were left out). */
  truncated: boolean;
}

interface Row extends PaymentFigureRow {
  key: string;
  label?: string;
  fraud_confirmed: number;
  latency_us: number[];
}

export async function breakdown(
  client: ClickHouseClient,
  database: string,
  scope: Scope,
  window: Window,
  dimension: Dimension,
  limit = DEFAULT_BREAKDOWN_LIMIT,
): Promise<Breakdown> {
  const d = DIMENSION.get(dimension);
  // The route's schema admits only DIMENSIONS; anything else is a caller's mistake, not a query.
  if (!d) throw new Error(`no breakdown dimension ${JSON.stringify(String(dimension).slice(0, 40))}`);
  const n = Math.max(1, Math.min(Math.floor(limit), MAX_BREAKDOWN_LIMIT));
  const rows = await rowsOf<Row>(
    client,
    `SELECT ${d.key} AS key, ${d.label ? `${d.label} AS label,` : ''}
      ${paymentFigureColumns()},
      toUInt32(countIf(payment_id IN (${fraudConfirmedPayments(database)}))) AS fraud_confirmed,
      quantilesExact(0.5, 0.99)(switch_latency_us) AS latency_us
    FROM ${database}.transactions
    WHERE ${scopedRows(scope.side)} AND message_type = 'payment' ${d.only ? `AND ${d.only}` : ''}
    GROUP BY key
    ORDER BY ${d.order}
    LIMIT {limit:UInt32}`,
    { ...queryParams(scope, window), limit: n + 1 },
  );
  const kept = rows.slice(0, n);
  return {
    participant: scope.participant,
    side: scope.side,
    dimension,
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    rows: kept.map((r) => ({
      key: r.key,
      ...(r.label !== undefined ? { label: r.label } : {}),
      ...paymentFigures(r),
      fraudConfirmed: r.fraud_confirmed,
      fraudConfirmedRate: rate(r.fraud_confirmed, r.payments),
      p50LatencyMs: latencyMs(r.latency_us[0], r.payments > 0),
      p99LatencyMs: latencyMs(r.latency_us[1], r.payments > 0),
    })),
    truncated: rows.length > n,
  };
}
