import type { Measurement } from './suite.ts';

/** A call timed a few times (the analytics and cases suites): its runs' milliseconds and failures. */
export interface TimedRuns {
  name: string;
  role: Measurement['role'];
  ms: number[];
  failures: number;
  failureKinds: Record<string, number>;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Runs as a measurement: per second from the median; the 99th percentile from 100 runs up, the slowest below that. */
export function measurementOfRuns(t: TimedRuns): Measurement {
  const sorted = [...t.ms].sort((a, b) => a - b);
  const p50 = median(sorted);
  return {
    name: t.name,
    role: t.role,
    completed: t.ms.length,
    perSecond: 1000 / p50,
    p50Ms: p50,
    p99Ms: (sorted.length >= 100 ? sorted[Math.ceil(0.99 * sorted.length) - 1] : sorted.at(-1)) ?? Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN,
    failures: t.failures,
    failureKinds: t.failureKinds,
  };
}
