import type { ClickHouseClient } from '@clickhouse/client';

/** Counts and rates of payments, as every analytics answer shows them. */
export interface PaymentFigures {
  payments: number;
  approved: number;
  declined: number;
  review: number;
  approvalRate: number;
  declineRate: number;
  reviewRate: number;
  valueUsd: string;
  approvedValueUsd: string;
}

/**
 * The SELECT list behind PaymentFigures, over the rows where `payment` holds (a constant
 * condition, never input); counts cast to UInt32, a number from chDB and from a server alike.
 */
export function paymentFigureColumns(payment = "message_type = 'payment'"): string {
  return `
  toUInt32(countIf(${payment})) AS payments,
  toUInt32(countIf(${payment} AND status = 'APPROVED')) AS approved,
  toUInt32(countIf(${payment} AND status = 'DECLINED')) AS declined,
  toUInt32(countIf(${payment} AND decision = 'review')) AS review,
  toString(sumIf(amount_usd, ${payment})) AS value_usd,
  toString(sumIf(amount_usd, ${payment} AND status = 'APPROVED')) AS approved_value_usd`;
}

export interface PaymentFigureRow {
  payments: number;
  approved: number;
  declined: number;
  review: number;
  value_usd: string;
  approved_value_usd: string;
}

export function paymentFigures(row: PaymentFigureRow): PaymentFigures {
  return {
    payments: row.payments,
    approved: row.approved,
    declined: row.declined,
    review: row.review,
    approvalRate: rate(row.approved, row.payments),
    declineRate: rate(row.declined, row.payments),
    reviewRate: rate(row.review, row.payments),
    valueUsd: decimalText(row.value_usd),
    approvedValueUsd: decimalText(row.approved_value_usd),
  };
}

export function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** Decimals as exact text without trailing zeros ("12.5", "0"), whatever the server's output settings. */
export function decimalText(text: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
}

/** Switch latency in ms from microseconds; null when there is nothing to measure. */
export function latencyMs(us: number | undefined, measured: boolean): number | null {
  return measured && us !== undefined ? us / 1000 : null;
}

export async function rowsOf<T>(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}
