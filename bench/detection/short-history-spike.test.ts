import { describe, expect, it } from 'vitest';
import { usdOf } from '../traffic/scenarios/money.ts';
import { planSchedule } from '../traffic/scenarios/schedule.ts';
import type { ScenarioPayment } from '../traffic/scenarios/scenario.ts';
import { fx, merchantById, pack, testContext } from '../traffic/scenarios/test-support/context.ts';
import { withDetectionScenarios } from './detection-schedule.ts';
import { BIG_TICKET_USD, HANDFUL, isLegitimateVariant, shortHistorySpike, smallSpenderBigTicket, TWO_ORDERS } from './short-history-spike.ts';

const limits = pack.limits;
const generate = (variant: typeof shortHistorySpike, seed: number) => variant.generate(testContext(seed)) as ScenarioPayment[];
const oneOf = <T>(values: T[]) => new Set(values).size;

describe('short-history spike scenario', () => {
  it('pays a handful of a few dollars each, then two orders of magnitude more, flagging only that one', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const steps = generate(shortHistorySpike, seed);
      const history = steps.slice(0, -1).map((s) => usdOf(fx, s.amount));
      const spike = usdOf(fx, steps.at(-1)!.amount);
      expect(history.length).toBeGreaterThanOrEqual(HANDFUL.min);
      // Too short for the long-history spike rule: only a rule for short histories can see it.
      expect(history.length).toBeLessThan(limits.spikeHistory);
      expect(Math.max(...history)).toBeLessThan(5);
      expect(spike).toBeGreaterThanOrEqual(TWO_ORDERS * Math.max(...history));
      expect(spike).toBeGreaterThanOrEqual(limits.spikeMinUsd);
      expect(steps.map((s) => s.label)).toEqual([...history.map(() => ({ typology: 'amount-spike', shouldFlag: false })), { typology: 'amount-spike', shouldFlag: true }]);
    }
  });

  it('pays from one phone, one spot and one city, the spike at a big-ticket merchant', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const steps = generate(shortHistorySpike, seed);
      expect(oneOf(steps.map((s) => s.payer.walletId))).toBe(1);
      expect(oneOf(steps.map((s) => s.payer.deviceId))).toBe(1);
      expect(oneOf(steps.map((s) => JSON.stringify(s.payer.location)))).toBe(1);
      expect(oneOf(steps.map((s) => merchantById.get(s.merchantId)!.city))).toBe(1);
      expect(['5944', '5732', '5309', '5311', '7011']).toContain(merchantById.get(steps.at(-1)!.merchantId)!.mcc);
    }
  });
});

describe('small spender with a big-ticket purchase', () => {
  it('is legitimate: everyday payments, then USD 300 to 2,500 at a big-ticket merchant, none to be flagged', () => {
    expect(isLegitimateVariant(smallSpenderBigTicket)).toBe(true);
    expect(isLegitimateVariant(shortHistorySpike)).toBe(false);
    let allSmall = 0;
    let farAbove = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const steps = generate(smallSpenderBigTicket, seed);
      const history = steps.slice(0, -1).map((s) => usdOf(fx, s.amount));
      const purchase = usdOf(fx, steps.at(-1)!.amount);
      expect(history.length).toBeGreaterThanOrEqual(HANDFUL.min);
      expect(history.length).toBeLessThanOrEqual(HANDFUL.max);
      expect(purchase).toBeGreaterThanOrEqual(BIG_TICKET_USD.from);
      expect(purchase).toBeLessThanOrEqual(BIG_TICKET_USD.to + 1);
      expect(steps.every((s) => !s.label.shouldFlag)).toBe(true);
      expect(oneOf(steps.map((s) => s.payer.deviceId))).toBe(1);
      if (purchase >= TWO_ORDERS * Math.max(...history)) farAbove++;
      if (Math.max(...history) < 5) allSmall++;
    }
    // The hard part of ordinary traffic: a quarter buy a hundred times their largest payment or more,
    // and a few paid nothing but small amounts before, like the fraud.
    expect(farAbove).toBeGreaterThan(20);
    expect(allSmall).toBeGreaterThan(0);
    expect(allSmall).toBeLessThan(20);
  });
});

describe('the detection schedule', () => {
  const catalog = planSchedule({ durationS: 180, normalTps: 150, fraudRate: 0.05, seed: 1, limits });

  it('plays the short-history spike as often as its typology, and the small spenders asked for, with fresh instance ids', () => {
    const schedule = withDetectionScenarios(catalog, { durationS: 180, seed: 1, smallSpenders: 25 });
    const spikes = catalog.plan.find((p) => p.typology === 'amount-spike')!.instances;
    expect(schedule.instances.filter((i) => i.variant === shortHistorySpike)).toHaveLength(spikes);
    expect(schedule.instances.filter((i) => i.variant === smallSpenderBigTicket)).toHaveLength(25);
    expect(schedule.instances).toHaveLength(catalog.instances.length + spikes + 25);
    expect(new Set(schedule.instances.map((i) => i.id)).size).toBe(schedule.instances.length);
    const offsets = schedule.instances.map((i) => i.startOffsetMs);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(Math.max(...offsets)).toBeLessThan(180_000);
  });

  it('leaves the spike out with its typology', () => {
    const without = planSchedule({ durationS: 180, normalTps: 150, fraudRate: 0.05, seed: 1, limits, weights: { 'amount-spike': 0 } });
    const schedule = withDetectionScenarios(without, { durationS: 180, seed: 1, smallSpenders: 0 });
    expect(schedule.instances).toHaveLength(without.instances.length);
  });
});
