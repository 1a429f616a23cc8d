import { describe, expect, it } from 'vitest';
import { OWN_MERCHANT_PREFIX, planSchedule } from './schedule.ts';
import { TYPOLOGIES } from './scenario.ts';
import { pack } from './test-support/context.ts';

const base = { durationS: 180, normalTps: 150, fraudRate: 0.05, seed: 1, limits: pack.limits };
const requestsOf = (schedule: ReturnType<typeof planSchedule>) =>
  schedule.instances.reduce((sum, i) => sum + i.variant.requests(pack.limits), 0);

describe('scenario schedule', () => {
  it('mixes scenario requests in at the fraud rate, every typology with at least one instance', () => {
    const schedule = planSchedule(base);
    const ordinary = base.normalTps * base.durationS;
    const share = requestsOf(schedule) / (requestsOf(schedule) + ordinary);
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
    expect(new Set(schedule.instances.map((i) => i.variant.typology))).toEqual(new Set(TYPOLOGIES));
  });

  it('starts instances in order through the window, the same way for the same seed', () => {
    const schedule = planSchedule(base);
    const starts = schedule.instances.map((i) => i.startOffsetMs);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(Math.max(...starts)).toBeLessThan(base.durationS * 1000);
    const again = planSchedule(base);
    expect(again.instances.map((i) => `${i.id} ${i.variant.name} ${i.startOffsetMs} ${i.seed}`)).toEqual(
      schedule.instances.map((i) => `${i.id} ${i.variant.name} ${i.startOffsetMs} ${i.seed}`),
    );
    expect(planSchedule({ ...base, seed: 2 }).instances.map((i) => i.startOffsetMs)).not.toEqual(starts);
  });

  it('follows the weights: doubling one typology doubles its requests, zero leaves it out', () => {
    const schedule = planSchedule({ ...base, weights: { velocity: 2, sanctions: 0 } });
    const requests = (t: string) =>
      schedule.instances.filter((i) => i.variant.typology === t).reduce((sum, i) => sum + i.variant.requests(pack.limits), 0);
    expect(schedule.instances.some((i) => i.variant.typology === 'sanctions')).toBe(false);
    expect(requests('velocity') / requests('probing')).toBeGreaterThan(1.5);
    expect(requests('velocity') / requests('probing')).toBeLessThan(2.6);
  });

  it('gives each instance that needs one a merchant of its own, never shared', () => {
    const schedule = planSchedule(base);
    const owners = schedule.instances.filter((i) => (i.variant.ownMerchants ?? 0) > 0);
    expect(owners.length).toBeGreaterThan(0);
    const ids = owners.flatMap((i) => i.ownMerchantIds);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(schedule.ownMerchantIds);
    for (const id of ids) expect(id.startsWith(OWN_MERCHANT_PREFIX)).toBe(true);
  });

  it('plans no scenario at a fraud rate of 0', () => {
    expect(planSchedule({ ...base, fraudRate: 0 }).instances).toEqual([]);
  });
});
