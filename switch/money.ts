import { maxAmountMinor, STORED_RATE } from '../domain/amount-limits.ts';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { Currency } from './currency.ts';

/**
 * Exact decimal money: amounts are integers of minor units (bigint), rates are scaled
 * integers. No binary floating point ever touches a monetary value.
 */

/** Every FX rate the gateway quotes has this many decimal places: as many as the rate column keeps. */
export const RATE_SCALE = STORED_RATE.scale;

export interface Decimal {
  units: bigint;
  scale: number;
}

// More whole digits than any store holds still parse, so that they are refused as out of range.
const AMOUNT_PATTERN = /^(0|[1-9]\d{0,19})(?:\.(\d{1,4}))?$/;
const DECIMAL_PATTERN = /^(\d{1,18})(?:\.(\d{1,18}))?$/;

/** Parses a positive amount such as "123.45" into minor units of `currency`, no larger than every store holds. */
export function parseAmount(value: string, currency: Currency): Result<bigint, DomainError> {
  const minor = parseMinorUnits(value, currency);
  return minor.ok ? amountInRange(minor.value, currency, 'amount') : minor;
}

/**
 * Parses a positive decimal into minor units of `currency` without the stores' bound: for
 * figures that are never an amount of a payment (an issuer's balance and limits).
 */
export function parseMinorUnits(value: string, currency: Currency): Result<bigint, DomainError> {
  const m = AMOUNT_PATTERN.exec(value);
  if (!m) {
    return err({ code: 'AMOUNT_INVALID', message: `amount "${value}" is not a plain decimal number` });
  }
  const fraction = m[2] ?? '';
  if (fraction.length > currency.minorUnits) {
    return err({
      code: 'AMOUNT_INVALID',
      message: `amount "${value}" has more than ${currency.minorUnits} decimal places for ${currency.code}`,
    });
  }
  const minor = BigInt(m[1] + fraction.padEnd(currency.minorUnits, '0'));
  if (minor <= 0n) {
    return err({ code: 'AMOUNT_INVALID', message: 'amount must be greater than zero' });
  }
  return ok(minor);
}

/**
 * Refuses an amount, paid or converted, larger than every store holds exactly (ClickHouse's
 * decimal columns, Lua's doubles: domain/amount-limits.ts) with AMOUNT_OUT_OF_RANGE.
 * `what` names it for the participant: "amount", "settlement amount", "USD amount".
 */
export function amountInRange(minor: bigint, currency: Currency, what: string): Result<bigint, DomainError> {
  const max = maxAmountMinor(currency.minorUnits);
  if (minor <= max) return ok(minor);
  return err({
    code: 'AMOUNT_OUT_OF_RANGE',
    message: `the ${what} ${formatAmount(minor, currency)} ${currency.code} is above the largest the gateway takes, ${formatAmount(max, currency)} ${currency.code}`,
  });
}

/** Formats minor units as a decimal string with exactly the currency's minor digits. */
export function formatAmount(minor: bigint, currency: Currency): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(currency.minorUnits + 1, '0');
  const whole = digits.slice(0, digits.length - currency.minorUnits);
  const fraction = digits.slice(digits.length - currency.minorUnits);
  return (negative ? '-' : '') + (currency.minorUnits > 0 ? `${whole}.${fraction}` : whole);
}

export function parseDecimal(value: string): Decimal | undefined {
  const m = DECIMAL_PATTERN.exec(value);
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  return { units: BigInt(m[1] + fraction), scale: fraction.length };
}

export function formatDecimal(d: Decimal): string {
  if (d.scale === 0) return d.units.toString();
  const digits = d.units.toString().padStart(d.scale + 1, '0');
  return `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}`;
}

/** numerator / denominator rounded half to even: bankers' rounding, unbiased over many payments. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const q = numerator / denominator;
  const r = numerator % denominator;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice < denominator) return q;
  const away = numerator < 0n ? q - 1n : q + 1n;
  if (twice > denominator) return away;
  return q % 2n === 0n ? q : away;
}

/**
 * The rate that turns one unit of `from` into `to`, given both quoted per one unit of a
 * common base (e.g. USD), rounded to RATE_SCALE places.
 */
export function crossRate(fromPerBase: Decimal, toPerBase: Decimal): Decimal {
  const numerator = toPerBase.units * 10n ** BigInt(fromPerBase.scale + RATE_SCALE);
  const denominator = fromPerBase.units * 10n ** BigInt(toPerBase.scale);
  return { units: divideHalfEven(numerator, denominator), scale: RATE_SCALE };
}

/** Converts minor units of `from` into minor units of `to` at `rate`, rounded half to even. */
export function convert(minor: bigint, from: Currency, to: Currency, rate: Decimal): bigint {
  const numerator = minor * rate.units * 10n ** BigInt(to.minorUnits);
  const denominator = 10n ** BigInt(from.minorUnits + rate.scale);
  return divideHalfEven(numerator, denominator);
}
