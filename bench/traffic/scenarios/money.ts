import type { Money } from '../../../domain/transaction.ts';
import { currencyByCode, type Currency } from '../../../switch/currency.ts';
import type { FxTable } from '../../../switch/fx.ts';
import { formatAmount, parseAmount } from '../../../switch/money.ts';
import type { Random } from '../random.ts';

/**
 * Amounts as the gateway sees them: converted to US dollars at its own FX table, so a
 * payment meant to sit at 90% of a threshold does so after the gateway's rounding.
 */

/** PBOC large-value reporting, natural person, cross-border (docs/rules.md): per payment or per day. */
export const LARGE_VALUE_USD = 10_000;
export const LARGE_VALUE_CNY = 200_000;
/** Structuring: payments each at 80-99% of the threshold. */
export const STRUCTURING_BAND = { from: 0.8, to: 0.99 } as const;
/** Structuring: this many such payments within 24 hours. */
export const STRUCTURING_COUNT = 3;
/** Amount spike: more than this times the payer's largest payment in the look-back. */
export const SPIKE_FACTOR = 1.5;

function currencyOf(code: string): Currency {
  const currency = currencyByCode(code);
  if (!currency) throw new Error(`currency ${code} is not one the gateway settles in`);
  return currency;
}

const USD = currencyOf('USD');

/** The amount in US dollars at the gateway's rate, as the switch computes `amountUsd`. */
export function usdOf(fx: FxTable, amount: Money): number {
  const currency = currencyOf(amount.currency);
  const minor = parseAmount(amount.value, currency);
  if (!minor.ok) throw new Error(`${amount.value} ${amount.currency}: ${minor.error.message}`);
  const quote = fx.quote(minor.value, currency, USD);
  if (!quote.ok) throw new Error(quote.error.message);
  return Number(quote.value.minor) / 100;
}

/** The amount in CNY as the rules read it: itself in CNY, otherwise its dollars at the CNY rate. */
export function cnyOf(fx: FxTable, amount: Money): number {
  if (amount.currency === 'CNY') return Number(amount.value);
  const cents = BigInt(Math.round(usdOf(fx, amount) * 100));
  const quote = fx.quote(cents, USD, currencyOf('CNY'));
  if (!quote.ok) throw new Error(quote.error.message);
  return Number(quote.value.minor) / 100;
}

/** The smallest amount in `currency` worth at least `usd` dollars at the gateway's rate. */
export function amountForUsd(fx: FxTable, currency: string, usd: number): Money {
  const target = Math.round(usd * 100);
  const to = currencyOf(currency);
  const quote = fx.quote(BigInt(target), USD, to);
  if (!quote.ok) throw new Error(quote.error.message);
  let minor = quote.value.minor > 0n ? quote.value.minor : 1n;
  const cents = (m: bigint) => {
    const back = fx.quote(m, to, USD);
    if (!back.ok) throw new Error(back.error.message);
    return back.value.minor;
  };
  // Rounding both ways can land a minor unit off: step to the smallest amount that reaches the target.
  while (cents(minor) < BigInt(target)) minor++;
  while (minor > 1n && cents(minor - 1n) >= BigInt(target)) minor--;
  return { value: formatAmount(minor, to), currency };
}

/** An amount of `fromUsd` to `toUsd` dollars, log-uniform, in the merchant's currency. */
export function amountBetween(fx: FxTable, random: Random, currency: string, fromUsd: number, toUsd: number): Money {
  const usd = fromUsd * Math.exp(random.next() * Math.log(toUsd / fromUsd));
  return amountForUsd(fx, currency, Math.round(usd * 100) / 100);
}

/** Whether an amount is at or above the large-value threshold on its own. */
export function isLargeValue(fx: FxTable, amount: Money): boolean {
  return usdOf(fx, amount) >= LARGE_VALUE_USD || cnyOf(fx, amount) >= LARGE_VALUE_CNY;
}

/** Whether an amount sits in the structuring band: 80-99% of the threshold, below it. */
export function isInStructuringBand(fx: FxTable, amount: Money): boolean {
  if (isLargeValue(fx, amount)) return false;
  const share = Math.max(usdOf(fx, amount) / LARGE_VALUE_USD, cnyOf(fx, amount) / LARGE_VALUE_CNY);
  return share >= STRUCTURING_BAND.from && share <= STRUCTURING_BAND.to;
}
