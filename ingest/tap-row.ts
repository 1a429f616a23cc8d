import type { PaymentStatus, RiskReason, TapEvent, TransactionEvent } from '../domain/transaction.ts';
import { messageOfRow, type MessageColumns } from '../domain/transaction-row.ts';
import { birthYearColumn, clickhouseTime, clampUInt32 } from './transaction-row.ts';

/**
 * The tap entry in row form: the `transactions` row of an event as its JSONEachRow text,
 * written once by the switch, so the writer inserts it without parsing and rebuilding it.
 * What the commit decides after the entry was made (status, decline code, the credited
 * settlement value of a follow-up) and the entry's stream id are spliced in by the writer:
 *
 *   {"payment_id":...,"qr_warnings":[],"settlement_amount":"50.28"[,"shadow_hits":"[...]"]}
 *   -> {"payment_id":...,"qr_warnings":[],"settlement_amount":"50.28","status":"APPROVED","decline_code":"","stream_id":"1-0"}
 *
 * `settlement_amount` is the last column so that a credited value replaces it with a cut,
 * not a search; `shadow_hits` (only when a shadow rule fired) keeps what the row's
 * shadow_rule_ids drop, so the event reads back whole, and is cut off before the insert.
 * Both keys are found from the end: every string value before them is JSON-escaped, so
 * their quoted names cannot occur inside one.
 */

/** How an entry in row form starts; an older entry (the event as JSON) never does. */
export const ROW_FORM = '{"payment_id":';
const SETTLEMENT = ',"settlement_amount":';
const SHADOW_HITS = ',"shadow_hits":';

/** The entry of an event: its row but the columns the commit and the stream decide. */
export function tapRowOf(event: TapEvent): string {
  const risk = event.risk;
  const payer = event.payer;
  const merchant = event.merchant;
  const text = JSON.stringify({
    payment_id: event.paymentId,
    message_type: event.messageType,
    original_payment_id: event.originalPaymentId ?? '',
    participant: event.participant,
    participant_kind: event.participantKind,
    initiator: event.initiator,
    txn_id: event.txnId,
    direction: event.direction,
    corridor: event.corridor,
    payer_market: event.corridor.split('-')[0] ?? '',
    wallet_id: payer.walletId,
    payer_name: payer.name ?? '',
    payer_birth_year: birthYearColumn(payer.birthYear),
    payer_nationality: payer.nationality ?? '',
    user_id: payer.userId ?? '',
    device_id: payer.deviceId ?? '',
    ip: payer.ip ?? '',
    payer_country: payer.country ?? '',
    lat: payer.location?.lat ?? null,
    lon: payer.location?.lon ?? null,
    merchant_id: merchant.id,
    merchant_name: merchant.name,
    merchant_alt_names: merchant.altNames ?? [],
    mcc: merchant.mcc,
    merchant_country: merchant.country,
    merchant_city: merchant.city,
    acquirer: merchant.acquirer,
    network: merchant.network,
    amount: event.amount.value,
    currency: event.amount.currency,
    amount_usd: event.amountUsd,
    settlement_currency: event.settlement.currency,
    fx_rate: event.settlement.fxRate,
    risk_score: risk.score,
    decision: risk.decision,
    reason_rule_ids: risk.reasons.map((r) => r.ruleId),
    reasons: JSON.stringify(risk.reasons),
    rule_set_version: risk.ruleSetVersion,
    screening_lists: risk.screeningLists ?? '',
    settlement_held: event.settlementHeld === true ? 1 : 0,
    shadow_rule_ids: risk.shadowHits.map((r) => r.ruleId),
    switch_latency_us: clampUInt32(event.switchLatencyUs),
    risk_latency_us: clampUInt32(event.riskLatencyUs),
    received_at: clickhouseTime(event.receivedAt),
    decided_at: clickhouseTime(event.decidedAt),
    qr_warnings: event.qrWarnings ?? [],
    settlement_amount: event.settlement.value,
  });
  return risk.shadowHits.length === 0 ? text : `${text.slice(0, -1)}${SHADOW_HITS}${JSON.stringify(JSON.stringify(risk.shadowHits))}}`;
}

/** The commit's fields of an entry, as the commit scripts write them. */
export interface Settled {
  status: string;
  declineCode: string;
  /** The settlement value credited (follow-ups). */
  credited: string | undefined;
}

/**
 * The JSONEachRow line of an entry in row form: string cuts and concatenation only.
 * Undefined when the text is not one `tapRowOf` wrote or the status is none a commit
 * writes: the entry makes no row.
 */
export function rowLineOf(streamId: string, text: string, settled: Settled): string | undefined {
  const { status, declineCode, credited } = settled;
  if (status !== 'APPROVED' && status !== 'DECLINED') return undefined;
  if (!text.startsWith(ROW_FORM) || text.charCodeAt(text.length - 1) !== 0x7d) return undefined;
  const at = text.lastIndexOf(SETTLEMENT);
  if (at < 0) return undefined;
  const extra = text.indexOf(SHADOW_HITS, at);
  const settlement = credited !== undefined ? JSON.stringify(credited) : text.slice(at + SETTLEMENT.length, extra < 0 ? -1 : extra);
  const code = declineCode === '' ? '""' : JSON.stringify(declineCode);
  return `${text.slice(0, at)}${SETTLEMENT}${settlement},"status":"${status}","decline_code":${code},"stream_id":"${streamId}"}`;
}

/** An entry's row as `tapRowOf` writes it: the message's columns and what was decided. */
type RowForm = MessageColumns & {
  risk_score: number;
  decision: TransactionEvent['risk']['decision'];
  reasons: string;
  rule_set_version: string;
  screening_lists?: string;
  /** Absent in entries written before holds existed. */
  settlement_held?: number;
  switch_latency_us: number;
  risk_latency_us: number;
  received_at: string;
  decided_at: string;
  /** Absent in entries written before QR warnings were recorded. */
  qr_warnings?: string[];
  shadow_hits?: string;
};

/** Unix ms of a time `clickhouseTime` wrote. */
const unixMs = (time: string) => Date.parse(`${time.replace(' ', 'T')}Z`);

/**
 * The event an entry in row form records, as the older entries read back (messageOfRow);
 * latencies are what the row holds (whole microseconds within UInt32).
 */
export function eventOfRow(text: string, status: PaymentStatus, declineCode: string | undefined, credited: string | undefined): TransactionEvent {
  const r = JSON.parse(text) as RowForm;
  const message = messageOfRow(r, unixMs(r.received_at));
  return {
    ...message,
    settlement: { ...message.settlement, value: credited ?? r.settlement_amount },
    status,
    ...(declineCode ? { declineCode } : {}),
    risk: {
      score: r.risk_score,
      decision: r.decision,
      reasons: JSON.parse(r.reasons) as RiskReason[],
      ruleSetVersion: r.rule_set_version,
      shadowHits: r.shadow_hits === undefined ? [] : (JSON.parse(r.shadow_hits) as RiskReason[]),
      ...(r.screening_lists ? { screeningLists: r.screening_lists } : {}),
    },
    ...(r.qr_warnings?.length ? { qrWarnings: r.qr_warnings } : {}),
    ...(r.settlement_held === 1 ? { settlementHeld: true as const } : {}),
    switchLatencyUs: r.switch_latency_us,
    riskLatencyUs: r.risk_latency_us,
    decidedAt: unixMs(r.decided_at),
  };
}
