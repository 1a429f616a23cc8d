import { describe, expect, it } from 'vitest';
import { isAbusive, refundingMerchant, refundingPayer } from './refund-abuse.ts';
import type { ScenarioRefund } from './scenario.ts';
import { pack, testContext } from './test-support/context.ts';

const limits = pack.limits;

describe('refund abuse scenarios', () => {
  it('calls abuse only from the least refund count and above the ratio', () => {
    const limit = { minCount: 3, ratio: 0.5 };
    expect(isAbusive(2, 2, limit)).toBe(false);
    expect(isAbusive(3, 6, limit)).toBe(false);
    expect(isAbusive(3, 5, limit)).toBe(true);
  });

  it('refunds most of a payer payments, then flags each payment made once the refunds are abuse, never the refunds', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = refundingPayer.generate(testContext(seed));
      let sales = 0;
      let refunds = 0;
      for (const step of steps) {
        if (step.kind === 'refund') {
          expect(step.label.shouldFlag).toBe(false);
          refunds++;
        } else {
          expect(step.label.shouldFlag).toBe(isAbusive(refunds, sales, limits.refundPayer));
          sales++;
        }
      }
      expect(refunds).toBeGreaterThanOrEqual(limits.refundPayer.minCount);
      // The payer comes back after its refunds: its last payments are flagged.
      expect(steps.at(-1)!.label.shouldFlag).toBe(true);
    }
  });

  it('has a new merchant refund most of its sales, flagging the refunds past both limits', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = refundingMerchant.generate(testContext(seed));
      const sales = steps.filter((s) => s.kind === 'payment').length;
      const refunds = steps.filter((s): s is ScenarioRefund => s.kind === 'refund');
      expect(steps.filter((s) => s.kind === 'payment').every((p) => !p.label.shouldFlag)).toBe(true);
      refunds.forEach((r, j) => expect(r.label.shouldFlag).toBe(j >= limits.refundMerchant.minCount && j / sales > limits.refundMerchant.ratio));
      expect(refunds.filter((r) => r.label.shouldFlag).length).toBeGreaterThan(0);
    }
  });
});
