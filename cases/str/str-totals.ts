import type { StrDocument, StrDraft } from './str-document.ts';
import { CURRENCY_PATTERN, isPositiveAmount } from './str-fields.ts';

/** Amounts carry at most 4 fractional digits: summed as integers of 1/10,000, never as floats. */
const SCALE = 4;

interface Running {
  units: bigint;
  /** The most fractional digits among the amounts summed, which the total keeps: "1.10" + "2.20" is "3.30". */
  digits: number;
  count: number;
}

/**
 * Totals per currency, exact decimal arithmetic (no floating point: amounts are strings; use
 * BigInt on scaled integers), sorted by currency code. For transactions strProblems accepts:
 * an amount or currency it refuses is a bug of the caller and throws.
 */
export function strTotals(transactions: StrDraft['transactions']): StrDocument['totals'] {
  const byCurrency = new Map<string, Running>();
  transactions.forEach((transaction, i) => {
    const { amount, currency } = transaction;
    if (!isPositiveAmount(amount) || !CURRENCY_PATTERN.test(currency)) {
      throw new RangeError(`strTotals: transactions.${i} has an amount or currency strProblems refuses`);
    }
    const [whole = '', fraction = ''] = amount.split('.');
    const units = BigInt(whole + fraction.padEnd(SCALE, '0'));
    const running = byCurrency.get(currency);
    if (running === undefined) {
      byCurrency.set(currency, { units, digits: fraction.length, count: 1 });
    } else {
      running.units += units;
      running.digits = Math.max(running.digits, fraction.length);
      running.count += 1;
    }
  });
  return [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, running]) => ({ currency, amount: decimalOf(running), count: running.count }));
}

function decimalOf({ units, digits }: Running): string {
  // Every amount summed has at most `digits` fractional digits, so dropping the rest loses nothing.
  const scaled = units / 10n ** BigInt(SCALE - digits);
  if (digits === 0) return scaled.toString();
  const text = scaled.toString().padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
