import { describe, expect, it } from 'vitest';
import { currencyByCode } from './currency.ts';
import { amountInRange, convert, crossRate, divideHalfEven, formatAmount, parseAmount, parseDecimal } from './money.ts';

const CNY = currencyByCode('CNY')!;
const KRW = currencyByCode('KRW')!;
const THB = currencyByCode('THB')!;
const USD = currencyByCode('USD')!;

describe('money', () => {
  it('parses amounts into exact minor units', () => {
    expect(parseAmount('123.45', CNY)).toEqual({ ok: true, value: 12345n });
    expect(parseAmount('0.1', CNY)).toEqual({ ok: true, value: 10n });
    expect(parseAmount('5000', KRW)).toEqual({ ok: true, value: 5000n });
  });

  it('refuses amounts with more decimals than the currency has, zero, signs and exponents', () => {
    for (const bad of ['1.234', '0', '0.00', '-1', '1e3', '', ' 1', '01.5', '1.', 'NaN']) {
      expect(parseAmount(bad, CNY).ok, bad).toBe(false);
    }
    expect(parseAmount('10.5', KRW).ok).toBe(false);
  });

  it('takes amounts up to the largest every store holds and refuses larger ones as AMOUNT_OUT_OF_RANGE', () => {
    // KRW: 14 whole digits (Decimal(18, 4)); CNY: 2^53 - 1 fen (Lua doubles).
    expect(parseAmount('99999999999999', KRW)).toEqual({ ok: true, value: 99_999_999_999_999n });
    expect(parseAmount('90071992547409.91', CNY)).toEqual({ ok: true, value: 9_007_199_254_740_991n });
    for (const [value, currency] of [['999999999999999', KRW], ['100000000000000', KRW], ['90071992547409.92', CNY], ['99999999999999.99', CNY], ['99999999999999999999', CNY]] as const) {
      const r = parseAmount(value, currency);
      expect(r.ok ? 'ok' : r.error.code, `${value} ${currency.code}`).toBe('AMOUNT_OUT_OF_RANGE');
    }
    const usd = amountInRange(9_007_199_254_740_992n, USD, 'USD amount');
    expect(usd.ok ? '' : usd.error.message).toBe('the USD amount 90071992547409.92 USD is above the largest the gateway takes, 90071992547409.91 USD');
  });

  it('formats minor units with the currency digits', () => {
    expect(formatAmount(5n, CNY)).toBe('0.05');
    expect(formatAmount(123456n, CNY)).toBe('1234.56');
    expect(formatAmount(5000n, KRW)).toBe('5000');
  });

  it('rounds half to even', () => {
    expect(divideHalfEven(5n, 2n)).toBe(2n);
    expect(divideHalfEven(7n, 2n)).toBe(4n);
    expect(divideHalfEven(-5n, 2n)).toBe(-2n);
    expect(divideHalfEven(26n, 10n)).toBe(3n);
    expect(divideHalfEven(24n, 10n)).toBe(2n);
  });

  it('derives cross rates and converts without floating point drift', () => {
    // 1 USD = 7.1 CNY = 35.5 THB, so 1 CNY = 5 THB exactly.
    const rate = crossRate(parseDecimal('7.1')!, parseDecimal('35.5')!);
    expect(rate).toEqual({ units: 500000000n, scale: 8 });
    expect(convert(10n, CNY, THB, rate)).toBe(50n);
    // 0.1 + 0.2 style sums stay exact: three payments of 0.10 CNY are 1.50 THB.
    const total = [10n, 10n, 10n].map((m) => convert(m, CNY, THB, rate)).reduce((a, b) => a + b, 0n);
    expect(formatAmount(total, THB)).toBe('1.50');
  });

  it('converts into a currency without minor units', () => {
    // 1 USD = 7.2 CNY = 1380 KRW: 1 CNY = 191.66666667 KRW.
    const rate = crossRate(parseDecimal('7.2')!, parseDecimal('1380')!);
    expect(rate.units).toBe(19166666667n);
    expect(convert(10000n, CNY, KRW, rate)).toBe(19167n);
  });
});
