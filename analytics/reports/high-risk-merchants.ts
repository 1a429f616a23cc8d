import Type from 'typebox';
import { From, Limit, Participant, To, WINDOW_AND_PARTICIPANT, windowParams } from './params.ts';
import type { ReportDefinition } from './report.ts';

const Rate = (description: string) => Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0, description }));

/** Merchants ranked by confirmed fraud, alerts and declines among their payments. */
export const highRiskMerchants: ReportDefinition = {
  name: 'high-risk-merchants',
  title: 'High-risk merchants',
  description:
    'Per merchant, over its payments in the window: declined payments and the decline rate; alerted payments (those that ' +
    'raised or joined an alert) and the alert rate; confirmed fraud (payments of alerts resolved with disposition "fraud") ' +
    'and the fraud rate. Merchants with at least minPayments payments meeting any rate threshold, highest fraud rate first.',
  params: Type.Object(
    {
      from: From,
      to: To,
      participant: Participant,
      minPayments: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'Merchants with fewer payments are left out' })),
      minDeclineRate: Rate('Decline rate (0-1) from which a merchant is listed'),
      minAlertRate: Rate('Alert rate (0-1) from which a merchant is listed'),
      minFraudRate: Rate('Confirmed-fraud rate (0-1) from which a merchant is listed'),
      limit: Limit,
    },
    { additionalProperties: false },
  ),
  maxSpanDays: 92,
  sql: (db) => `
    WITH
      window_payments AS
      (
        SELECT payment_id, merchant_id, merchant_name, mcc, merchant_country, acquirer, status
        FROM ${db}.transactions
        WHERE message_type = 'payment' AND ${WINDOW_AND_PARTICIPANT}
      ),
      -- Every alerted payment since the window's start: only window payments are looked up in it below, so it needs no
      -- set of the window's (millions of) payment ids to be built first.
      alerted_payments AS
      (
        SELECT DISTINCT payment_id, alert_id
        FROM ${db}.alert_events
        WHERE kind IN ('created', 'grouped') AND at >= {from:DateTime64(3, 'UTC')}
      ),
      fraud_alerts AS
      (
        SELECT alert_id
        FROM ${db}.alert_events
        WHERE kind = 'resolved' AND at >= {from:DateTime64(3, 'UTC')}
        GROUP BY alert_id
        HAVING argMax(disposition, at) = 'fraud'
      )
    SELECT
      merchant_id,
      any(merchant_name) AS merchant_name,
      any(mcc) AS mcc,
      any(merchant_country) AS merchant_country,
      any(acquirer) AS acquirer,
      toUInt32(count()) AS payments,
      toUInt32(countIf(status = 'DECLINED')) AS declined,
      declined / payments AS decline_rate,
      toUInt32(countIf(payment_id IN (SELECT payment_id FROM alerted_payments))) AS alerted,
      alerted / payments AS alert_rate,
      toUInt32(countIf(payment_id IN (SELECT payment_id FROM alerted_payments WHERE alert_id IN (SELECT alert_id FROM fraud_alerts)))) AS confirmed_fraud,
      confirmed_fraud / payments AS fraud_rate
    FROM window_payments
    GROUP BY merchant_id
    HAVING payments >= {minPayments:UInt32}
      AND (decline_rate >= {minDeclineRate:Float64} OR alert_rate >= {minAlertRate:Float64} OR fraud_rate >= {minFraudRate:Float64})
    ORDER BY fraud_rate DESC, alert_rate DESC, decline_rate DESC, merchant_id
    LIMIT {limit:UInt32}`,
  bind: (p) => ({
    ...windowParams(p),
    minPayments: p.minPayments,
    minDeclineRate: p.minDeclineRate,
    minAlertRate: p.minAlertRate,
    minFraudRate: p.minFraudRate,
    limit: p.limit,
  }),
};
