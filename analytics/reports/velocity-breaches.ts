import Type from 'typebox';
import { From, Limit, Participant, text, To, WalletId, WINDOW_AND_PARTICIPANT, windowParams } from './params.ts';
import type { ReportDefinition } from './report.ts';

/** Payments a velocity rule fired on, one row per payment and rule, with the count seen and the limit. */
export const velocityBreaches: ReportDefinition = {
  name: 'velocity-breaches',
  title: 'Velocity-limit breaches',
  description:
    'Payments whose risk reasons carry a velocity rule (rule id starting with "velocity-"): one row per payment and rule, ' +
    'with the rule version, the value observed and the limit it broke, and what was decided.',
  params: Type.Object(
    {
      from: From,
      to: To,
      participant: Participant,
      walletId: WalletId,
      ruleId: Type.Optional(Type.String({ pattern: '^velocity-[a-z0-9-]{1,54}$', description: 'Only this velocity rule, e.g. "velocity-device-burst"' })),
      limit: Limit,
    },
    { additionalProperties: false },
  ),
  maxSpanDays: 31,
  sql: (db) => `
    SELECT
      received_at,
      payment_id,
      participant,
      wallet_id,
      device_id,
      merchant_id,
      JSONExtractString(reason, 'ruleId') AS rule_id,
      toUInt32(JSONExtractUInt(reason, 'ruleVersion')) AS rule_version,
      JSONExtractFloat(reason, 'value') AS observed,
      JSONExtractFloat(reason, 'threshold') AS threshold,
      risk_score,
      decision,
      status
    FROM ${db}.transactions
    ARRAY JOIN JSONExtractArrayRaw(reasons) AS reason
    WHERE message_type = 'payment'
      AND ${WINDOW_AND_PARTICIPANT}
      AND ({walletId:String} = '' OR wallet_id = {walletId:String})
      AND arrayExists(id -> startsWith(id, 'velocity-'), reason_rule_ids)
      AND startsWith(JSONExtractString(reason, 'ruleId'), 'velocity-')
      AND ({ruleId:String} = '' OR JSONExtractString(reason, 'ruleId') = {ruleId:String})
    ORDER BY received_at, payment_id, rule_id
    LIMIT {limit:UInt32}`,
  bind: (p) => ({ ...windowParams(p), walletId: text(p.walletId), ruleId: text(p.ruleId), limit: p.limit }),
};
