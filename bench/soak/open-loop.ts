import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLatencyRecorder, type LatencyRecorder } from '../traffic/stats.ts';

/** What one request came back with; a thrown error counts as a network error. */
export interface Answer {
  status: number;
  /** For 2xx payments: the payment's status (APPROVED, DECLINED, ...). */
  decision?: string;
}

/** The figures of one minute of the schedule, all counted by the client. */
export interface MinuteTraffic {
  /** 1-based. */
  minute: number;
  /** Seconds of schedule in this minute (60, less for a run stopped early). */
  seconds: number;
  /** Payments the schedule called for in this minute: sent + missed. */
  offered: number;
  sent: number;
  /** Due but not sent: `missedLate` were over LATE_MS behind schedule, `missedAtCap` found every connection busy. */
  missed: number;
  missedLate: number;
  missedAtCap: number;
  /** HTTP answers that arrived in this minute (the last minute also takes those after the schedule ended). */
  answered: number;
  ok2xx: number;
  /** 2xx answers per second of schedule. */
  achievedPerS: number;
  /** Non-2xx answers by HTTP status. */
  nonOkByStatus: Record<string, number>;
  /** Requests that got no HTTP answer, by error code (timeouts, resets, refused). */
  errors: Record<string, number>;
  /** 2xx answers by the payment status they carried. */
  decisions: Record<string, number>;
  /** From the payment's scheduled send time to the end of its answer, for answers that arrived in this minute. */
  latencyMs: { count: number; p50: number; p99: number; max: number };
  /** How far behind schedule the worst payment of this minute was sent: the load generator's own delay. */
  maxSendDelayMs: number;
}

export interface OpenLoopOptions {
  tps: number;
  minutes: number;
  /** Requests in flight at most: a payment due while this many are out is missed. */
  maxInFlight: number;
  /** Sends one request; resolves with its answer (any status), rejects on a network error. */
  operation: () => Promise<Answer>;
  /** Called as each minute closes (the last one after the requests in flight settled). */
  onMinute: (minute: MinuteTraffic) => void;
  /** How long to wait for the requests in flight when the schedule ends. */
  drainMs: number;
  signal?: AbortSignal;
}

export interface OpenLoopResult {
  minutes: MinuteTraffic[];
  /** Latency over the whole run, from scheduled send time to answer. */
  latencyMs: { count: number; p50: number; p99: number; max: number };
  /** Requests still without an answer when `drainMs` ran out. */
  unsettled: number;
  /** True when `signal` stopped the schedule early. */
  aborted: boolean;
}

/**
 * Payments beyond this behind their scheduled time are counted as missed, not sent: after
 * the load generator itself stalled, a burst of catch-up requests would measure the burst.
 */
export const LATE_MS = 1000;
const TICK_MS = 1;
const MINUTE_MS = 60_000;

/**
 * Open loop: payment i is due at start + i/tps, whatever the answers do. A due payment is
 * sent unless `maxInFlight` requests are out or it is over LATE_MS late; then it is
 * counted as missed, so a slow platform shows as latency and misses, never as a politely
 * lower rate. Latency runs from the scheduled time, so the generator's own delays count.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const periodMs = 1000 / options.tps;
  const total = Math.round(options.minutes * 60 * options.tps);
  const overall = createLatencyRecorder(1 << 16);
  const minutes: MinuteTraffic[] = [];
  const inFlight = new Set<Promise<void>>();
  let current = openWindow();
  const start = performance.now();
  const endOfSchedule = start + options.minutes * MINUTE_MS;
  const minuteEnd = () => start + (minutes.length + 1) * MINUTE_MS;

  const closeMinute = (until: number) => {
    const seconds = (until - (start + minutes.length * MINUTE_MS)) / 1000;
    const closed = closeWindow(current, minutes.length + 1, seconds);
    minutes.push(closed);
    current = openWindow();
    options.onMinute(closed);
  };

  const offer = (scheduledAt: number, now: number) => {
    const w = current;
    w.offered++;
    const delay = now - scheduledAt;
    if (delay > LATE_MS) {
      w.missedLate++;
      return;
    }
    if (inFlight.size >= options.maxInFlight) {
      w.missedAtCap++;
      return;
    }
    w.sent++;
    if (delay > w.maxSendDelayMs) w.maxSendDelayMs = delay;
    const request = options
      .operation()
      .then(
        (answer) => {
          const latency = performance.now() - scheduledAt;
          // The minute open when the answer arrived: answers count in the minute they came back.
          current.answered++;
          current.latency.record(latency);
          overall.record(latency);
          if (answer.status >= 200 && answer.status < 300) {
            current.ok2xx++;
            increment(current.decisions, answer.decision ?? '(none)');
          } else {
            increment(current.nonOkByStatus, String(answer.status));
          }
        },
        (error: unknown) => increment(current.errors, errorCode(error)),
      )
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  let next = 0;
  let aborted = false;
  for (;;) {
    const now = performance.now();
    for (; next < total; next++) {
      const scheduledAt = start + next * periodMs;
      if (scheduledAt > now) break;
      // A payment due in a later minute than the open one closes the open one first.
      while (scheduledAt >= minuteEnd() && minutes.length < options.minutes - 1) closeMinute(minuteEnd());
      offer(scheduledAt, now);
    }
    while (now >= minuteEnd() && minutes.length < options.minutes - 1) closeMinute(minuteEnd());
    if (next >= total) break;
    if (options.signal?.aborted) {
      aborted = true;
      break;
    }
    await sleep(TICK_MS);
  }
  const scheduleEnded = aborted ? performance.now() : endOfSchedule;
  // The last minute keeps the answers still on their way, so it closes once they settled.
  const unsettled = await settle(inFlight, options.drainMs);
  if (unsettled > 0) current.errors['no answer when the run ended'] = unsettled;
  closeMinute(Math.min(scheduleEnded, endOfSchedule));
  return { minutes, latencyMs: summaryOf(overall), unsettled, aborted };
}

interface Window {
  offered: number;
  sent: number;
  missedLate: number;
  missedAtCap: number;
  answered: number;
  ok2xx: number;
  nonOkByStatus: Record<string, number>;
  errors: Record<string, number>;
  decisions: Record<string, number>;
  latency: LatencyRecorder;
  maxSendDelayMs: number;
}

function openWindow(): Window {
  return {
    offered: 0,
    sent: 0,
    missedLate: 0,
    missedAtCap: 0,
    answered: 0,
    ok2xx: 0,
    nonOkByStatus: {},
    errors: {},
    decisions: {},
    latency: createLatencyRecorder(1 << 14),
    maxSendDelayMs: 0,
  };
}

function closeWindow(w: Window, minute: number, seconds: number): MinuteTraffic {
  return {
    minute,
    seconds,
    offered: w.offered,
    sent: w.sent,
    missed: w.missedLate + w.missedAtCap,
    missedLate: w.missedLate,
    missedAtCap: w.missedAtCap,
    answered: w.answered,
    ok2xx: w.ok2xx,
    achievedPerS: seconds > 0 ? w.ok2xx / seconds : 0,
    nonOkByStatus: w.nonOkByStatus,
    errors: w.errors,
    decisions: w.decisions,
    latencyMs: summaryOf(w.latency),
    maxSendDelayMs: w.maxSendDelayMs,
  };
}

function summaryOf(recorder: LatencyRecorder): MinuteTraffic['latencyMs'] {
  const s = recorder.summarize();
  return { count: s.count, p50: s.p50, p99: s.p99, max: s.max };
}

/** Waits for the requests in flight up to `timeoutMs`; how many were still out. */
async function settle(inFlight: ReadonlySet<Promise<void>>, timeoutMs: number): Promise<number> {
  const giveUp = new AbortController();
  await Promise.race([
    Promise.allSettled([...inFlight]).then(() => giveUp.abort()),
    sleep(timeoutMs, undefined, { signal: giveUp.signal }).catch(() => undefined),
  ]);
  giveUp.abort();
  return inFlight.size;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'Error';
}

function increment(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}
