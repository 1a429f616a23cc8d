import type { SwitchedMessage } from '../../domain/transaction.ts';
import { VELOCITY_ENTITIES, type VelocityEntity, type VelocityWindow } from './catalog.ts';
import { scopedMember, type ListName } from './keys.ts';
import type { ScreeningFacts } from './screening.ts';

/**
 * The stored half of the facts: what the velocity state (rules/state/) and the lists hold
 * about a message. The rest (ratios, z-score, travel speed...) is computed from it in
 * derive.ts.
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
    /** The typed block lists: the first kind of subject listed, '' for none (rules/lists/). */
    blockedBy: string;
  };
  /** The names matched against the screening lists; none screened without it. */
  screening?: ScreeningFacts;
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

/** The lists' facts of a message, from `has` (the in-memory copy of the lists). */
export function listFacts(message: SwitchedMessage, has: (list: ListName, member: string) => boolean, blockedBy = ''): StoredFacts['lists'] {
  const device = message.payer.deviceId;
  return {
    blockedBy,
    payerCountrySanctioned: has('sanctioned-countries', payerCountry(message)),
    merchantCountrySanctioned: has('sanctioned-countries', message.merchant.country),
    mccHighRisk: has('high-risk-mccs', message.merchant.mcc),
    deviceBlocked: device ? has('blocked-devices', scopedMember(message.participant, device)) : false,
    walletBlocked: has('blocked-wallets', scopedMember(message.participant, message.payer.walletId)),
  };
}

/**
 * Stored facts without history (zero counts, empty profile), for the degraded path: the
 * lists and the screening still apply.
 */
export function localStoredFacts(
  message: SwitchedMessage,
  has: (list: ListName, member: string) => boolean,
  screening?: ScreeningFacts,
  blockedBy = '',
): StoredFacts {
  const zero = () => ({ '1m': 0, '10m': 0, '1h': 0, '24h': 0 });
  const velocity = {} as StoredFacts['velocity'];
  for (const entity of VELOCITY_ENTITIES) velocity[entity] = { count: zero(), amountCents: zero() };
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
    lists: listFacts(message, has, blockedBy),
    ...(screening ? { screening } : {}),
  };
}
