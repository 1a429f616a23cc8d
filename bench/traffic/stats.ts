/**
 * Latency percentiles, exact up to `maxSamples` (a benchmark or a test run); beyond it a
 * uniform reservoir keeps memory bounded for the endless run of `npm run demo`.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile of an ascending array: the smallest sample that at least
 * `p` percent of samples are less than or equal to. NaN for no samples.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] as number;
}

export interface LatencyRecorder {
  record(ms: number): void;
  readonly count: number;
  summarize(): LatencySummary;
  /** Forgets every sample, for per-second windows. */
  reset(): void;
}

export function createLatencyRecorder(initialCapacity = 4096, maxSamples = 1 << 21): LatencyRecorder {
  let samples = new Float64Array(Math.min(initialCapacity, maxSamples));
  let count = 0;
  let seen = 0;
  let sum = 0;
  let max = Number.NaN;
  return {
    record(ms: number): void {
      seen++;
      sum += ms;
      if (!(ms <= max)) max = ms;
      if (count === maxSamples) {
        // Reservoir sampling (algorithm R): every sample seen so far stays equally likely to be kept.
        const slot = Math.floor(Math.random() * seen);
        if (slot < maxSamples) samples[slot] = ms;
        return;
      }
      if (count === samples.length) {
        const grown = new Float64Array(Math.min(samples.length * 2, maxSamples));
        grown.set(samples);
        samples = grown;
      }
      samples[count++] = ms;
    },
    get count() {
      return seen;
    },
    summarize(): LatencySummary {
      const sorted = samples.slice(0, count).sort();
      return {
        count: seen,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max,
        mean: seen > 0 ? sum / seen : Number.NaN,
      };
    },
    reset(): void {
      count = 0;
      seen = 0;
      sum = 0;
      max = Number.NaN;
    },
  };
}

/** Milliseconds with a precision that suits the magnitude; "-" when there was nothing to measure. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}
