/**
 * One row of `transactions` (analytics/schema/migrations.ts) in the JSONEachRow shape
 * ClickHouse reads: the ingest writer builds it (ingest/transaction-row.ts), the backtest
 * reads its columns back (analytics/backtest/transaction-source.ts). Imports nothing.
 */
export interface TransactionRow {
  payment_id: string;
  message_type: string;
  original_payment_id: string;
  participant: string;
  participant_kind: string;
  initiator: string;
  txn_id: string;
  direction: string;
  corridor: string;
  payer_market: string;
  wallet_id: string;
  user_id: string;
  device_id: string;
  ip: string;
  payer_country: string;
  lat: number | null;
  lon: number | null;
  merchant_id: string;
  merchant_name: string;
  mcc: string;
  merchant_country: string;
  merchant_city: string;
  acquirer: string;
  network: string;
  amount: string;
  currency: string;
  amount_usd: string;
  settlement_amount: string;
  settlement_currency: string;
  fx_rate: string;
  status: string;
  decline_code: string;
  risk_score: number;
  decision: string;
  reason_rule_ids: string[];
  reasons: string;
  rule_set_version: string;
  shadow_rule_ids: string[];
  switch_latency_us: number;
  risk_latency_us: number;
  received_at: string;
  decided_at: string;
  stream_id: string;
}
