import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Schedule } from '../traffic/scenarios/schedule.ts';
import type { NormalTraffic } from './normal-traffic.ts';
import type { createScenarioPlayer } from './scenario-player.ts';

/**
 * The run: a warm-up of ordinary traffic until the merchants have the history of an
 * established business (a fresh platform has none, and "a merchant without history" is
 * what fan-in rules look for), then the measured window: ordinary traffic at its rate with
 * scenario instances starting through it, carried on until the last instance is done.
 */

export interface MixOptions {
  normal: NormalTraffic;
  player: ReturnType<typeof createScenarioPlayer>;
  schedule: Schedule;
  tps: number;
  warmup: {
    tps: number;
    minS: number;
    maxS: number;
    /** Approved sales every merchant of `merchantIds` should have before measuring. */
    establishedSales: number;
    merchantIds: readonly string[];
  };
  durationS: number;
  /** Called when the measured window starts. */
  onMeasure: () => void;
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface MixSummary {
  warmupS: number;
  /** Whether every merchant reached the established sales before the warm-up ran out. */
  warmupEstablished: boolean;
  leastEstablished: { merchantId: string; sales: number } | undefined;
  /** From the first scenario start to the last answer. */
  measureS: number;
  aborted: boolean;
}

const PROGRESS_EVERY_S = 10;
const DRAIN_MS = 15_000;

export async function runMix(options: MixOptions): Promise<MixSummary> {
  const { normal, player, signal, log } = options;
  const least = () => {
    let worst: { merchantId: string; sales: number } | undefined;
    for (const merchantId of options.warmup.merchantIds) {
      const sales = normal.salesOf(merchantId);
      if (!worst || sales < worst.sales) worst = { merchantId, sales };
    }
    return worst;
  };
  const progress = (phase: string) => (elapsedS: number) => {
    const n = normal.counts;
    const s = player.counts;
    const worst = least();
    log(
      `[${phase} ${elapsedS.toFixed(0).padStart(4)}s] ordinary sent ${n.sent} (flagged ${n.flagged}, failed ${n.failed}, skipped ${n.skipped}) | ` +
        `scenario requests ${s.requests} (flagged ${s.flagged}), instances ${s.finished}/${options.schedule.instances.length}` +
        (phase === 'warm-up' && worst ? ` | least sales ${worst.sales} (${worst.merchantId})` : ''),
    );
  };

  const warmupS = await pace(
    options.warmup.tps,
    (hour) => normal.send(hour),
    (elapsedS) =>
      elapsedS >= options.warmup.minS &&
      ((least()?.sales ?? Infinity) >= options.warmup.establishedSales || elapsedS >= options.warmup.maxS),
    signal,
    progress('warm-up'),
  );
  const leastEstablished = least();
  const warmupEstablished = (leastEstablished?.sales ?? Infinity) >= options.warmup.establishedSales;
  if (!warmupEstablished && !signal.aborted) {
    log(
      `warm-up: stopped at ${options.warmup.maxS} s with ${leastEstablished?.merchantId} at ${leastEstablished?.sales} sales (established: ${options.warmup.establishedSales}); ` +
        'fan-in rules may see it as new',
    );
  }

  options.onMeasure();
  const measureStartMs = Date.now();
  let scenariosDone = false;
  const playing = player.playAll(options.schedule.instances, measureStartMs).finally(() => {
    scenariosDone = true;
  });
  await pace(options.tps, (hour) => normal.send(hour), (elapsedS) => elapsedS >= options.durationS && scenariosDone, signal, progress('measure'));
  normal.closeRefunds();
  // Only an abort leaves instances playing here: give their last answers a moment, without keeping a timer behind.
  const giveUp = new AbortController();
  await Promise.race([playing, sleep(DRAIN_MS, undefined, { signal: giveUp.signal }).catch(() => undefined)]);
  giveUp.abort();
  await normal.drain(DRAIN_MS);
  return {
    warmupS,
    warmupEstablished,
    leastEstablished,
    measureS: (Date.now() - measureStartMs) / 1000,
    aborted: signal.aborted,
  };
}

/**
 * Sends at `tps`, open loop (scheduled by the clock, not by answers), until `done` says so.
 * Credit accrues at most a second's worth, so a stall cannot turn into a burst.
 */
async function pace(
  tps: number,
  send: (utcHour: number) => void,
  done: (elapsedS: number) => boolean,
  signal: AbortSignal,
  progress: (elapsedS: number) => void,
): Promise<number> {
  const started = performance.now();
  let last = started;
  let due = 0;
  let nextProgress = PROGRESS_EVERY_S;
  for (;;) {
    const now = performance.now();
    const elapsedS = (now - started) / 1000;
    due = Math.min(due + (tps * (now - last)) / 1000, Math.max(1, tps));
    last = now;
    const utcHour = (Date.now() / 3_600_000) % 24;
    for (; due >= 1; due--) send(utcHour);
    if (elapsedS >= nextProgress) {
      progress(elapsedS);
      nextProgress += PROGRESS_EVERY_S;
    }
    if (signal.aborted || done(elapsedS)) return elapsedS;
    await sleep(1);
  }
}
