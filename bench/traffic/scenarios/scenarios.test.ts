import { describe, expect, it } from 'vitest';
import { SCENARIO_VARIANTS } from './catalog.ts';
import { usdOf } from './money.ts';
import { canPay } from './places.ts';
import { variantKey, type ScenarioPayment, type ScenarioStep } from './scenario.ts';
import { homeCountry, merchantById, pack, testContext, wallets } from './test-support/context.ts';

const payments = (steps: ScenarioStep[]) => steps.filter((s): s is ScenarioPayment => s.kind === 'payment');
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('every scenario variant', () => {
  for (const variant of SCENARIO_VARIANTS) {
    describe(variantKey(variant), () => {
      it('sends its steps in time order, every one labelled with its typology', () => {
        for (const seed of SEEDS) {
          const steps = variant.generate(testContext(seed));
          expect(steps.length).toBeGreaterThan(0);
          for (let i = 1; i < steps.length; i++) expect(steps[i]!.atMs).toBeGreaterThanOrEqual(steps[i - 1]!.atMs);
          for (const step of steps) expect(step.label.typology).toBe(variant.typology);
        }
      });

      it('uses wallets, devices, IPs and txnIds of its own, IPs from the benchmark range', () => {
        const first = variant.generate(testContext(11));
        const second = variant.generate(testContext(11));
        const idsOf = (steps: ScenarioStep[]) =>
          new Set(payments(steps).flatMap((p) => [p.payer.walletId, p.payer.deviceId, p.payer.ip] as string[]));
        const shared = [...idsOf(first)].filter((id) => idsOf(second).has(id));
        expect(shared).toEqual([]);
        const txnIds = [...first, ...second].map((s) => s.txnId);
        expect(new Set(txnIds).size).toBe(txnIds.length);
        for (const p of payments(first)) expect(p.payer.ip).toMatch(/^198\.1[89]\./);
      });

      it('pays only merchants the paying wallet can pay, and refunds only its own approved-to-be payments, as their acquirer', () => {
        for (const seed of SEEDS) {
          const steps = variant.generate(testContext(seed));
          const paid = new Map(payments(steps).map((p) => [p.txnId, p]));
          for (const step of steps) {
            if (step.kind === 'payment') {
              const wallet = wallets.find((w) => w.id === step.participantId);
              const merchant = merchantById.get(step.merchantId);
              expect(wallet && merchant && canPay(wallet, merchant, homeCountry)).toBe(true);
            } else {
              const original = paid.get(step.refundOf);
              expect(original && original.atMs < step.atMs).toBe(true);
              expect(step.participantId).toBe(merchantById.get(original!.merchantId)?.acquirer);
            }
          }
        }
      });

      it('sends about as many requests as the schedule expects of it', () => {
        const counts = SEEDS.map((seed) => variant.generate(testContext(seed)).length);
        const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
        expect(Math.abs(mean - variant.requests(pack.limits))).toBeLessThanOrEqual(1);
      });
    });
  }

  it('keeps every amount the gateway can convert, and none above the wallets per-payment limits (USD 10,830 for the tightest)', () => {
    for (const variant of SCENARIO_VARIANTS) {
      for (const seed of SEEDS) {
        for (const p of payments(variant.generate(testContext(seed)))) {
          expect(usdOf(testContext(seed).fx, p.amount)).toBeLessThan(10_830);
        }
      }
    }
  });
});
