import { describe, expect, it } from 'vitest';
import { currencyByCode } from '../../../switch/currency.ts';
import { createFxTable } from '../../../switch/fx.ts';
import { parseAmount } from '../../../switch/money.ts';
import { largeDaily, largeSingle, structuring } from './large-value.ts';
import type { ScenarioPayment } from './scenario.ts';
import { config, testContext } from './test-support/context.ts';

/** USD at the gateway's rates, worked out here from config/development.json with the switch's own FX table. */
const gatewayFx = createFxTable(config.fx.rates);
function gatewayUsd(p: ScenarioPayment): number {
  const from = currencyByCode(p.amount.currency)!;
  const minor = parseAmount(p.amount.value, from);
  if (!minor.ok) throw new Error(minor.error.message);
  const quote = gatewayFx.quote(minor.value, from, currencyByCode('USD')!);
  if (!quote.ok) throw new Error(quote.error.message);
  return Number(quote.value.minor) / 100;
}
const generate = (variant: typeof structuring, seed: number) => variant.generate(testContext(seed)) as ScenarioPayment[];

describe('structuring scenario', () => {
  it('puts every payment at 80-99% of USD 10,000 at the gateway FX rates of the development config', () => {
    const currencies = new Set<string>();
    for (let seed = 1; seed <= 100; seed++) {
      for (const p of generate(structuring, seed)) {
        currencies.add(p.amount.currency);
        expect(gatewayUsd(p)).toBeGreaterThanOrEqual(8_000);
        expect(gatewayUsd(p)).toBeLessThanOrEqual(9_900);
        if (p.amount.currency === 'CNY') expect(Number(p.amount.value)).toBeLessThan(200_000);
      }
    }
    // Merchants in several currencies were exercised, not one lucky rate.
    expect(currencies.size).toBeGreaterThanOrEqual(3);
  });

  it('sends three or more within minutes from one payer, flagged from the third, large value from the second', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const steps = generate(structuring, seed);
      expect(steps.length).toBeGreaterThanOrEqual(3);
      expect(steps.at(-1)!.atMs).toBeLessThan(24 * 3_600_000);
      expect(new Set(steps.map((s) => s.payer.walletId)).size).toBe(1);
      steps.forEach((s, i) => {
        expect(s.label.shouldFlag).toBe(i >= 2);
        expect(s.label.also ?? []).toEqual(i >= 1 ? ['large-value'] : []);
      });
    }
  });
});

describe('large-value scenarios', () => {
  it('flags the single payment at or above USD 10,000 and not the ordinary one before it', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const [ordinary, large] = generate(largeSingle, seed);
      expect(gatewayUsd(ordinary!)).toBeLessThan(100);
      expect(ordinary!.label.shouldFlag).toBe(false);
      expect(gatewayUsd(large!)).toBeGreaterThanOrEqual(10_000);
      expect(large!.label.shouldFlag).toBe(true);
    }
  });

  it('keeps each daily payment below the threshold and flags the one whose day total reaches it', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const steps = generate(largeDaily, seed);
      let total = 0;
      for (const p of steps) {
        expect(gatewayUsd(p)).toBeLessThan(8_000);
        total += gatewayUsd(p);
        expect(p.label.shouldFlag).toBe(total >= 10_000);
      }
      expect(total).toBeGreaterThanOrEqual(10_000);
    }
  });
});
