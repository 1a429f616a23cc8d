import { describe, expect, it } from 'vitest';
import { impossibleTravel, MAX_PLAUSIBLE_KMH } from './geo-impossible-travel.ts';
import { greatCircleKm } from './places.ts';
import type { ScenarioPayment } from './scenario.ts';
import { pack, testContext } from './test-support/context.ts';

/** Slack for the network: the gateway stamps each payment when it receives it, a little after its planned time. */
const NETWORK_SLACK_MS = 30_000;

function hops(seed: number) {
  const steps = impossibleTravel.generate(testContext(seed)) as ScenarioPayment[];
  return steps.slice(1).map((step, i) => {
    const before = steps[i]!;
    const km = greatCircleKm(before.payer.location, step.payer.location);
    return {
      step,
      km,
      fastestKmh: km / (Math.max(0, step.atMs - before.atMs) / 3_600_000),
      slowestKmh: km / ((step.atMs - before.atMs + NETWORK_SLACK_MS) / 3_600_000),
    };
  });
}

describe('geo-impossible travel scenario', () => {
  it('makes the flagged payment imply well over 900 km/h even if the network delays it by 30 s', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const flagged = hops(seed).filter((h) => h.step.label.shouldFlag);
      expect(flagged).toHaveLength(1);
      for (const hop of flagged) {
        expect(hop.slowestKmh).toBeGreaterThan(2 * MAX_PLAUSIBLE_KMH);
        expect(hop.km).toBeGreaterThan(pack.limits.geoMinKm);
      }
    }
  });

  it('keeps the ordinary move before it at walking or driving speed, and on the same device and wallet', () => {
    for (let seed = 1; seed <= 50; seed++) {
      for (const hop of hops(seed).filter((h) => !h.step.label.shouldFlag)) {
        expect(hop.fastestKmh).toBeLessThan(150);
      }
      const steps = impossibleTravel.generate(testContext(seed)) as ScenarioPayment[];
      expect(new Set(steps.map((s) => `${s.payer.walletId}|${s.payer.deviceId}`)).size).toBe(1);
    }
  });
});
