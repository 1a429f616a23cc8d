/**
 * How many authorisations one node works on at once, found from the time its admitted ones
 * take (a gradient limit, after Netflix concurrency-limits' Gradient2 and Vegas, with the
 * no-load probe of TCP BBR). Below its capacity a node answers in about its no-load time
 * whatever the concurrency; past it, more in flight only queue and every answer takes longer.
 * Each window of answers compares their mean time (rtt) with the no-load time (rttNoload):
 *
 *   gradient = clamp(TOLERANCE * rttNoload / rtt, 0.5, 1)
 *   limit   <- limit * (1 - SMOOTHING) + (limit * gradient + QUEUE_ALLOWANCE) * SMOOTHING
 *
 * While answers take less than TOLERANCE times the no-load time the limit grows by
 * QUEUE_ALLOWANCE * SMOOTHING a window; once a queue shows it shrinks in proportion, by a
 * tenth a window at most, and settles a few places past the node's capacity, whatever that
 * is, rather than at a fixed floor. It does not grow while the node uses less than half of it.
 *
 * rttNoload is the least window mean since the last probe: the time at the minimum, where
 * the node batches just enough to reach its capacity. A node kept full never shows its
 * no-load time (its average only follows the queue, which is how Gradient2's baseline drifts
 * up under a long overload), so every PROBE_EVERY_MS of being full the limit drops to its
 * minimum for one window and that window's mean, of requests admitted during it, becomes
 * rttNoload: a hundred milliseconds of fewer admissions every ten seconds.
 *
 * Payments that miss the risk deadline shrink it too (`adjust`), by a tenth a period: the
 * risk step may suffer what the mean time does not show.
 */
export const DEFAULT_MAX_IN_FLIGHT = 256;
/**
 * A node batches: with more payments in flight each costs it less CPU (Redis commands share
 * writes, the event loop's turns share their overhead). Measured once on two shared cores,
 * CPU per payment at 2 / 4 / 8 / 16 / 32 in flight was 1.78 / 1.55 / 1.13 / 0.65 / 0.63 ms:
 * below 16 the node loses capacity, whatever the latency says. And open-loop traffic well
 * below capacity (2,000/s offered to a node that answers ~2,900/s) has bursts of more than
 * 32 in flight whenever a pause (GC, an insert on the same cores) holds answers up: a floor
 * of 16 refused 11-13 % of such traffic in a soak (the limit, once refusing, read the pause
 * as a queue). The floor is the old fixed bound, 64: the limit moves between it and the
 * maximum, and only while the node refuses.
 */
export const DEFAULT_MIN_IN_FLIGHT = 64;
/** A window closes after this long and at least WINDOW_ANSWERS answers. */
export const WINDOW_MS = 100;
export const WINDOW_ANSWERS = 10;
export const SMOOTHING = 0.2;
export const TOLERANCE = 2;
/** Places of queue the limit grows by (times SMOOTHING) while answers take their usual time. */
export const QUEUE_ALLOWANCE = 4;
export const PROBE_EVERY_MS = 10_000;
const MIN_GRADIENT = 0.5;
/** The risk deadline's share of misses over which a period shrinks the limit. */
export const MAX_LATE_SHARE = 0.05;
/** Fewer scored payments than this in a period say nothing about lateness. */
const MIN_SAMPLE = 20;

/** Cumulative counts from the risk engine: payments scored, and those that missed the deadline. */
export interface RiskPressure {
  scored: number;
  late: number;
}

/** What /metrics and /health show of the limit. */
export interface AdmissionState {
  limit: number;
  inFlight: number;
  minLimit: number;
  maxLimit: number;
  /** What an answer takes without a queue, in ms: the least window mean since the last probe (undefined before the first window). */
  rttNoloadMs?: number;
  /** Mean time of the answers of the last window, in ms. */
  rttMs?: number;
  /** TOLERANCE * rttNoload / rtt of the last window, clamped to [0.5, 1]: below 1, a queue showed. */
  gradient: number;
  /** True while one window at the minimum measures the no-load time. */
  probing: boolean;
}

export interface AdmissionLimit {
  /** Takes a place if one is free. */
  tryEnter(): boolean;
  /** Whether a place is free now, without taking it (a refusal: the limit moves only while it refuses). */
  hasRoom(): boolean;
  /**
   * Gives a place back. `admittedAt` (on the limit's clock, `now`) when the request was
   * answered: how long it took measures the node. Not when its caller left early.
   */
  leave(admittedAt?: number): void;
  /** One period of the risk engine ended: looks at its counts since the last one. */
  adjust(pressure: RiskPressure): void;
  readonly inFlight: number;
  readonly limit: number;
  state(): AdmissionState;
  /** The limit's clock, for `leave`. */
  now(): number;
}

export interface AdmissionLimitOptions {
  maxInFlight: number;
  minInFlight?: number;
  /** Milliseconds, monotonic; performance.now by default. */
  now?: () => number;
}

export function createAdmissionLimit(options: AdmissionLimitOptions): AdmissionLimit {
  const max = options.maxInFlight;
  const min = Math.min(options.minInFlight ?? DEFAULT_MIN_IN_FLIGHT, max);
  if (!(Number.isInteger(max) && max >= 1)) throw new Error(`maxInFlight must be a whole number >= 1, got ${max}`);
  if (!(Number.isInteger(min) && min >= 1)) throw new Error(`minInFlight must be a whole number >= 1, got ${min}`);
  const now = options.now ?? (() => performance.now());
  const clamp = (value: number) => Math.max(min, Math.min(max, value));
  // Starts open: the first full window probes, and a queue brings the limit down.
  let estimate = max;
  let limit = max;
  let inFlight = 0;
  let noload: number | undefined;
  let probedAt = -Infinity;
  let probeStart: number | undefined;
  let lastRtt: number | undefined;
  let gradient = 1;
  // The window being filled.
  let windowStart = now();
  let answers = 0;
  let answeredMs = 0;
  let busiest = 0;
  // Requests refused in the window: the limit moves (and probes) only while it refuses.
  let refused = 0;
  let last: RiskPressure | undefined;

  const setEstimate = (value: number) => {
    estimate = clamp(value);
    if (probeStart === undefined) limit = Math.floor(estimate);
  };

  const closeWindow = (at: number) => {
    const rtt = answeredMs / answers;
    const appLimited = busiest < limit / 2;
    const quiet = busiest <= min;
    // A node that refused nothing is not full: its latency is its work (or the machine), not a
    // queue the limit could shorten, and a burst below the limit must not bring it down.
    const full = refused > 0;
    windowStart = at;
    answers = 0;
    answeredMs = 0;
    busiest = inFlight;
    refused = 0;
    lastRtt = rtt;
    if (probeStart !== undefined || (quiet && at - probedAt >= PROBE_EVERY_MS)) {
      // A probe, or a window as quiet as one: the no-load time as it is now, up or down.
      noload = rtt;
      probedAt = at;
      probeStart = undefined;
      limit = Math.floor(estimate);
      return;
    }
    noload = Math.min(noload ?? rtt, rtt);
    gradient = Math.max(MIN_GRADIENT, Math.min(1, (TOLERANCE * noload) / rtt));
    if (appLimited || !full) return;
    setEstimate(estimate * (1 - SMOOTHING) + (estimate * gradient + QUEUE_ALLOWANCE) * SMOOTHING);
    if (at - probedAt >= PROBE_EVERY_MS) {
      probeStart = at;
      limit = min;
    }
  };

  return {
    tryEnter() {
      if (inFlight >= limit) {
        refused++;
        return false;
      }
      inFlight++;
      if (inFlight > busiest) busiest = inFlight;
      return true;
    },
    hasRoom() {
      if (inFlight < limit) return true;
      refused++;
      return false;
    },
    leave(admittedAt) {
      inFlight--;
      if (admittedAt === undefined) return;
      // A probe measures only what it admitted: the others queued behind the full limit.
      if (probeStart !== undefined && admittedAt < probeStart) return;
      const at = now();
      answers++;
      answeredMs += at - admittedAt;
      if (answers >= WINDOW_ANSWERS && at - windowStart >= WINDOW_MS) closeWindow(at);
    },
    adjust(pressure) {
      const scored = pressure.scored - (last?.scored ?? pressure.scored);
      const late = pressure.late - (last?.late ?? pressure.late);
      last = { ...pressure };
      if (scored >= MIN_SAMPLE && late > MAX_LATE_SHARE * scored) setEstimate(estimate * (1 - SMOOTHING * MIN_GRADIENT));
    },
    get inFlight() {
      return inFlight;
    },
    get limit() {
      return limit;
    },
    state() {
      return { limit, inFlight, minLimit: min, maxLimit: max, rttNoloadMs: noload, rttMs: lastRtt, gradient, probing: probeStart !== undefined };
    },
    now,
  };
}
