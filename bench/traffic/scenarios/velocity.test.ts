import { describe, expect, it } from 'vitest';
import { usdOf } from './money.ts';
import { probingDevice, probingIp } from './probing.ts';
import type { ScenarioPayment } from './scenario.ts';
import { fx, pack, testContext } from './test-support/context.ts';
import { countBy, mostInWindow } from './test-support/windows.ts';
import { deviceBurst, payerBurst } from './velocity.ts';

const limits = pack.limits;
/** What the velocity state may count as one minute: its buckets look back up to 70 s. */
const VELOCITY_MINUTE_MS = 70_000;
const generate = (variant: typeof payerBurst, seed: number) => variant.generate(testContext(seed)) as ScenarioPayment[];
const positions = (steps: ScenarioPayment[]) => steps.flatMap((s, i) => (s.label.shouldFlag ? [i + 1] : []));

describe('velocity burst scenarios', () => {
  it('sends one wallet more payments in a minute than the limit, flagging only those beyond it, no phone bursting on its own', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = generate(payerBurst, seed);
      expect(new Set(steps.map((s) => s.payer.walletId)).size).toBe(1);
      expect(steps.at(-1)!.atMs).toBeLessThan(60_000);
      expect(positions(steps)).toEqual(steps.map((_, i) => i + 1).filter((n) => n > limits.payerPerMinute));
      for (const n of countBy(steps, (s) => s.payer.deviceId ?? '').values()) expect(n).toBeLessThanOrEqual(limits.devicePerMinute);
    }
  });

  it('sends from one device for one wallet after another, flagging those beyond the device limit', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = generate(deviceBurst, seed);
      expect(new Set(steps.map((s) => `${s.participantId}|${s.payer.deviceId}`)).size).toBe(1);
      expect(new Set(steps.map((s) => s.payer.walletId)).size).toBe(steps.length);
      expect(steps.at(-1)!.atMs).toBeLessThan(60_000);
      expect(positions(steps)).toEqual(steps.map((_, i) => i + 1).filter((n) => n > limits.devicePerMinute));
    }
  });
});

describe('probing scenarios', () => {
  it('sends small payments (under USD 5 at the gateway rate) from one device within 10 minutes, never a one-minute burst', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = generate(probingDevice, seed);
      expect(new Set(steps.map((s) => s.payer.deviceId)).size).toBe(1);
      for (const s of steps) expect(usdOf(fx, s.amount)).toBeLessThan(5);
      expect(steps.at(-1)!.atMs).toBeLessThan(10 * 60_000);
      expect(mostInWindow(steps.map((s) => s.atMs), VELOCITY_MINUTE_MS)).toBeLessThanOrEqual(limits.devicePerMinute);
      expect(positions(steps)).toEqual(steps.map((_, i) => i + 1).filter((n) => n > limits.probingSmallPerDevice));
    }
  });

  it('sends small payments from one IP over several devices, each device under its own limits, flagged beyond the IP limit', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = generate(probingIp, seed);
      expect(new Set(steps.map((s) => s.payer.ip)).size).toBe(1);
      for (const s of steps) expect(usdOf(fx, s.amount)).toBeLessThan(5);
      expect(steps.at(-1)!.atMs).toBeLessThan(10 * 60_000);
      expect(mostInWindow(steps.map((s) => s.atMs), VELOCITY_MINUTE_MS)).toBeLessThanOrEqual(limits.ipPerMinute);
      for (const n of countBy(steps, (s) => s.payer.deviceId ?? '').values()) expect(n).toBeLessThanOrEqual(limits.probingSmallPerDevice);
      expect(positions(steps)).toEqual(steps.map((_, i) => i + 1).filter((n) => n > limits.probingSmallPerIp));
    }
  });
});
