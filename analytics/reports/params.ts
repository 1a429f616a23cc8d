import Type from 'typebox';

/**
 * Parameter schemas several reports share, and how their values become bound parameters.
 * An optional filter left out binds as '' and the SQL reads `({p:String} = '' OR col = {p:String})`,
 * so a filter never changes the text of the query.
 */

export const From = Type.String({ format: 'date-time', description: 'Start of the window, inclusive (RFC 3339, e.g. 2025-03-01T00:00:00Z)' });
export const To = Type.String({ format: 'date-time', description: 'End of the window, exclusive (RFC 3339)' });

export const Participant = Type.Optional(
  Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,62}$', description: 'Only this participant (wallet id), e.g. "siam-wallet"; all when omitted' }),
);

// Any printable text: wallet ids are the wallets' own; control characters are never part of one.
export const WalletId = Type.Optional(
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'Only this payer wallet id; all when omitted' }),
);

export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000, description: 'Most rows returned' }));

export const Timezone = Type.Optional(
  Type.Enum(['Asia/Shanghai', 'UTC'], { default: 'Asia/Shanghai', description: 'Time zone whose calendar days group the rows (PBOC reporting days are Beijing days)' }),
);

export const ThresholdUsd = Type.Optional(
  Type.Number({ minimum: 1, maximum: 1_000_000_000, default: 10_000, description: 'Large-value threshold in USD (PBOC natural person cross-border: 10,000)' }),
);

export const ThresholdCny = Type.Optional(
  Type.Number({ minimum: 1, maximum: 10_000_000_000, default: 200_000, description: 'Large-value threshold in CNY (PBOC natural person cross-border: 200,000)' }),
);

/** ClickHouse reads 'YYYY-MM-DD hh:mm:ss.sss' as DateTime64(3, 'UTC'); RFC 3339 offsets are applied first. */
export function clickhouseTime(rfc3339: unknown): string {
  return new Date(String(rfc3339)).toISOString().replace('T', ' ').replace('Z', '');
}

/** A positive amount as a Decimal(18, 4) text: never a float's 0.30000000000000004. */
export function decimal4(value: unknown): string {
  return Number(value).toFixed(4);
}

/** from, to and the optional participant, as every window-and-participant report binds them. */
export function windowParams(params: Record<string, unknown>): { from: string; to: string; participant: string } {
  return { from: clickhouseTime(params.from), to: clickhouseTime(params.to), participant: text(params.participant) };
}

/** An optional string filter: '' when absent. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The transactions filter of a window and an optional participant. */
export const WINDOW_AND_PARTICIPANT = `received_at >= {from:DateTime64(3, 'UTC')} AND received_at < {to:DateTime64(3, 'UTC')}
      AND ({participant:String} = '' OR participant = {participant:String})`;

/** An amount in CNY: itself when paid in CNY, else the USD amount at the configured rate (as rules/facts price it). */
export const AMOUNT_CNY = `if(currency = 'CNY', toDecimal128(amount, 12), toDecimal128(amount_usd, 4) * {cnyPerUsd:Decimal(18, 8)})`;
