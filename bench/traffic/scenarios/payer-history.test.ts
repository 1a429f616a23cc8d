import { mean, sampleStandardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { SPIKE_FACTOR, usdOf } from './money.ts';
import { amountSpike, newDeviceHighAmount, newDeviceOrdinary } from './payer-history.ts';
import { sanctionedPayer } from './sanctions.ts';
import type { ScenarioPayment } from './scenario.ts';
import { fx, pack, participants, testContext } from './test-support/context.ts';

const limits = pack.limits;
const generate = (variant: typeof amountSpike, seed: number) => variant.generate(testContext(seed)) as ScenarioPayment[];

describe('amount spike scenario', () => {
  it('builds a history, then pays more than 1.5x its largest payment with a z-score above 3, flagging only that one', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = generate(amountSpike, seed);
      const history = steps.slice(0, -1).map((s) => usdOf(fx, s.amount));
      const spike = steps.at(-1)!;
      const usd = usdOf(fx, spike.amount);
      expect(history.length).toBeGreaterThanOrEqual(limits.spikeHistory);
      expect(usd).toBeGreaterThan(SPIKE_FACTOR * Math.max(...history));
      expect((usd - mean(history)) / Math.max(1, sampleStandardDeviation(history))).toBeGreaterThan(3);
      expect(usd).toBeGreaterThanOrEqual(limits.spikeMinUsd);
      expect(steps.map((s) => s.label.shouldFlag)).toEqual([...history.map(() => false), true]);
      expect(new Set(steps.map((s) => s.payer.deviceId)).size).toBe(1);
    }
  });
});

describe('account takeover scenarios', () => {
  it('pays a high amount from a device the wallet never used, flagged; the history before is not', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = generate(newDeviceHighAmount, seed);
      const takeover = steps.at(-1)!;
      expect(steps.slice(0, -1).map((s) => s.payer.deviceId)).not.toContain(takeover.payer.deviceId);
      expect(usdOf(fx, takeover.amount)).toBeGreaterThanOrEqual(limits.newDeviceHighUsd);
      expect(steps.map((s) => s.label.shouldFlag)).toEqual([false, false, true]);
      // Fewer payments than an amount-spike profile needs: only the new device should explain a flag.
      expect(steps.length - 1).toBeLessThan(limits.spikeHistory);
    }
  });

  it('keeps a new phone paying an ordinary amount as a control, not to be flagged', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = generate(newDeviceOrdinary, seed);
      expect(usdOf(fx, steps.at(-1)!.amount)).toBeLessThan(limits.newDeviceHighUsd);
      expect(steps.every((s) => !s.label.shouldFlag)).toBe(true);
    }
  });
});

describe('sanctioned country scenario', () => {
  it('declares a sanctioned country of the pack as the payer country, with a wallet of a country that is not', () => {
    for (let seed = 1; seed <= 30; seed++) {
      for (const p of generate(sanctionedPayer, seed)) {
        expect(pack.sanctionedCountries).toContain(p.payer.country);
        expect(pack.sanctionedCountries).not.toContain(participants.find((w) => w.id === p.participantId)?.country);
        expect(p.label.shouldFlag).toBe(true);
      }
    }
  });
});
