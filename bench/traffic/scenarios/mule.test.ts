import { describe, expect, it } from 'vitest';
import { usdOf } from './money.ts';
import { fanIn, fanOut } from './mule.ts';
import type { ScenarioPayment } from './scenario.ts';
import { fx, ownMerchant, pack, testContext } from './test-support/context.ts';

const limits = pack.limits;
const generate = (variant: typeof fanIn, seed: number) => variant.generate(testContext(seed)) as ScenarioPayment[];

describe('mule scenarios', () => {
  it('fans many new payers into the instance own merchant within the hour, flagged from the first payer past the limit', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const steps = generate(fanIn, seed);
      expect(new Set(steps.map((s) => s.merchantId))).toEqual(new Set([ownMerchant.id]));
      expect(new Set(steps.map((s) => `${s.participantId}|${s.payer.walletId}`)).size).toBe(steps.length);
      expect(steps.at(-1)!.atMs).toBeLessThan(3_600_000);
      for (const s of steps) expect(usdOf(fx, s.amount)).toBeGreaterThanOrEqual(limits.fanInMinUsd);
      steps.forEach((s, i) => expect(s.label.shouldFlag).toBe(i + 1 > limits.fanInPayers));
    }
  });

  it('fans one wallet out to a new merchant each time, from one place, flagged from the first merchant past the limit', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const steps = generate(fanOut, seed);
      expect(new Set(steps.map((s) => s.payer.walletId)).size).toBe(1);
      expect(new Set(steps.map((s) => s.merchantId)).size).toBe(steps.length);
      expect(new Set(steps.map((s) => JSON.stringify(s.payer.location))).size).toBe(1);
      expect(steps.at(-1)!.atMs).toBeLessThan(24 * 3_600_000);
      for (const s of steps) expect(usdOf(fx, s.amount)).toBeLessThan(limits.spikeMinUsd);
      steps.forEach((s, i) => expect(s.label.shouldFlag).toBe(i + 1 > limits.fanOutMerchants));
    }
  });
});
