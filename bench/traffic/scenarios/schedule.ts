import { createRandom, pickWeighted } from '../random.ts';
import { variantsOf } from './catalog.ts';
import type { ScenarioLimits } from './limits.ts';
import { TYPOLOGIES, type ScenarioVariant, type Typology } from './scenario.ts';

/**
 * When which scenario instance starts: fraud mixed into ordinary traffic at a rate. Known
 * before the platform starts (the bench config needs the merchants instances will own);
 * the steps themselves are generated when an instance starts, against the wall clock.
 */

export interface ScheduleOptions {
  /** Seconds during which instances start; the last ones finish after it. */
  durationS: number;
  /** Ordinary payments per second. */
  normalTps: number;
  /** Share of all requests of the measured window that belong to scenarios, 0 to below 1. */
  fraudRate: number;
  /** Relative share of each typology in the scenario requests; 1 when absent, 0 leaves it out. */
  weights?: Partial<Record<Typology, number>>;
  seed: number;
  limits: ScenarioLimits;
}

export interface ScheduledInstance {
  /** "i0001", in order of start. */
  id: string;
  variant: ScenarioVariant;
  startOffsetMs: number;
  seed: number;
  /** Merchants of the bench config that only this instance pays. */
  ownMerchantIds: string[];
}

export interface Schedule {
  instances: ScheduledInstance[];
  ownMerchantIds: string[];
  /** Scenario requests each typology was given, and the instances that makes. */
  plan: Array<{ typology: Typology; requestBudget: number; instances: number }>;
}

export const OWN_MERCHANT_PREFIX = 'bench-own-';

export function planSchedule(options: ScheduleOptions): Schedule {
  const { durationS, normalTps, fraudRate, seed, limits } = options;
  if (!(durationS > 0)) throw new RangeError(`duration must be above 0 s (got ${durationS})`);
  if (!(normalTps > 0)) throw new RangeError(`ordinary traffic must be above 0/s (got ${normalTps})`);
  if (!(fraudRate >= 0 && fraudRate < 1)) throw new RangeError(`fraud rate is a share from 0 to below 1 (got ${fraudRate})`);
  const random = createRandom(seed ^ 0x5eed);
  const weightOf = (t: Typology) => options.weights?.[t] ?? 1;
  const totalWeight = TYPOLOGIES.reduce((sum, t) => sum + Math.max(0, weightOf(t)), 0);
  // Scenario requests such that they make `fraudRate` of everything sent in the window.
  const budget = fraudRate > 0 && totalWeight > 0 ? (fraudRate / (1 - fraudRate)) * normalTps * durationS : 0;

  const drafts: Array<Omit<ScheduledInstance, 'id' | 'ownMerchantIds'>> = [];
  const plan: Schedule['plan'] = [];
  for (const typology of TYPOLOGIES) {
    const weight = Math.max(0, weightOf(typology));
    const variants = variantsOf(typology);
    if (weight === 0 || budget === 0 || variants.length === 0) continue;
    const variantWeights = variants.map((v) => v.weight);
    const meanRequests =
      variants.reduce((sum, v) => sum + v.weight * v.requests(limits), 0) / variantWeights.reduce((a, b) => a + b, 0);
    const requestBudget = (budget * weight) / totalWeight;
    const count = Math.max(1, Math.round(requestBudget / meanRequests));
    plan.push({ typology, requestBudget: Math.round(requestBudget), instances: count });
    for (let i = 0; i < count; i++) {
      drafts.push({
        variant: variants[pickWeighted(random, variantWeights)] as ScenarioVariant,
        startOffsetMs: Math.floor(random.next() * durationS * 1000),
        seed: random.int(2 ** 31),
      });
    }
  }
  drafts.sort((a, b) => a.startOffsetMs - b.startOffsetMs);
  const ownMerchantIds: string[] = [];
  const instances = drafts.map((draft, i): ScheduledInstance => {
    const own = Array.from({ length: draft.variant.ownMerchants ?? 0 }, () => {
      const id = `${OWN_MERCHANT_PREFIX}${String(ownMerchantIds.length + 1).padStart(4, '0')}`;
      ownMerchantIds.push(id);
      return id;
    });
    return { ...draft, id: `i${String(i + 1).padStart(4, '0')}`, ownMerchantIds: own };
  });
  return { instances, ownMerchantIds, plan };
}
