/**
 * The largest amounts the platform holds exactly, taken from where every amount ends up:
 * ClickHouse's decimal columns (cpg.transactions: `amount`, `amount_usd` and
 * `settlement_amount` are Decimal(18, 4), `fx_rate` is Decimal(18, 8); see
 * analytics/schema/migrations.ts, which a test holds these beside) and the Lua scripts of
 * the ledger and the risk facts, whose numbers are doubles. Imports nothing.
 */

/** Every amount column: digits in all (precision) and after the point (scale). */
export const STORED_AMOUNT = { precision: 18, scale: 4 } as const;

/** The FX rate column. */
export const STORED_RATE = { precision: 18, scale: 8 } as const;

/** Lua numbers are doubles: integers are exact up to 2^53 - 1, and minor units must stay exact. */
export const LUA_EXACT_INTEGER = 2n ** 53n - 1n;

/**
 * The most minor units of a currency with `minorUnits` decimals that every store holds:
 * fewer than 10^(precision - scale) whole units in ClickHouse, and at most 2^53 - 1 minor
 * units in Lua. KRW (0 decimals): 99,999,999,999,999; CNY (2): 90,071,992,547,409.91.
 */
export function maxAmountMinor(minorUnits: number): bigint {
  // A currency finer than the column would be rounded by it: nothing of it is held exactly.
  if (!Number.isInteger(minorUnits) || minorUnits < 0 || minorUnits > STORED_AMOUNT.scale) return 0n;
  const column = 10n ** BigInt(STORED_AMOUNT.precision - STORED_AMOUNT.scale + minorUnits) - 1n;
  return column < LUA_EXACT_INTEGER ? column : LUA_EXACT_INTEGER;
}

/** The largest rate the rate column holds, in units of 10^-scale. */
export const MAX_RATE_UNITS = 10n ** BigInt(STORED_RATE.precision) - 1n;
