import { currencyByCode } from '../../switch/currency.ts';
import type { Random } from './random.ts';

/**
 * What people pay at a merchant of a category: log-normal around a median in US dollars,
 * converted to the merchant's currency. The medians are rough; the point is that a
 * watch shop and a noodle stall do not look alike to the rules.
 */
interface SpendProfile {
  medianUsd: number;
  /** Spread of the underlying normal; 0.7 puts the 95th percentile at ~3x the median. */
  sigma: number;
}

const SPEND_BY_MCC: Record<string, SpendProfile> = {
  '5812': { medianUsd: 18, sigma: 0.7 }, // restaurants
  '5813': { medianUsd: 25, sigma: 0.7 }, // bars, nightlife
  '5814': { medianUsd: 6, sigma: 0.6 }, // fast food, tea houses, hawker stalls
  '5499': { medianUsd: 5, sigma: 0.7 }, // convenience stores
  '5912': { medianUsd: 20, sigma: 0.7 }, // pharmacies
  '5977': { medianUsd: 45, sigma: 0.7 }, // cosmetics
  '5311': { medianUsd: 70, sigma: 0.8 }, // department stores
  '5699': { medianUsd: 55, sigma: 0.8 }, // apparel
  '5309': { medianUsd: 120, sigma: 0.8 }, // duty free
  '5732': { medianUsd: 180, sigma: 0.8 }, // electronics
  '5944': { medianUsd: 450, sigma: 0.6 }, // watches, jewellery
  '7011': { medianUsd: 140, sigma: 0.6 }, // hotels
  '7991': { medianUsd: 15, sigma: 0.5 }, // tourist attractions
  '7999': { medianUsd: 60, sigma: 0.6 }, // recreation
};
const DEFAULT_SPEND: SpendProfile = { medianUsd: 30, sigma: 0.7 };

/** A rare tail beyond this is clipped: the simulator is normal traffic, not the large-value scenario. */
const MAX_USD = 3000;

/** Units of each currency per US dollar, roughly; unknown currencies are treated as dollars. */
const UNITS_PER_USD: Record<string, number> = {
  USD: 1,
  CNY: 7.1,
  THB: 36,
  SGD: 1.35,
  KRW: 1380,
  MYR: 4.5,
  HKD: 7.8,
  JPY: 150,
  EUR: 0.92,
  GBP: 0.79,
  BRL: 5,
  AUD: 1.5,
};

export function spendProfileOf(mcc: string): SpendProfile {
  return SPEND_BY_MCC[mcc] ?? DEFAULT_SPEND;
}

export function unitsPerUsd(currency: string): number {
  return UNITS_PER_USD[currency] ?? 1;
}

export function minorUnitsOf(currency: string): number {
  return currencyByCode(currency)?.minorUnits ?? 2;
}

/** One payment amount for a merchant, as the decimal string the API expects. */
export function drawAmount(random: Random, mcc: string, currency: string): string {
  const profile = spendProfileOf(mcc);
  const usd = Math.min(MAX_USD, profile.medianUsd * Math.exp(profile.sigma * random.normal()));
  return formatAmount(usd * unitsPerUsd(currency), currency);
}

/** Rounds to the currency's minor units, never below one minor unit. */
export function formatAmount(value: number, currency: string): string {
  const digits = minorUnitsOf(currency);
  const smallest = 10 ** -digits;
  return Math.max(smallest, value).toFixed(digits);
}
