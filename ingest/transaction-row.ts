import type { TransactionRow } from '../domain/transaction-row.ts';
import type { TapEntry } from './tap-stream.ts';

export type { TransactionRow } from '../domain/transaction-row.ts';

/** ClickHouse reads 'YYYY-MM-DD hh:mm:ss.sss' as DateTime64(3, 'UTC') on every version. */
export function clickhouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A latency as UInt32 takes it: whole, within range. */
export const clampUInt32 = (n: number) => Math.max(0, Math.min(4_294_967_295, Math.round(n)));
/** A year of birth for its UInt16 column: anything but a whole year in range is none (0). */
export const birthYearColumn = (year: unknown) => (Number.isInteger(year) && (year as number) > 0 && (year as number) <= 65_535 ? (year as number) : 0);

export function transactionRow(entry: TapEntry): TransactionRow {
  if (entry.kind === 'rejected') {
    const m = entry.message;
    return {
      payment_id: m.paymentId,
      message_type: 'rejected',
      original_payment_id: m.originalPaymentId ?? '',
      participant: m.participant,
      participant_kind: '',
      initiator: m.initiator,
      txn_id: m.txnId ?? '',
      direction: '',
      corridor: '',
      payer_market: '',
      wallet_id: m.payer?.walletId ?? '',
      payer_name: m.payer?.name ?? '',
      payer_birth_year: 0,
      payer_nationality: '',
      user_id: m.payer?.userId ?? '',
      device_id: m.payer?.deviceId ?? '',
      ip: m.payer?.ip ?? '',
      payer_country: m.payer?.country ?? '',
      lat: m.payer?.location?.lat ?? null,
      lon: m.payer?.location?.lon ?? null,
      merchant_id: m.merchant?.id ?? '',
      merchant_name: m.merchant?.name ?? '',
      merchant_alt_names: [],
      mcc: m.merchant?.mcc ?? '',
      merchant_country: m.merchant?.country ?? '',
      merchant_city: m.merchant?.city ?? '',
      acquirer: m.merchant?.acquirer ?? '',
      network: m.merchant?.network ?? '',
      // A rejected amount may be anything the caller sent; only a plain decimal is kept.
      amount: /^\d{1,14}(\.\d{1,4})?$/.test(m.amount?.value ?? '') ? m.amount!.value : '0',
      currency: m.amount?.currency ?? '',
      amount_usd: '0',
      settlement_amount: '0',
      settlement_currency: '',
      fx_rate: '0',
      status: 'REJECTED',
      decline_code: m.rejectCode,
      risk_score: 0,
      decision: '',
      reason_rule_ids: [],
      reasons: '[]',
      rule_set_version: '',
      screening_lists: '',
      settlement_held: 0,
      shadow_rule_ids: [],
      switch_latency_us: 0,
      risk_latency_us: 0,
      received_at: clickhouseTime(m.receivedAt),
      decided_at: clickhouseTime(m.receivedAt),
      qr_warnings: [],
      stream_id: entry.streamId,
    };
  }
  const e = entry.event;
  return {
    payment_id: e.paymentId,
    message_type: e.messageType,
    original_payment_id: e.originalPaymentId ?? '',
    participant: e.participant,
    participant_kind: e.participantKind,
    initiator: e.initiator,
    txn_id: e.txnId,
    direction: e.direction,
    corridor: e.corridor,
    payer_market: e.corridor.split('-')[0] ?? '',
    wallet_id: e.payer.walletId,
    payer_name: e.payer.name ?? '',
    payer_birth_year: birthYearColumn(e.payer.birthYear),
    payer_nationality: e.payer.nationality ?? '',
    user_id: e.payer.userId ?? '',
    device_id: e.payer.deviceId ?? '',
    ip: e.payer.ip ?? '',
    payer_country: e.payer.country ?? '',
    lat: e.payer.location?.lat ?? null,
    lon: e.payer.location?.lon ?? null,
    merchant_id: e.merchant.id,
    merchant_name: e.merchant.name,
    merchant_alt_names: e.merchant.altNames ?? [],
    mcc: e.merchant.mcc,
    merchant_country: e.merchant.country,
    merchant_city: e.merchant.city,
    acquirer: e.merchant.acquirer,
    network: e.merchant.network,
    amount: e.amount.value,
    currency: e.amount.currency,
    amount_usd: e.amountUsd,
    settlement_amount: e.settlement.value,
    settlement_currency: e.settlement.currency,
    fx_rate: e.settlement.fxRate,
    status: e.status,
    decline_code: e.declineCode ?? '',
    risk_score: e.risk.score,
    decision: e.risk.decision,
    reason_rule_ids: e.risk.reasons.map((r) => r.ruleId),
    reasons: JSON.stringify(e.risk.reasons),
    rule_set_version: e.risk.ruleSetVersion,
    screening_lists: e.risk.screeningLists ?? '',
    settlement_held: e.settlementHeld === true ? 1 : 0,
    shadow_rule_ids: e.risk.shadowHits.map((r) => r.ruleId),
    switch_latency_us: clampUInt32(e.switchLatencyUs),
    risk_latency_us: clampUInt32(e.riskLatencyUs),
    received_at: clickhouseTime(e.receivedAt),
    decided_at: clickhouseTime(e.decidedAt),
    qr_warnings: e.qrWarnings ?? [],
    stream_id: entry.streamId,
  };
}
