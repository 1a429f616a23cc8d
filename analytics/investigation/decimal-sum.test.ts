import { describe, expect, it } from 'vitest';
import { sumDecimals } from './decimal-sum.ts';

describe('exact sums of decimal texts', () => {
  it('adds texts of any scale exactly, where floats would not', () => {
    expect(sumDecimals(['0.1000', '0.2000'])).toBe('0.3');
    expect(sumDecimals(['140.31', '247', '1.4'])).toBe('388.71');
    expect(sumDecimals(['99999999999999.9999', '0.0001'])).toBe('100000000000000');
  });

  it('handles negatives, zero and nothing', () => {
    expect(sumDecimals(['-12.3400', '2.34'])).toBe('-10');
    expect(sumDecimals(['-0.5', '0.5'])).toBe('0');
    expect(sumDecimals(['-0.05'])).toBe('-0.05');
    expect(sumDecimals([])).toBe('0');
  });

  it('refuses what is not a plain decimal', () => {
    expect(() => sumDecimals(['1e5'])).toThrow(/not a decimal/);
    expect(() => sumDecimals(['NaN'])).toThrow(/not a decimal/);
  });
});
