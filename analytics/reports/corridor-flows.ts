import Type from 'typebox';
import { From, Limit, Participant, text, Timezone, To, WINDOW_AND_PARTICIPANT, windowParams } from './params.ts';
import type { ReportDefinition } from './report.ts';

/** How much moves through each corridor per day, in the payer's currency and in settlement currency. */
export const corridorFlows: ReportDefinition = {
  name: 'corridor-flows',
  title: 'Corridor flows',
  description:
    'Payments per calendar day, corridor (payer country - merchant country), direction (inbound, outbound, cross-market, ' +
    'or local: an overseas wallet in its own market), original currency and settlement ' +
    'currency: how many were sent, approved and declined, and the approved value in the original currency, in settlement ' +
    'currency and in USD.',
  params: Type.Object(
    {
      from: From,
      to: To,
      participant: Participant,
      corridor: Type.Optional(Type.String({ pattern: '^[A-Z]{2}-[A-Z]{2}$', description: 'Only this corridor, e.g. "TH-CN"' })),
      timezone: Timezone,
      limit: Limit,
    },
    { additionalProperties: false },
  ),
  maxSpanDays: 366,
  sql: (db) => `
    SELECT
      toDate(received_at, {timezone:String}) AS day,
      corridor,
      direction,
      currency,
      settlement_currency,
      toUInt32(count()) AS payments,
      toUInt32(countIf(status = 'APPROVED')) AS approved,
      toUInt32(countIf(status = 'DECLINED')) AS declined,
      sumIf(amount, status = 'APPROVED') AS amount,
      sumIf(settlement_amount, status = 'APPROVED') AS settlement_amount,
      sumIf(amount_usd, status = 'APPROVED') AS amount_usd
    FROM ${db}.transactions
    WHERE message_type = 'payment'
      AND ${WINDOW_AND_PARTICIPANT}
      AND ({corridor:String} = '' OR corridor = {corridor:String})
    GROUP BY day, corridor, direction, currency, settlement_currency
    ORDER BY day, corridor, direction, currency, settlement_currency
    LIMIT {limit:UInt32}`,
  bind: (p) => ({ ...windowParams(p), corridor: text(p.corridor), timezone: p.timezone, limit: p.limit }),
};
