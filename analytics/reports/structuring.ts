import Type from 'typebox';
import { AMOUNT_CNY, decimal4, From, Limit, Participant, text, ThresholdCny, ThresholdUsd, To, WalletId, WINDOW_AND_PARTICIPANT, windowParams } from './params.ts';
import type { ReportDefinition } from './report.ts';

/** Payers who split payments just under the large-value threshold. */
export const structuringCandidates: ReportDefinition = {
  name: 'structuring-candidates',
  title: 'Structuring candidates',
  description:
    'Payers (per participant and wallet) with at least minCount approved payments within any 24 hours, each at minShare ' +
    'of the large-value threshold or more (in USD or in CNY) without reaching it. Payments before the window do not count.',
  params: Type.Object(
    {
      from: From,
      to: To,
      participant: Participant,
      walletId: WalletId,
      thresholdUsd: ThresholdUsd,
      thresholdCny: ThresholdCny,
      minShare: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.99, default: 0.8, description: 'Share of the threshold from which a payment is "just under" it' })),
      minCount: Type.Optional(Type.Integer({ minimum: 2, maximum: 100, default: 3, description: 'Payments just under the threshold within 24 hours that make a candidate' })),
      limit: Limit,
    },
    { additionalProperties: false },
  ),
  maxSpanDays: 92,
  sql: (db) => `
    SELECT
      participant,
      wallet_id,
      toUInt32(count()) AS near_threshold_payments,
      toUInt32(max(in_24h)) AS max_in_24h,
      min(received_at) AS first_at,
      max(received_at) AS last_at,
      sum(amount_usd) AS total_usd,
      toUInt32(uniqExact(merchant_id)) AS merchants
    FROM
    (
      SELECT participant, wallet_id, received_at, amount_usd, merchant_id,
        count() OVER (
          PARTITION BY participant, wallet_id ORDER BY toUnixTimestamp64Milli(received_at)
          RANGE BETWEEN 86399999 PRECEDING AND CURRENT ROW
        ) AS in_24h
      FROM
      (
        SELECT participant, wallet_id, received_at, amount_usd, merchant_id, ${AMOUNT_CNY} AS amount_cny
        FROM ${db}.transactions
        WHERE message_type = 'payment' AND status = 'APPROVED'
          AND ${WINDOW_AND_PARTICIPANT}
          AND ({walletId:String} = '' OR wallet_id = {walletId:String})
      )
      WHERE amount_usd < {thresholdUsd:Decimal(18, 4)} AND amount_cny < {thresholdCny:Decimal(18, 4)}
        AND (amount_usd >= {nearUsd:Decimal(18, 4)} OR amount_cny >= {nearCny:Decimal(18, 4)})
    )
    GROUP BY participant, wallet_id
    HAVING max_in_24h >= {minCount:UInt32}
    ORDER BY max_in_24h DESC, participant, wallet_id
    LIMIT {limit:UInt32}`,
  bind: (p, context) => ({
    ...windowParams(p),
    walletId: text(p.walletId),
    thresholdUsd: decimal4(p.thresholdUsd),
    thresholdCny: decimal4(p.thresholdCny),
    nearUsd: decimal4(Number(p.thresholdUsd) * Number(p.minShare)),
    nearCny: decimal4(Number(p.thresholdCny) * Number(p.minShare)),
    cnyPerUsd: context.cnyPerUsd,
    minCount: p.minCount,
    limit: p.limit,
  }),
};
