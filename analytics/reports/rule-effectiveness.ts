import Type from 'typebox';
import { From, Limit, Participant, text, To, WINDOW_AND_PARTICIPANT, windowParams } from './params.ts';
import type { ReportDefinition } from './report.ts';

/** What each rule version caught: hits, the alerts it raised, how they were resolved, and its precision. */
export const ruleEffectiveness: ReportDefinition = {
  name: 'rule-effectiveness',
  title: 'Rule effectiveness',
  description:
    'Per rule and version, over messages scored in the window: hits (messages whose reasons carry the rule), of which ' +
    'declined and sent to review; alerts the rule raised (it was the alert\'s top reason); their dispositions (fraud, ' +
    'legitimate, unresolved); precision = fraud / (fraud + legitimate), null until an alert is resolved. Shadow hits are not counted.',
  params: Type.Object(
    {
      from: From,
      to: To,
      participant: Participant,
      ruleId: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$', description: 'Only this rule, e.g. "large-value-single"' })),
      limit: Limit,
    },
    { additionalProperties: false },
  ),
  maxSpanDays: 92,
  sql: (db) => `
    WITH
      hits AS
      (
        SELECT
          payment_id,
          JSONExtractString(reason, 'ruleId') AS hit_rule_id,
          toUInt32(JSONExtractUInt(reason, 'ruleVersion')) AS hit_rule_version,
          decision
        FROM ${db}.transactions
        ARRAY JOIN JSONExtractArrayRaw(reasons) AS reason
        WHERE ${WINDOW_AND_PARTICIPANT}
          AND notEmpty(reason_rule_ids)
          AND ({ruleId:String} = '' OR has(reason_rule_ids, {ruleId:String}))
      ),
      raised AS
      (
        SELECT alert_id, any(payment_id) AS alert_payment_id, any(rule_id) AS alert_rule_id
        FROM ${db}.alert_events
        WHERE kind = 'created' AND at >= {from:DateTime64(3, 'UTC')}
        GROUP BY alert_id
      ),
      resolutions AS
      (
        SELECT alert_id AS resolved_alert_id, argMax(disposition, at) AS final_disposition
        FROM ${db}.alert_events
        WHERE kind = 'resolved' AND at >= {from:DateTime64(3, 'UTC')}
        GROUP BY alert_id
      )
    SELECT
      hit_rule_id AS rule_id,
      hit_rule_version AS rule_version,
      toUInt32(count()) AS hits,
      toUInt32(countIf(decision = 'decline')) AS declined,
      toUInt32(countIf(decision = 'review')) AS reviewed,
      toUInt32(countIf(alert_id != '')) AS alerts,
      toUInt32(countIf(final_disposition = 'fraud')) AS fraud,
      toUInt32(countIf(final_disposition = 'legitimate')) AS legitimate,
      toUInt32(alerts - fraud - legitimate) AS unresolved,
      if(fraud + legitimate = 0, NULL, fraud / (fraud + legitimate)) AS precision
    FROM hits
    LEFT JOIN raised ON alert_payment_id = payment_id AND alert_rule_id = hit_rule_id
    LEFT JOIN resolutions ON resolved_alert_id = alert_id
    WHERE {ruleId:String} = '' OR hit_rule_id = {ruleId:String}
    GROUP BY hit_rule_id, hit_rule_version
    ORDER BY rule_id, rule_version
    LIMIT {limit:UInt32}`,
  bind: (p) => ({ ...windowParams(p), ruleId: text(p.ruleId), limit: p.limit }),
};
