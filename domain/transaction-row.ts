import type { Direction, MessageType, ParticipantKind, SwitchedMessage } from './transaction.ts';

/**
 * One row of `transactions` (analytics/schema/migrations.ts) in the JSONEachRow shape
 * ClickHouse reads: the ingest writer builds it (ingest/transaction-row.ts), the backtest,
 * the payment look-up and the tap's row-form entries read its columns back. Imports only
 * the domain's types.
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
  /** The payer's name as screened ('' when the message had none). */
  payer_name: string;
  /** The payer's year of birth as screened, 0 when the message had none. */
  payer_birth_year: number;
  /** The payer's nationality as screened (ISO 3166 alpha-2), '' when the message had none. */
  payer_nationality: string;
  user_id: string;
  device_id: string;
  ip: string;
  payer_country: string;
  lat: number | null;
  lon: number | null;
  merchant_id: string;
  merchant_name: string;
  /** The merchant's other names as screened (registry's local name, the QR's template 64); [] without. */
  merchant_alt_names: string[];
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
  /** The screening lists and versions the decision used, "sample:3,ofac:12" ('' with none). */
  screening_lists: string;
  /** 1: approved for the payer with its settlement held at the decision (a release is a case event, not a change of this). */
  settlement_held?: number;
  /** The presented QR's warning codes (switch/qr/warnings.ts), [] without; a row that leaves it out gets the column's DEFAULT []. */
  qr_warnings?: string[];
  shadow_rule_ids: string[];
  switch_latency_us: number;
  risk_latency_us: number;
  received_at: string;
  decided_at: string;
  stream_id: string;
}

/** The columns a scored message is read back from; the rest of a row is what was decided about it. */
export type MessageColumns = Pick<
  TransactionRow,
  | 'payment_id' | 'message_type' | 'original_payment_id' | 'participant' | 'participant_kind' | 'initiator' | 'txn_id'
  | 'direction' | 'corridor' | 'wallet_id' | 'payer_name' | 'payer_birth_year' | 'payer_nationality' | 'user_id' | 'device_id' | 'ip' | 'payer_country' | 'lat' | 'lon'
  | 'merchant_id' | 'merchant_name' | 'merchant_alt_names' | 'mcc' | 'merchant_country' | 'merchant_city' | 'acquirer' | 'network'
  | 'amount' | 'currency' | 'amount_usd' | 'settlement_amount' | 'settlement_currency' | 'fx_rate'
>;

/**
 * The switched message a row records, as the switch built it: optional text the API never
 * takes empty was absent from the message when the row holds it empty. `receivedAt` in unix
 * ms (each reader reads that column in its own form), the rate as the reader quotes it.
 */
export function messageOfRow(r: MessageColumns, receivedAt: number, fxRate: string = r.fx_rate): SwitchedMessage {
  const payer: SwitchedMessage['payer'] = { walletId: r.wallet_id };
  if (r.payer_name) payer.name = r.payer_name;
  // Rows written before migration 8, and rows of other forms, have none.
  if (r.payer_birth_year) payer.birthYear = Number(r.payer_birth_year);
  if (r.payer_nationality) payer.nationality = r.payer_nationality;
  if (r.user_id) payer.userId = r.user_id;
  if (r.device_id) payer.deviceId = r.device_id;
  if (r.ip) payer.ip = r.ip;
  if (r.payer_country) payer.country = r.payer_country;
  if (r.lat !== null && r.lon !== null) payer.location = { lat: Number(r.lat), lon: Number(r.lon) };
  return {
    paymentId: r.payment_id,
    messageType: r.message_type as MessageType,
    ...(r.original_payment_id ? { originalPaymentId: r.original_payment_id } : {}),
    participant: r.participant,
    participantKind: r.participant_kind as ParticipantKind,
    initiator: r.initiator,
    txnId: r.txn_id,
    direction: r.direction as Direction,
    corridor: r.corridor,
    payer,
    merchant: {
      id: r.merchant_id,
      name: r.merchant_name,
      // Rows written before migration 7, and rows of other forms, have none.
      ...(r.merchant_alt_names?.length ? { altNames: r.merchant_alt_names } : {}),
      mcc: r.mcc,
      country: r.merchant_country,
      city: r.merchant_city,
      acquirer: r.acquirer,
      network: r.network,
    },
    amount: { value: r.amount, currency: r.currency },
    amountUsd: r.amount_usd,
    settlement: { value: r.settlement_amount, currency: r.settlement_currency, fxRate },
    receivedAt,
  };
}
