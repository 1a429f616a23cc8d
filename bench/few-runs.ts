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

/** A few runs as a measurement: per second from the median; with so few runs the 99th percentile is the slowest. */
export function measurementOfRuns(t: TimedRuns): Measurement {
  const sorted = [...t.ms].sort((a, b) => a - b);
  const p50 = median(sorted);
  return {
    name: t.name,
    role: t.role,
    completed: t.ms.length,
    perSecond: 1000 / p50,
    p50Ms: p50,
    p99Ms: sorted.at(-1) ?? Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN,
    failures: t.failures,
    failureKinds: t.failureKinds,
  };
}
