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
  latency_us: number[];
}

export async function summary(client: ClickHouseClient, database: string, scope: Scope, window: Window): Promise<ParticipantSummary> {
  const params = queryParams(scope, window);
  const rows = scopedRows(scope.side);
  const followUp = (type: 'refund' | 'reversal', name: string) => `
    toUInt32(countIf(message_type = '${type}')) AS ${name},
    toUInt32(countIf(message_type = '${type}' AND status = 'APPROVED')) AS ${name}_approved,
    toString(sumIf(amount_usd, message_type = '${type}' AND status = 'APPROVED')) AS ${name}_value_usd`;
  const [totals] = await rowsOf<TotalsRow>(
    client,
    `WITH payment_id IN (${fraudConfirmedPayments(database)}) AS fraud
    SELECT
      ${paymentFigureColumns()},
      ${followUp('refund', 'refunds')},
      ${followUp('reversal', 'reversals')},
      toUInt32(countIf(message_type = 'payment' AND fraud)) AS fraud_confirmed,
      toString(sumIf(amount_usd, message_type = 'payment' AND fraud)) AS fraud_value_usd,
      quantilesExactIf(0.5, 0.99)(switch_latency_us, message_type = 'payment') AS latency_us
    FROM ${database}.transactions
    WHERE ${rows}`,
    params,
  );
  const settlement = SETTLEMENT[scope.side];
  const currencies = await rowsOf<{ currency: string; payments: number; value: string; approved_value: string }>(
    client,
    `SELECT ${settlement.currency} AS currency, toUInt32(count()) AS payments,
      toString(sum(${settlement.amount})) AS value,
      toString(sumIf(${settlement.amount}, status = 'APPROVED')) AS approved_value
    FROM ${database}.transactions
    WHERE ${rows} AND message_type = 'payment'
    GROUP BY currency ORDER BY currency`,
    params,
  );
  const reasons = await rowsOf<{ reason: string; source: 'risk' | 'issuer'; payments: number }>(
    client,
    `SELECT ${DECLINE_REASON} AS reason, any(${DECLINE_SOURCE}) AS source, toUInt32(count()) AS payments
    FROM ${database}.transactions
    WHERE ${rows} AND message_type = 'payment' AND status = 'DECLINED'
    GROUP BY reason ORDER BY payments DESC, reason`,
    params,
  );
  const t = totals!;
  const measured = t.payments > 0;
  return {
    participant: scope.participant,
    side: scope.side,
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    payments: paymentFigures(t),
    settlement: currencies.map((c) => ({ currency: c.currency, payments: c.payments, value: decimalText(c.value), approvedValue: decimalText(c.approved_value) })),
    refunds: { count: t.refunds, approved: t.refunds_approved, approvedValueUsd: decimalText(t.refunds_value_usd) },
    reversals: { count: t.reversals, approved: t.reversals_approved, approvedValueUsd: decimalText(t.reversals_value_usd) },
    declineReasons: reasons,
    fraudConfirmed: { payments: t.fraud_confirmed, rate: rate(t.fraud_confirmed, t.payments), valueUsd: decimalText(t.fraud_value_usd) },
    latency: { p50Ms: latencyMs(t.latency_us[0], measured), p99Ms: latencyMs(t.latency_us[1], measured) },
  };
}
