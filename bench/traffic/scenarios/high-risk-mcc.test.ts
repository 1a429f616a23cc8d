import { describe, expect, it } from 'vitest';
import { highRiskAtNight, highRiskByDay, localHourIn, siteOf } from './high-risk-mcc.ts';
import type { ScenarioPayment } from './scenario.ts';
import { highRisk, merchantById, pack, testContext } from './test-support/context.ts';

const hourAt = (p: ScenarioPayment, startsAtMs: number) => {
  const merchant = merchantById.get(p.merchantId)!;
  return localHourIn(siteOf(merchant)!.timeZone, startsAtMs + p.atMs);
};

describe('high-risk category at night scenario', () => {
  it('gives the bench merchants MCCs from the pack list, in time zones around the world', () => {
    for (const m of highRisk) expect(pack.highRiskMccs).toContain(m.mcc);
    expect(new Set(highRisk.map((m) => siteOf(m)?.timeZone)).size).toBeGreaterThanOrEqual(5);
  });

  it('pays a high-risk merchant where it is between 00:30 and 05:30, and flags it', () => {
    // 19:00 UTC: 03:00 in Shanghai, 04:00 in Seoul and Osaka, 02:00 in Pattaya.
    const startsAtMs = Date.UTC(2026, 0, 15, 19, 0);
    for (let seed = 1; seed <= 30; seed++) {
      const steps = highRiskAtNight.generate(testContext(seed, { startsAtMs })) as ScenarioPayment[];
      for (const p of steps) {
        expect(p.label.shouldFlag).toBe(true);
        expect(hourAt(p, startsAtMs)).toBeGreaterThanOrEqual(pack.limits.nightHours.from + 0.5);
        expect(hourAt(p, startsAtMs)).toBeLessThanOrEqual(pack.limits.nightHours.to + 0.5);
      }
    }
  });

  it('uses true local time: Sydney in January is on summer time (UTC+11)', () => {
    expect(localHourIn('Australia/Sydney', Date.UTC(2026, 0, 15, 15, 30))).toBe(2.5);
    expect(localHourIn('Australia/Sydney', Date.UTC(2026, 6, 15, 15, 30))).toBe(1.5);
  });

  it('pays the same merchants by day as a control, not to be flagged', () => {
    const startsAtMs = Date.UTC(2026, 0, 15, 4, 0);
    for (let seed = 1; seed <= 30; seed++) {
      for (const p of highRiskByDay.generate(testContext(seed, { startsAtMs })) as ScenarioPayment[]) {
        expect(p.label.shouldFlag).toBe(false);
        expect(hourAt(p, startsAtMs)).toBeGreaterThanOrEqual(8);
        expect(hourAt(p, startsAtMs)).toBeLessThanOrEqual(22);
      }
    }
  });

  it('finds a high-risk merchant by day at every hour of the UTC day', () => {
    for (let hour = 0; hour < 24; hour++) {
      const startsAtMs = Date.UTC(2026, 0, 15, hour, 10);
      expect(() => highRiskByDay.generate(testContext(hour, { startsAtMs }))).not.toThrow();
    }
  });

  it('says it cannot play when no bench site is at night', () => {
    // 08:30 UTC: 08:30 in London, 16:30-19:30 across Asia and Australia.
    expect(() => highRiskAtNight.generate(testContext(1, { startsAtMs: Date.UTC(2026, 0, 15, 8, 30) }))).toThrow(/night/);
  });
});
