import type { MessageType, SwitchedMessage } from '../../domain/transaction.ts';
import { amountInCny, isNearThreshold, SMALL_PAYMENT_USD, usdCents } from '../facts/gather.ts';
import { scopedMember } from '../facts/keys.ts';

/**
 * What the velocity state keeps of one scored message: its entities, amount and outcome,
 * without the rest of the message. The same value is applied on the node that scored the
 * message, sent to the other nodes in its delta batch, and rebuilt from history on start.
 * Wallet and device ids are unique only within their participant, so they carry it.
 */
export interface Observation {
  /** The message's payment id: replays and deltas of one message are applied once. */
  id: string;
  /** Receipt time (ms): the buckets and days it counts in. */
  t: number;
  type: MessageType;
  payer: string;
  device?: string;
  ip?: string;
  merchant: string;
  cents: number;
  /** Below the small-payment amount (what probing looks for). */
  small: boolean;
  /** Near, but below, the large-value threshold (structuring). */
  near: boolean;
  location?: { lat: number; lon: number };
  /** What the commit decided; absent while undecided or when the commit never ran. */
  status?: 'APPROVED' | 'DECLINED';
}

export function observationOf(message: SwitchedMessage, cnyPerUsd: number): Observation {
  const cents = usdCents(message.amountUsd);
  const usd = cents / 100;
  const { deviceId, ip, location } = message.payer;
  return {
    id: message.paymentId,
    t: message.receivedAt,
    type: message.messageType,
    payer: scopedMember(message.participant, message.payer.walletId),
    ...(deviceId ? { device: scopedMember(message.participant, deviceId) } : {}),
    ...(ip ? { ip } : {}),
    merchant: message.merchant.id,
    cents,
    small: usd < SMALL_PAYMENT_USD,
    near: isNearThreshold(usd, amountInCny(message, usd, cnyPerUsd)),
    ...(location ? { location: { lat: location.lat, lon: location.lon } } : {}),
  };
}
