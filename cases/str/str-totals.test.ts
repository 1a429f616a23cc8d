import { describe, expect, it } from 'vitest';
import { strTotals } from './str-totals.ts';
import { sampleTransaction } from './sample-str.ts';

function paid(amount: string, currency: string, i = 0) {
  return { ...sampleTransaction(i), amount, currency };
}

describe('strTotals', () => {
  it('adds 0.1 and 0.2 to exactly 0.3', () => {
    expect(strTotals([paid('0.1', 'CNY', 1), paid('0.2', 'CNY', 2)])).toEqual([{ currency: 'CNY', amount: '0.3', count: 2 }]);
  });

  it('totals each currency apart, ordered by currency code', () => {
    const totals = strTotals([
      paid('4999.99', 'USD'),
      paid('0.01', 'CNY'),
      paid('1000', 'THB'),
      paid('0.01', 'USD'),
      paid('19999.99', 'CNY'),
      paid('0.5', 'THB'),
    ]);
    expect(totals).toEqual([
      { currency: 'CNY', amount: '20000.00', count: 2 },
      { currency: 'THB', amount: '1000.5', count: 2 },
      { currency: 'USD', amount: '5000.00', count: 2 },
    ]);
  });

  it('keeps as many fractional digits as the most precise amount, and none for whole amounts', () => {
    expect(strTotals([paid('1.10', 'CNY'), paid('2.2', 'CNY')])[0]?.amount).toBe('3.30');
    expect(strTotals([paid('5', 'JPY'), paid('7', 'JPY')])[0]?.amount).toBe('12');
    expect(strTotals([paid('0.0001', 'BHD'), paid('0.0009', 'BHD')])[0]?.amount).toBe('0.0010');
  });

  it('stays exact far beyond the precision of a floating-point number', () => {
    const largest = Array.from({ length: 10_000 }, (_, i) => paid('999999999999999999.9999', 'CNY', i));
    const expected = (9999999999999999999999n * 10_000n).toString();
    expect(strTotals(largest)).toEqual([
      { currency: 'CNY', amount: `${expected.slice(0, -4)}.${expected.slice(-4)}`, count: 10_000 },
    ]);
    expect(strTotals([paid('9007199254740993.0001', 'USD'), paid('0.0001', 'USD')])[0]?.amount).toBe('9007199254740993.0002');
  });

  it('totals nothing to no totals', () => {
    expect(strTotals([])).toEqual([]);
  });

  it('throws on an amount the draft checks refuse: a caller that skipped them has a bug', () => {
    expect(() => strTotals([paid('1e3', 'CNY')])).toThrow(RangeError);
    expect(() => strTotals([paid('12.50', 'cny')])).toThrow(RangeError);
  });
});
