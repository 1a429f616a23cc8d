import { describe, expect, it } from 'vitest';
import { FALLBACK_LIMITS, limitsFromPack, type RulePack } from './limits.ts';

const pack = (rules: RulePack['rules']): RulePack => ({ rules, lists: {} });

describe('scenario limits read from the rule pack', () => {
  it('takes the most ordinary count from "greater than" and from "at least" alike', () => {
    const { limits } = limitsFromPack(
      pack([
        { id: 'a', when: { fact: 'velocity.payer.count.1m', gt: 8 } },
        { id: 'b', when: { all: [{ fact: 'distinct.payersPerMerchant.1h', gte: 40 }, { fact: 'amount.usd', gte: 250 }, { fact: 'merchant.sales.count.30d', lt: 500 }] } },
      ]),
    );
    expect(limits.payerPerMinute).toBe(8);
    expect(limits.fanInPayers).toBe(39);
    expect(limits.fanInMinUsd).toBe(250);
    expect(limits.establishedMerchantSales).toBe(500);
  });

  it('reads an amount from the rule it belongs to, not from the first rule that mentions amount.usd', () => {
    const { limits } = limitsFromPack(
      pack([
        { id: 'large', when: { fact: 'amount.usd', gte: 10_000 } },
        { id: 'new-device', when: { all: [{ fact: 'payer.device.new', eq: true }, { fact: 'amount.usd', gte: 750 }] } },
      ]),
    );
    expect(limits.newDeviceHighUsd).toBe(750);
  });

  it('reads night hours and refund limits', () => {
    const { limits } = limitsFromPack(
      pack([
        { id: 'night', when: { all: [{ fact: 'merchant.mcc.highRisk', eq: true }, { fact: 'merchant.localHour', between: [1, 4] }] } },
        { id: 'refunds', when: { all: [{ fact: 'payer.refunds.count.30d', gte: 4 }, { fact: 'payer.refunds.ratio.30d', gt: 0.6 }] } },
      ]),
    );
    expect(limits.nightHours).toEqual({ from: 1, to: 4 });
    expect(limits.refundPayer).toEqual({ minCount: 4, ratio: 0.6 });
  });

  it('falls back, and says so, when the pack has no rule on a fact', () => {
    const { limits, warnings } = limitsFromPack(pack([]));
    expect(limits).toEqual(FALLBACK_LIMITS);
    expect(warnings.some((w) => w.includes('velocity.device.count.1m'))).toBe(true);
  });
});
