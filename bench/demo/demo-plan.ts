import { planSchedule, OWN_MERCHANT_PREFIX, type ScheduledInstance } from '../traffic/scenarios/schedule.ts';
import type { ScenarioLimits } from '../traffic/scenarios/limits.ts';

/**
 * When the demo plays the labelled fraud scenarios of bench:detection: in cycles as long as
 * the summary period, each cycle a schedule of its own (every typology at least once),
 * instances starting in its first part so that they are answered by the cycle's summary.
 * Planned before the platform starts: the fan-in and refund-abuse instances need merchants
 * of their own, without history, in the config (bench/detection/bench-config.ts).
 */

export interface DemoPlanOptions {
  cycleS: number;
  cycles: number;
  tps: number;
  /** Share of the requests that belong to scenarios, 0 to below 1. */
  fraudRate: number;
  seed: number;
  limits: ScenarioLimits;
}

export interface DemoPlan {
  /** Every cycle's instances, offsets from the start of live traffic. */
  instances: ScheduledInstance[];
  ownMerchantIds: string[];
  cycleS: number;
  cycles: number;
}

/** Instances start within this share of a cycle; the longest scenarios (probing, geo) take a few minutes. */
const START_SHARE = 0.5;

export function planDemo(options: DemoPlanOptions): DemoPlan {
  const instances: ScheduledInstance[] = [];
  const ownMerchantIds: string[] = [];
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    const schedule = planSchedule({
      durationS: options.cycleS * START_SHARE,
      normalTps: options.tps,
      fraudRate: options.fraudRate,
      seed: options.seed + cycle,
      limits: options.limits,
    });
    // Ids unique across cycles: instance ids name the identities an instance is given, merchants are config entries.
    const prefix = `c${String(cycle + 1).padStart(2, '0')}`;
    for (const instance of schedule.instances) {
      const own = instance.ownMerchantIds.map((id) => `${OWN_MERCHANT_PREFIX}${prefix}-${id.slice(OWN_MERCHANT_PREFIX.length)}`);
      ownMerchantIds.push(...own);
      instances.push({
        ...instance,
        id: `${prefix}${instance.id}`,
        startOffsetMs: cycle * options.cycleS * 1000 + instance.startOffsetMs,
        ownMerchantIds: own,
      });
    }
  }
  return { instances, ownMerchantIds, cycleS: options.cycleS, cycles: options.cycles };
}
