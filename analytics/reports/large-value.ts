import Type from 'typebox';
import { AMOUNT_CNY, decimal4, From, Limit, Participant, text, ThresholdCny, ThresholdUsd, Timezone, To, WalletId, WINDOW_AND_PARTICIPANT, windowParams } from './params.ts';
import type { ReportDefinition } from './report.ts';

/** The rows that make up payer days: approved payments in the window, optionally of one participant and one wallet. */
const PAYER_DAY_ROWS = `message_type = 'payment' AND status = 'APPROVED'
        AND ${WINDOW_AND_PARTICIPANT}
        AND ({walletId:String} = '' OR wallet_id = {walletId:String})`;

/**
 * A coarse bucket of payer days: the calendar day in the chosen time zone (high 32 bits) and a hash of participant and
 * wallet folded to 16,384 values (low bits). Every payer day lies in exactly one bucket.
 */
const BUCKET = `bitOr(bitShiftLeft(toUInt64(toUInt16(toDate(received_at, {timezone:String}))), 32), cityHash64(participant, wallet_id) % 16384)`;

/**
 * The first pass's thresholds are lowered by one part in a million: Float64 sums of at most millions of positive
 * amounts err by far less (about 1e-16 relative per addition), so the coarse pass stays a true upper bound.
 */
const BOUND_MARGIN = '0.999999';

/** PBOC large-value reporting: a payer's day with one payment, or the day's total, at or above the threshold. */
export const largeValueTransactions: ReportDefinition = {
  name: 'large-value-transactions',
  title: 'Large-value transactions',
  description:
    'Payer days (per participant and wallet, calendar day in the chosen time zone) of approved payments where one payment ' +
    '(single_over) or the day\'s total (cumulative_over) reaches the large-value threshold in USD or in CNY. CNY amounts ' +
    'are the paid amount when paid in CNY, else the USD amount at the gateway\'s configured CNY rate.',
  params: Type.Object(
    { from: From, to: To, participant: Participant, walletId: WalletId, thresholdUsd: ThresholdUsd, thresholdCny: ThresholdCny, timezone: Timezone, limit: Limit },
    { additionalProperties: false },
  ),
  maxSpanDays: 92,
  // Grouping every payer day exactly (millions of keys, Decimal128 sums) is what made this report slow. A first pass
  // groups the same rows into coarse buckets (a Beijing or UTC day x a hash of participant and wallet, about 16k
  // buckets a day): a bucket's total of positive amounts bounds the total and the largest payment of every payer day
  // in it, so payer days outside the buckets that reach a threshold cannot reach it either. The exact pass then
  // groups only the rows of those buckets, with the same decimals and conditions as before: the answer is unchanged.
  // The bound is summed in Float64 (Decimal128 sums were half of the first pass) against the threshold lowered by
  // BOUND_MARGIN, so rounding can only let a bucket more through, never keep a payer day out.
  sql: (db) => `
    WITH candidate_buckets AS
    (
      SELECT ${BUCKET} AS bucket
      FROM ${db}.transactions
      WHERE ${PAYER_DAY_ROWS}
      GROUP BY bucket
      HAVING sum(if(amount_usd > 0, toFloat64(amount_usd), 0.)) >= toFloat64({thresholdUsd:Decimal(18, 4)}) * ${BOUND_MARGIN}
        OR sum(if(currency = 'CNY', if(amount > 0, toFloat64(amount), 0.), if(amount_usd > 0, toFloat64(amount_usd) * toFloat64({cnyPerUsd:Decimal(18, 8)}), 0.)))
          >= toFloat64({thresholdCny:Decimal(18, 4)}) * ${BOUND_MARGIN}
    )
    SELECT
      day,
      participant,
      wallet_id,
      toUInt32(count()) AS payments,
      sum(amount_usd) AS total_usd,
      CAST(round(sum(amount_cny), 4) AS Decimal(38, 4)) AS total_cny,
      max(amount_usd) AS largest_usd,
      CAST(round(max(amount_cny), 4) AS Decimal(38, 4)) AS largest_cny,
      CAST(max(amount_usd) >= {thresholdUsd:Decimal(18, 4)} OR max(amount_cny) >= {thresholdCny:Decimal(18, 4)} AS Bool) AS single_over,
      CAST(sum(amount_usd) >= {thresholdUsd:Decimal(18, 4)} OR sum(amount_cny) >= {thresholdCny:Decimal(18, 4)} AS Bool) AS cumulative_over
    FROM
    (
      SELECT toDate(received_at, {timezone:String}) AS day, participant, wallet_id, amount_usd, ${AMOUNT_CNY} AS amount_cny
      FROM ${db}.transactions
      WHERE ${PAYER_DAY_ROWS}
        AND ${BUCKET} IN candidate_buckets
    )
    GROUP BY day, participant, wallet_id
    HAVING single_over OR cumulative_over
    ORDER BY day, participant, wallet_id
    LIMIT {limit:UInt32}`,
  bind: (p, context) => ({
    ...windowParams(p),
    walletId: text(p.walletId),
    thresholdUsd: decimal4(p.thresholdUsd),
    thresholdCny: decimal4(p.thresholdCny),
    cnyPerUsd: context.cnyPerUsd,
    timezone: p.timezone,
    limit: p.limit,
  }),
};
