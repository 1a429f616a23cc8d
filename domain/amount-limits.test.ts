import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../analytics/schema/migrations.ts';
import { LUA_EXACT_INTEGER, MAX_RATE_UNITS, maxAmountMinor, STORED_AMOUNT, STORED_RATE } from './amount-limits.ts';

/** The type the migrations give a column of cpg.transactions, e.g. "Decimal(18, 4)". */
function columnType(column: string): string | undefined {
  const ddl = MIGRATIONS.flatMap((m) => m.statements).find((s) => s.includes('CREATE TABLE IF NOT EXISTS {db}.transactions\n'));
  return ddl ? new RegExp(`\\n\\s*${column} (Decimal\\(\\d+, \\d+\\))`).exec(ddl)?.[1] : undefined;
}

describe('the amount limits', () => {
  it('are the types of the columns every amount and rate is stored in', () => {
    for (const column of ['amount', 'amount_usd', 'settlement_amount']) {
      expect(columnType(column), column).toBe(`Decimal(${STORED_AMOUNT.precision}, ${STORED_AMOUNT.scale})`);
    }
    expect(columnType('fx_rate')).toBe(`Decimal(${STORED_RATE.precision}, ${STORED_RATE.scale})`);
  });

  it('take the column for currencies without minor units and Lua doubles for the others', () => {
    expect(maxAmountMinor(0)).toBe(99_999_999_999_999n);
    expect(maxAmountMinor(2)).toBe(9_007_199_254_740_991n);
    expect(maxAmountMinor(3)).toBe(LUA_EXACT_INTEGER);
    expect(maxAmountMinor(5)).toBe(0n);
  });

  it('hold every largest amount exactly in a double and in the column', () => {
    for (const minorUnits of [0, 1, 2, 3, 4]) {
      const max = maxAmountMinor(minorUnits);
      expect(BigInt(Number(max)), `${minorUnits} decimals`).toBe(max);
      const whole = max / 10n ** BigInt(minorUnits);
      expect(whole.toString().length).toBeLessThanOrEqual(STORED_AMOUNT.precision - STORED_AMOUNT.scale);
    }
    expect(MAX_RATE_UNITS.toString()).toHaveLength(STORED_RATE.precision);
  });
});
