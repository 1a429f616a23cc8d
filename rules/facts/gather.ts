import type { SwitchedMessage } from '../../domain/transaction.ts';
import type { RiskScripts } from '../lua-scripts.ts';
import { VELOCITY_ENTITIES, VELOCITY_WINDOWS, type VelocityEntity, type VelocityWindow } from './catalog.ts';
import { listKey, messageKeys, scopedMember, type ListName } from './keys.ts';

/**
 * The stored half of the facts: one call of gatherRiskFacts (one round trip), decoded.
 * The rest (ratios, z-score, travel speed...) is computed from it in derive.ts.
 */

/** Payments below this many US dollars count as small (what probing looks for). */
export const SMALL_PAYMENT_USD = 5;
/** PBOC large-value reporting, natural person, cross-border: per payment or per day. */
export const LARGE_VALUE_USD = 10_000;
export const LARGE_VALUE_CNY = 200_000;
/** Structuring: payments at 80% to under 100% of the large-value threshold. */
export const NEAR_THRESHOLD_SHARE = 0.8;

export interface StoredFacts {
  velocity: Record<VelocityEntity, { count: Record<VelocityWindow, number>; amountCents: Record<VelocityWindow, number> }>;
  deviceSmall10m: number;
  ipSmall10m: number;
  nearThreshold24h: number;
  merchantsPerPayer24h: number;
  payersPerMerchant1h: number;
  devicesPerWallet24h: number;
  deviceNew: boolean;
  profile: {
    count: number;
    sumCents: number;
    sumSquaresUsd: number;
    maxCents: number;
    refunds: number;
    last?: { lat: number; lon: number; at: number };
  };
  merchant: { sales: number; refunds: number };
  lists: {
    payerCountrySanctioned: boolean;
    merchantCountrySanctioned: boolean;
    mccHighRisk: boolean;
    deviceBlocked: boolean;
    walletBlocked: boolean;
  };
}

const CENTS = /^(\d{1,16})\.(\d\d)$/;

export function usdCents(amountUsd: string): number {
  // The switch writes exactly two decimals: read as digits, exact up to 2^53 cents, where
  // Number(x) * 100 is off by a cent above about 2^50.
  const m = CENTS.exec(amountUsd);
  if (m) return Number(m[1]! + m[2]!);
  const cents = Math.round(Number(amountUsd) * 100);
  if (!Number.isFinite(cents)) throw new Error(`amountUsd is not a decimal: ${amountUsd}`);
  return cents;
}

export function payerCountry(message: SwitchedMessage): string {
  return message.payer.country ?? message.corridor.split('-')[0] ?? '';
}

/** The amount in CNY: itself when paid in CNY, else the USD amount at the configured rate. */
export function amountInCny(message: SwitchedMessage, usd: number, cnyPerUsd: number): number {
  if (message.amount.currency === 'CNY') {
    const value = Number(message.amount.value);
    if (Number.isFinite(value)) return value;
  }
  return usd * cnyPerUsd;
}

/** Whether an amount is near, but below, the large-value threshold (structuring). */
export function isNearThreshold(usd: number, cny: number): boolean {
  if (usd >= LARGE_VALUE_USD || cny >= LARGE_VALUE_CNY) return false;
  return usd >= NEAR_THRESHOLD_SHARE * LARGE_VALUE_USD || cny >= NEAR_THRESHOLD_SHARE * LARGE_VALUE_CNY;
}

export function gatherArgs(message: SwitchedMessage): string[] {
  const k = messageKeys(message);
  const device = message.payer.deviceId ?? '';
  const usd = usdCents(message.amountUsd) / 100;
  return [
    k.payerVelocity,
    k.deviceVelocity,
    k.ipVelocity,
    k.merchantVelocity,
    k.pairVelocity,
    k.payerMerchants,
    k.merchantPayers,
    k.walletDevices,
    k.payerProfile,
    k.merchantProfile,
    listKey('sanctioned-countries'),
    listKey('high-risk-mccs'),
    listKey('blocked-devices'),
    listKey('blocked-wallets'),
    String(message.receivedAt),
    message.messageType === 'payment' ? '1' : '0',
    device ? '1' : '0',
    message.payer.ip ? '1' : '0',
    usd < SMALL_PAYMENT_USD ? '1' : '0',
    message.merchant.id,
    scopedMember(message.participant, message.payer.walletId),
    device,
    payerCountry(message),
    message.merchant.country,
    message.merchant.mcc,
    device ? scopedMember(message.participant, device) : '',
    scopedMember(message.participant, message.payer.walletId),
  ];
}

export async function gatherStoredFacts(redis: RiskScripts, message: SwitchedMessage): Promise<StoredFacts> {
  return decodeStoredFacts(await redis.gatherRiskFacts(...gatherArgs(message)));
}

export const GATHER_REPLY_LENGTH = 62;

/**
 * Stored facts as they are when the velocity store cannot be asked: no history (zero
 * counts, empty profile), list membership from `has` (the in-memory copy of the lists),
 * with the same members gatherArgs passes to the facts script.
 */
export function localStoredFacts(message: SwitchedMessage, has: (list: ListName, member: string) => boolean): StoredFacts {
  const zero = () => ({ '1m': 0, '10m': 0, '1h': 0, '24h': 0 });
  const velocity = {} as StoredFacts['velocity'];
  for (const entity of VELOCITY_ENTITIES) velocity[entity] = { count: zero(), amountCents: zero() };
  const device = message.payer.deviceId;
  return {
    velocity,
    deviceSmall10m: 0,
    ipSmall10m: 0,
    nearThreshold24h: 0,
    merchantsPerPayer24h: 0,
    payersPerMerchant1h: 0,
    devicesPerWallet24h: 0,
    deviceNew: false,
    profile: { count: 0, sumCents: 0, sumSquaresUsd: 0, maxCents: 0, refunds: 0 },
    merchant: { sales: 0, refunds: 0 },
    lists: {
      payerCountrySanctioned: has('sanctioned-countries', payerCountry(message)),
      merchantCountrySanctioned: has('sanctioned-countries', message.merchant.country),
      mccHighRisk: has('high-risk-mccs', message.merchant.mcc),
      deviceBlocked: device ? has('blocked-devices', scopedMember(message.participant, device)) : false,
      walletBlocked: has('blocked-wallets', scopedMember(message.participant, message.payer.walletId)),
    },
  };
}

export function decodeStoredFacts(reply: readonly string[]): StoredFacts {
  if (reply.length !== GATHER_REPLY_LENGTH) throw new Error(`gatherRiskFacts returned ${reply.length} values, expected ${GATHER_REPLY_LENGTH}`);
  const n = (i: number) => Number(reply[i]) || 0;
  const velocity = {} as StoredFacts['velocity'];
  VELOCITY_ENTITIES.forEach((entity, e) => {
    const count = {} as Record<VelocityWindow, number>;
    const amountCents = {} as Record<VelocityWindow, number>;
    VELOCITY_WINDOWS.forEach((w, i) => {
      count[w] = n(e * 8 + i);
      amountCents[w] = n(e * 8 + 4 + i);
    });
    velocity[entity] = { count, amountCents };
  });
  const lat = reply[52];
  const lon = reply[53];
  const at = reply[54];
  return {
    velocity,
    deviceSmall10m: n(40),
    ipSmall10m: n(41),
    nearThreshold24h: n(42),
    merchantsPerPayer24h: n(43),
    payersPerMerchant1h: n(44),
    devicesPerWallet24h: n(45),
    deviceNew: n(46) === 1,
    profile: {
      count: n(47),
      sumCents: n(48),
      sumSquaresUsd: n(49),
      maxCents: n(50),
      refunds: n(51),
      ...(lat && lon && at ? { last: { lat: Number(lat), lon: Number(lon), at: Number(at) } } : {}),
    },
    merchant: { sales: n(55), refunds: n(56) },
    lists: {
      payerCountrySanctioned: n(57) === 1,
      merchantCountrySanctioned: n(58) === 1,
      mccHighRisk: n(59) === 1,
      deviceBlocked: n(60) === 1,
      walletBlocked: n(61) === 1,
    },
  };
}
