import type { ClickHouseClient } from '@clickhouse/client';
import { STORED_RATE } from '../../domain/amount-limits.ts';
import type { ArchivedPayment, PaymentRecords } from '../../domain/payment-records.ts';
import { messageOfRow, type MessageColumns } from '../../domain/transaction-row.ts';
import type { RiskDecisionKind, RiskReason, TransactionEvent } from '../../domain/transaction.ts';

/**
 * A payment's record read back from `transactions` once its Redis state has gone or its tap
 * entry has been moved: the switch's status queries and repeat answers for the whole
 * retention period. One row per message is the ingest writer's promise; LIMIT 1 BY and the
 * GROUP BY of follow-ups hold even if a row landed twice. Only rows received within the
 * retention are read, as only those were ever answered for.
 */
export function createPaymentRecords(client: ClickHouseClient, database: string, options: { retentionMs: number; now?: () => number }): PaymentRecords {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  const now = options.now ?? Date.now;
  return {
    async find(paymentId, { party } = {}) {
      const params = { paymentId, since: now() - options.retentionMs, ...(party === undefined ? {} : { party }) };
      const partyOnly = party === undefined ? '' : 'AND (participant = {party:String} OR acquirer = {party:String})';
      const [rows, followUps] = await Promise.all([
        select<RecordRow>(client, params, `SELECT ${RECORD_COLUMNS} FROM ${database}.transactions
          WHERE payment_id = {paymentId:String} AND message_type IN ('payment', 'refund', 'reversal')
            AND received_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') ${partyOnly}
          LIMIT 1 BY payment_id`),
        // A follow-up shares its payment's participant and acquirer, so the payment's scope is its scope.
        select<FollowUpRow>(client, params, `SELECT toString(sumIf(amount, type = 'refund')) AS refunded, toUInt8(countIf(type = 'reversal') > 0) AS reversed
          FROM (
            SELECT payment_id, any(message_type) AS type, any(amount) AS amount FROM ${database}.transactions
            WHERE original_payment_id = {paymentId:String} AND status = 'APPROVED' AND message_type IN ('refund', 'reversal')
              AND received_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') ${partyOnly}
            GROUP BY payment_id
          )`),
      ]);
      const row = rows[0];
      if (!row) return undefined;
      const totals = followUps[0];
      const archived: ArchivedPayment = {
        event: eventOf(row),
        refunded: totals?.refunded ?? '0',
        reversed: Number(totals?.reversed ?? 0) === 1,
      };
      return archived;
    },
  };
}

async function select<T>(client: ClickHouseClient, params: Record<string, unknown>, query: string): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

const RECORD_COLUMNS = `payment_id, message_type, original_payment_id, participant, participant_kind, initiator, txn_id,
  direction, corridor, wallet_id, payer_name, payer_birth_year, payer_nationality, user_id, device_id, ip, payer_country, lat, lon,
  merchant_id, merchant_name, merchant_alt_names, mcc, merchant_country, merchant_city, acquirer, network,
  toString(amount) AS amount, currency, toString(amount_usd) AS amount_usd,
  toString(settlement_amount) AS settlement_amount, settlement_currency, toString(fx_rate) AS fx_rate,
  status, decline_code, toUInt32(risk_score) AS risk_score, decision, reasons, rule_set_version, shadow_rule_ids, settlement_held,
  toUInt32(switch_latency_us) AS switch_latency_us, toUInt32(risk_latency_us) AS risk_latency_us,
  toString(toUnixTimestamp64Milli(received_at)) AS received_ms, toString(toUnixTimestamp64Milli(decided_at)) AS decided_ms`;

/** The columns read: the message's, and what was decided about it. */
type RecordRow = MessageColumns & {
  status: string;
  decline_code: string;
  risk_score: number | string;
  decision: string;
  reasons: string;
  rule_set_version: string;
  shadow_rule_ids: string[];
  settlement_held: number | string;
  switch_latency_us: number | string;
  risk_latency_us: number | string;
  received_ms: string;
  decided_ms: string;
};

interface FollowUpRow {
  refunded: string;
  reversed: number | string;
}

/** The rate as the switch quotes it: every decimal place of the column, which ClickHouse prints without trailing zeros. */
function quotedRate(text: string): string {
  const [units = '0', fraction = ''] = text.split('.');
  return `${units}.${fraction.padEnd(STORED_RATE.scale, '0')}`;
}

/** The event the tap streamed, from its row. Shadow hits keep only their rule ids: the row holds no more of them. */
function eventOf(r: RecordRow): TransactionEvent {
  return {
    ...messageOfRow(r, Number(r.received_ms), quotedRate(r.fx_rate)),
    status: r.status === 'APPROVED' ? 'APPROVED' : 'DECLINED',
    ...(r.decline_code ? { declineCode: r.decline_code } : {}),
    risk: {
      score: Number(r.risk_score),
      decision: r.decision as RiskDecisionKind,
      reasons: JSON.parse(r.reasons) as RiskReason[],
      ruleSetVersion: r.rule_set_version,
      shadowHits: r.shadow_rule_ids.map((ruleId) => ({ ruleId, ruleVersion: 0, message: '' })),
    },
    ...(Number(r.settlement_held) === 1 ? { settlementHeld: true as const } : {}),
    switchLatencyUs: Number(r.switch_latency_us),
    riskLatencyUs: Number(r.risk_latency_us),
    decidedAt: Number(r.decided_ms),
  };
}
