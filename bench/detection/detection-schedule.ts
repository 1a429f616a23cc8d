import { createRandom } from '../traffic/random.ts';
import type { ScheduledInstance, Schedule } from '../traffic/scenarios/schedule.ts';
import type { ScenarioVariant } from '../traffic/scenarios/scenario.ts';
import { shortHistorySpike, smallSpenderBigTicket } from './short-history-spike.ts';

/**
 * The detection benchmark's own scenarios, added to the traffic catalog's schedule: the
 * short-history spike, played as many times as the schedule plays its typology (so
 * `--weights amount-spike=0` leaves it out too), and its legitimate double, small
 * spenders' big-ticket purchases, as many as asked.
 */

export interface DetectionScheduleOptions {
  durationS: number;
  seed: number;
  /** Small spenders who make a big-ticket purchase during the measured window. */
  smallSpenders: number;
}

export function withDetectionScenarios(schedule: Schedule, options: DetectionScheduleOptions): Schedule {
  const random = createRandom(options.seed ^ 0x19);
  const spikes = schedule.plan.find((p) => p.typology === shortHistorySpike.typology)?.instances ?? 0;
  const extra: Array<{ variant: ScenarioVariant; count: number }> = [
    { variant: shortHistorySpike, count: spikes },
    { variant: smallSpenderBigTicket, count: options.smallSpenders },
  ];
  let n = schedule.instances.length;
  const added: ScheduledInstance[] = extra.flatMap(({ variant, count }) =>
    Array.from({ length: count }, () => ({
      // Instance ids name the identities an instance is given: they go on from the catalog's.
      id: `i${String(++n).padStart(4, '0')}`,
      variant,
      startOffsetMs: Math.floor(random.next() * options.durationS * 1000),
      seed: random.int(2 ** 31),
      ownMerchantIds: [],
    })),
  );
  return {
    ...schedule,
    instances: [...schedule.instances, ...added].sort((a, b) => a.startOffsetMs - b.startOffsetMs),
  };
}
