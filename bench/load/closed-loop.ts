import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLatencyRecorder, type LatencySummary } from '../traffic/stats.ts';

/** What one operation of a load run came to. */
export interface Outcome {
  ok: boolean;
  /** Why it was not ok, e.g. "HTTP 401 AUTH_BAD_SIGNATURE" or "ECONNRESET". */
  failure?: string;
  /** The operation's own latency; measured around the call when absent. */
  latencyMs?: number;
  /**
   * The target refused the operation and asked to be left alone this long (503 OVERLOADED
   * with Retry-After): neither completed nor failed, counted as refused, and the worker
   * waits as a well-behaved client would before its next operation.
   */
  backOffMs?: number;
}

export interface ClosedLoopOptions {
  concurrency: number;
  warmupS: number;
  measureS: number;
  operation: () => Promise<Outcome>;
}

export interface ClosedLoopResult {
  /** Operations completed inside the measurement window. */
  completed: number;
  perSecond: number;
  latencyMs: LatencySummary;
  /** Operations in the window that were not ok, or threw. */
  failures: number;
  failureKinds: Record<string, number>;
  /** Operations in the window the target refused with a back-off (see Outcome.backOffMs). */
  refused: number;
}

/**
 * Closed loop: `concurrency` workers, each starting its next operation when the previous
 * one answered. Only operations that finish inside the measurement window count, after
 * a warm-up that lets JIT, connection pools and caches settle.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latency = createLatencyRecorder(1 << 16);
  const failureKinds: Record<string, number> = {};
  let completed = 0;
  let failures = 0;
  let refused = 0;
  const begin = performance.now();
  const measureFrom = begin + options.warmupS * 1000;
  const measureUntil = measureFrom + options.measureS * 1000;

  const worker = async (): Promise<void> => {
    while (performance.now() < measureUntil) {
      const started = performance.now();
      let outcome: Outcome;
      try {
        outcome = await options.operation();
      } catch (e) {
        const error = e as { code?: unknown; name?: unknown };
        outcome = { ok: false, failure: typeof error.code === 'string' ? error.code : String(error.name ?? 'Error') };
      }
      const finished = performance.now();
      if (outcome.backOffMs !== undefined) {
        if (finished >= measureFrom && finished <= measureUntil) refused++;
        await sleep(Math.min(outcome.backOffMs, Math.max(0, measureUntil - performance.now())));
        continue;
      }
      if (finished < measureFrom || finished > measureUntil) continue;
      completed++;
      latency.record(outcome.latencyMs ?? finished - started);
      if (!outcome.ok) {
        failures++;
        const kind = outcome.failure ?? 'failed';
        failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
        // A target that refuses everything should not turn the loop into a busy spin.
        if (outcome.latencyMs === undefined) await sleep(1);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { completed, perSecond: completed / options.measureS, latencyMs: latency.summarize(), failures, failureKinds, refused };
}
