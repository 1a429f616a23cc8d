import { MAX_RATE_UNITS } from '../domain/amount-limits.ts';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import { currencyByCode, type Currency } from './currency.ts';
import { convert, crossRate, formatDecimal, parseDecimal, RATE_SCALE, type Decimal } from './money.ts';

/** A rate table quoted against one base currency; cross rates are derived exactly. */
export interface FxTable {
  quote(minor: bigint, from: Currency, to: Currency): Result<FxQuote, DomainError>;
}

export interface FxQuote {
  minor: bigint;
  rate: Decimal;
  /** The rate as quoted to participants, RATE_SCALE decimal places. */
  rateText: string;
}

const ONE: Decimal = { units: 10n ** BigInt(RATE_SCALE), scale: RATE_SCALE };

export function createFxTable(rates: Record<string, string>): FxTable {
  const perBase = new Map<string, Decimal>();
  for (const [code, text] of Object.entries(rates)) {
    const d = parseDecimal(text);
    if (d && d.units > 0n && currencyByCode(code)) perBase.set(code, d);
  }
  return {
    quote(minor, from, to) {
      const fromRate = perBase.get(from.code);
      const toRate = perBase.get(to.code);
      if (!fromRate || !toRate) {
        return err({ code: 'FX_RATE_UNAVAILABLE', message: `no rate from ${from.code} to ${to.code}` });
      }
      const rate = from.code === to.code ? ONE : crossRate(fromRate, toRate);
      // The rate is stored with every payment (Decimal(18, 8)): one that rounds to nothing or
      // overflows the column says the configured rates are far apart, not that the payment is wrong.
      if (rate.units <= 0n || rate.units > MAX_RATE_UNITS) {
        return err({ code: 'FX_RATE_OUT_OF_RANGE', message: `the rate from ${from.code} to ${to.code} is outside what the gateway quotes` });
      }
      return ok({ minor: convert(minor, from, to, rate), rate, rateText: formatDecimal(rate) });
    },
  };
}
