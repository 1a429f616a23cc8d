import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootstrapMerchants } from './bootstrap.ts';
import { utcOffsetHours } from './geography.ts';
import { diurnalRateFactor, localHour } from './merchant-hours.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from './participants.ts';
import { createPaymentGenerator, type GeneratedPayment } from './payment-generator.ts';
import { createSignedClient } from './signed-client.ts';
import { createTally, formatSummary, type SimulationSummary } from './tally.ts';

export type { SimulationSummary } from './tally.ts';

export interface SimulationOptions {
  /** Payments per second to schedule (the mean rate with `diurnal`). */
  tps: number;
  /** How long to send; Infinity runs until `signal` aborts (npm run demo). */
  durationS: number;
  url?: string;
  credentialsPath?: string;
  /** Read only for participants' countries; a missing file is fine. */
  configPath?: string;
  seed?: number;
  /** Cap on requests in flight; what would exceed it is counted as skipped. */
  concurrency?: number;
  payersPerWallet?: number;
  /** Modulate the rate along a compressed day of `diurnalDayS` seconds. */
  diurnal?: boolean;
  diurnalDayS?: number;
  signal?: AbortSignal;
  /** Where progress lines and the summary go; console.log by default. */
  log?: (line: string) => void;
  /** No progress lines and no summary (npm run demo); the summary is still returned. */
  quiet?: boolean;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEFAULT_CONCURRENCY = 256;
const TICK_MS = 1;
/** Time given to requests still in flight when sending stops. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Sends signed payments at a target rate, open loop: requests are scheduled by the
 * clock, not by answers, so a slow gateway shows up as latency and skips rather than
 * as a politely lower rate.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationSummary> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  validate(options, concurrency);
  const log = options.quiet ? () => undefined : (options.log ?? ((line: string) => console.log(line)));
  const { participants, homeCountry } = loadParticipants(
    options.credentialsPath ?? DEFAULT_CREDENTIALS_PATH,
    options.configPath ?? DEFAULT_CONFIG_PATH,
  );
  const client = createSignedClient(options.url ?? DEFAULT_URL, { connections: concurrency });
  try {
    const merchants = await bootstrapMerchants(
      client,
      participants.filter((p) => p.kind === 'acquirer'),
    );
    const generator = createPaymentGenerator({
      participants,
      merchants,
      homeCountry,
      seed: options.seed ?? 1,
      payersPerWallet: options.payersPerWallet,
    });
    const tally = createTally(options.tps);
    const inFlight = new Set<Promise<void>>();

    const send = (payment: GeneratedPayment): void => {
      tally.sent();
      const request = client
        .send(payment.participant, 'POST', '/v1/payments', JSON.stringify(payment.body))
        .then(
          (response) => tally.answered(response, payment.expectedDirection),
          (error: unknown) => tally.failed(error),
        )
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    };

    const clock = createClock(options, homeCountry);
    const started = performance.now();
    let nextProgress = 1;
    let due = 0;
    let last = started;
    const endsAt = started + options.durationS * 1000;
    for (;;) {
      // The last tick accrues exactly up to the end, so 200/s for 10 s is 2000 payments.
      const now = Math.min(performance.now(), endsAt);
      const elapsedS = (now - started) / 1000;
      // Credit accrues with time; at most a second's worth, so a long pause cannot burst unboundedly.
      due = Math.min(due + (options.tps * clock.rateFactor(elapsedS) * (now - last)) / 1000, Math.max(1, options.tps));
      last = now;
      const hour = clock.utcHour(elapsedS);
      for (; due >= 1 - 1e-9; due--) {
        if (inFlight.size >= concurrency) tally.skipped();
        else send(generator.next(hour));
      }
      if (elapsedS >= nextProgress) {
        log(tally.progressLine(nextProgress, inFlight.size));
        nextProgress++;
      }
      if (now >= endsAt || options.signal?.aborted) break;
      await sleep(TICK_MS);
    }
    const durationS = (performance.now() - started) / 1000;
    await drain(inFlight, DRAIN_TIMEOUT_MS);
    const summary = tally.summary(durationS);
    log(formatSummary(summary));
    return summary;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Waits for the requests in flight, but no longer than `timeoutMs`; leaves no timer behind. */
async function drain(inFlight: ReadonlySet<Promise<void>>, timeoutMs: number): Promise<void> {
  const giveUp = new AbortController();
  await Promise.race([
    Promise.allSettled([...inFlight]).then(() => giveUp.abort()),
    sleep(timeoutMs, undefined, { signal: giveUp.signal }).catch(() => undefined),
  ]);
  giveUp.abort();
}

/** The simulated time of day and the rate multiplier, real or compressed (--diurnal). */
function createClock(options: SimulationOptions, homeCountry: string) {
  const startUtcHour = (Date.now() / 3_600_000) % 24;
  if (!options.diurnal) {
    return { utcHour: (elapsedS: number) => (startUtcHour + elapsedS / 3600) % 24, rateFactor: () => 1 };
  }
  const dayS = options.diurnalDayS ?? 240;
  const utcHour = (elapsedS: number) => (startUtcHour + (24 * elapsedS) / dayS) % 24;
  return {
    utcHour,
    // The day's shape follows the gateway's home market, where most merchants are.
    rateFactor: (elapsedS: number) => diurnalRateFactor(localHour(utcHour(elapsedS), utcOffsetHours(homeCountry))),
  };
}

function validate(options: SimulationOptions, concurrency: number): void {
  if (!(options.tps > 0)) throw new RangeError(`tps must be above 0 (got ${options.tps})`);
  if (!(options.durationS > 0)) throw new RangeError(`duration must be above 0 s (got ${options.durationS})`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1 (got ${concurrency})`);
  }
}
