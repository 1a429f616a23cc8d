import type { ClickHouseClient } from '@clickhouse/client';
import { decimalText, latencyMs, paymentFigureColumns, paymentFigures, rate, rowsOf, type PaymentFigureRow, type PaymentFigures } from './figures.ts';
import { DECLINE_REASON, DECLINE_SOURCE, fraudConfirmedPayments, queryParams, scopedRows, SETTLEMENT, type Scope } from './scope.ts';
import type { Window } from './window.ts';

export interface FollowUpFigures {
  count: number;
  approved: number;
  approvedValueUsd: string;
}

/** One participant over one window: see scope.ts for whose rows these are. */
export interface ParticipantSummary {
  participant: string;
  side: Scope['side'];
  from: string;
  to: string;
  /** Payments (not refunds or reversals): counts, rates, value in USD. */
  payments: PaymentFigures;
  /** Payment value in the participant's settlement currencies (see scope.ts), all and approved. */
  settlement: Array<{ currency: string; payments: number; value: string; approvedValue: string }>;
  refunds: FollowUpFigures;
  reversals: FollowUpFigures;
  /** Declined payments by reason, most frequent first; they add up to `payments.declined`. */
  declineReasons: Array<{ reason: string; source: 'risk' | 'issuer'; payments: number }>;
  /** Payments in an alert resolved as fraud, and their share of all payments. */
  fraudConfirmed: { payments: number; rate: number; valueUsd: string };
  /**
   * Payments approved for the payer with their settlement held (risk reviewed them and a rule
   * or the wallet's configuration holds reviews): those still held, their value, and those of
   * the window released since (their case closed without suspicion, or an officer released them).
   */
  settlementHeld: { payments: number; valueUsd: string; released: number };
  /** Switch latency of payments (receipt to decision), exact quantiles; null without payments. */
  latency: { p50Ms: number | null; p99Ms: number | null };
}

interface TotalsRow extends PaymentFigureRow {
  refunds: number;
  refunds_approved: number;
  refunds_value_usd: string;
  reversals: number;
  reversals_approved: number;
  reversals_value_usd: string;
  fraud_confirmed: number;
  fraud_value_usd: string;
  held: number;
  held_value_usd: string;
  held_released: number;
  latency_us: number[];
  currency: string;
  settlement_value: string;
  settlement_approved_value: string;
}

/** The payments whose held settlement was released: case events, never a change of the payment's row. */
function releasedSettlements(database: string): string {
  return `SELECT arrayJoin(JSONExtract(details, 'paymentIds', 'Array(String)')) FROM ${database}.case_events WHERE kind = 'settlement_released'`;
}

/**
 * Two queries: one scan of the scoped rows grouped by settlement currency and in total (the
 * per-currency rows are the settlement figures, the totals row everything else: one pass
 * over millions of rows instead of two), and the decline reasons, which read only the
 * materialised reason column.
 */
export async function summary(client: ClickHouseClient, database: string, scope: Scope, window: Window): Promise<ParticipantSummary> {
  const params = queryParams(scope, window);
  const rows = scopedRows(scope.side);
  const settlement = SETTLEMENT[scope.side];
  const followUp = (type: 'refund' | 'reversal', name: string) => `
    toUInt32(countIf(message_type = '${type}')) AS ${name},
    toUInt32(countIf(message_type = '${type}' AND status = 'APPROVED')) AS ${name}_approved,
    toString(sumIf(amount_usd, message_type = '${type}' AND status = 'APPROVED')) AS ${name}_value_usd`;
  // GROUPING SETS ((currency), ()): the rows per currency, and one totals row (grouped = 1)
  // which ClickHouse emits even when no row is in scope.
  const grouped = await rowsOf<TotalsRow & { grouped: number }>(
    client,
    `WITH payment_id IN (${fraudConfirmedPayments(database)}) AS fraud,
      message_type = 'payment' AND status = 'APPROVED' AND settlement_held = 1 AS held_at_decision,
      payment_id IN (${releasedSettlements(database)}) AS released
    SELECT
      grouping(currency) AS grouped,
      ${settlement.currency} AS currency,
      ${paymentFigureColumns()},
      toString(sumIf(${settlement.amount}, message_type = 'payment')) AS settlement_value,
      toString(sumIf(${settlement.amount}, message_type = 'payment' AND status = 'APPROVED')) AS settlement_approved_value,
      ${followUp('refund', 'refunds')},
      ${followUp('reversal', 'reversals')},
      toUInt32(countIf(message_type = 'payment' AND fraud)) AS fraud_confirmed,
      toString(sumIf(amount_usd, message_type = 'payment' AND fraud)) AS fraud_value_usd,
      toUInt32(countIf(held_at_decision AND NOT released)) AS held,
      toString(sumIf(amount_usd, held_at_decision AND NOT released)) AS held_value_usd,
      toUInt32(countIf(held_at_decision AND released)) AS held_released,
      quantilesExactIf(0.5, 0.99)(switch_latency_us, message_type = 'payment') AS latency_us
    FROM ${database}.transactions
    WHERE ${rows}
    GROUP BY GROUPING SETS ((currency), ())
    ORDER BY grouped, currency`,
    params,
  );
  const totals = grouped.find((g) => g.grouped === 1);
  const data = grouped.filter((g) => g.grouped === 0);
  const reasons = await rowsOf<{ reason: string; source: 'risk' | 'issuer'; payments: number }>(
    client,
    `SELECT ${DECLINE_REASON} AS reason, any(${DECLINE_SOURCE}) AS source, toUInt32(count()) AS payments
    FROM ${database}.transactions
    WHERE ${rows} AND message_type = 'payment' AND ${DECLINE_REASON} != ''
    GROUP BY reason ORDER BY payments DESC, reason`,
    params,
  );
  const t: TotalsRow = totals ?? EMPTY;
  const measured = t.payments > 0;
  return {
    participant: scope.participant,
    side: scope.side,
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    payments: paymentFigures(t),
    settlement: data
      .filter((c) => c.payments > 0)
      .map((c) => ({ currency: c.currency, payments: c.payments, value: decimalText(c.settlement_value), approvedValue: decimalText(c.settlement_approved_value) })),
    refunds: { count: t.refunds, approved: t.refunds_approved, approvedValueUsd: decimalText(t.refunds_value_usd) },
    reversals: { count: t.reversals, approved: t.reversals_approved, approvedValueUsd: decimalText(t.reversals_value_usd) },
    declineReasons: reasons,
    fraudConfirmed: { payments: t.fraud_confirmed, rate: rate(t.fraud_confirmed, t.payments), valueUsd: decimalText(t.fraud_value_usd) },
    settlementHeld: { payments: t.held, valueUsd: decimalText(t.held_value_usd), released: t.held_released },
    latency: { p50Ms: latencyMs(t.latency_us[0], measured), p99Ms: latencyMs(t.latency_us[1], measured) },
  };
}

const EMPTY: TotalsRow = {
  payments: 0,
  approved: 0,
  declined: 0,
  review: 0,
  value_usd: '0',
  approved_value_usd: '0',
  refunds: 0,
  refunds_approved: 0,
  refunds_value_usd: '0',
  reversals: 0,
  reversals_approved: 0,
  reversals_value_usd: '0',
  fraud_confirmed: 0,
  fraud_value_usd: '0',
  held: 0,
  held_value_usd: '0',
  held_released: 0,
  latency_us: [],
  currency: '',
  settlement_value: '0',
  settlement_approved_value: '0',
};
