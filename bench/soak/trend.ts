import { linearRegression, median } from 'simple-statistics';

/** One minute as the trend sees it: its end-of-minute RSS and its latency p99. */
export interface MinutePoint {
  minute: number;
  /** VmRSS at the end of the minute; undefined when it could not be read. */
  platformRssMiB?: number;
  redisRssMiB?: number;
  /** NaN when nothing was answered in the minute. */
  p99Ms: number;
}

export const RSS_LIMIT_MIB = 1024;
export const FLAT_P99_FACTOR = 1.5;
/** Fewer minutes than this give no slope over "the minutes after the first" and no thirds worth comparing. */
export const MIN_MINUTES_TO_JUDGE = 3;

export interface Trend {
  /** Least squares over the minutes after the first (the first holds start-up and JIT warm-up), MiB per minute. */
  rssSlopeMiBPerMinute: { platform: number | null; redis: number | null; minutes: string };
  maxRss: { platformMiB: number | null; redisMiB: number | null; limitMiB: number; platformBelowLimit: boolean | null };
  p99: { firstMinuteMs: number | null; lastMinuteMs: number | null; lastOverFirst: number | null };
  p99Flat: {
    rule: string;
    firstThirdMedianMs: number | null;
    lastThirdMedianMs: number | null;
    lastOverFirst: number | null;
    /** null: not judged (too few minutes, or minutes without answers). */
    flat: boolean | null;
  };
}

/** Judges memory growth and latency drift from per-minute figures; `peak*` are the kernel's VmHWM. */
export function judgeTrend(points: readonly MinutePoint[], peak: { platformMiB?: number; redisMiB?: number }): Trend {
  const afterFirst = points.filter((p) => p.minute > 1);
  const platformMax = maxOf([peak.platformMiB, ...points.map((p) => p.platformRssMiB)]);
  const redisMax = maxOf([peak.redisMiB, ...points.map((p) => p.redisRssMiB)]);
  const first = points[0];
  const last = points[points.length - 1];
  const firstP99 = first && points.length > 1 ? finite(first.p99Ms) : null;
  const lastP99 = last && points.length > 1 ? finite(last.p99Ms) : null;
  const third = Math.floor(points.length / 3);
  const judged = points.length >= MIN_MINUTES_TO_JUDGE;
  const firstThird = judged ? medianOf(points.slice(0, third).map((p) => p.p99Ms)) : null;
  const lastThird = judged ? medianOf(points.slice(points.length - third).map((p) => p.p99Ms)) : null;
  const thirdRatio = firstThird !== null && lastThird !== null && firstThird > 0 ? lastThird / firstThird : null;
  return {
    rssSlopeMiBPerMinute: {
      platform: slope(afterFirst.map((p) => [p.minute, p.platformRssMiB])),
      redis: slope(afterFirst.map((p) => [p.minute, p.redisRssMiB])),
      minutes: afterFirst.length >= 2 ? `${afterFirst[0]!.minute}-${afterFirst[afterFirst.length - 1]!.minute}` : 'too few',
    },
    maxRss: {
      platformMiB: platformMax,
      redisMiB: redisMax,
      limitMiB: RSS_LIMIT_MIB,
      platformBelowLimit: platformMax === null ? null : platformMax < RSS_LIMIT_MIB,
    },
    p99: { firstMinuteMs: firstP99, lastMinuteMs: lastP99, lastOverFirst: firstP99 && lastP99 !== null ? lastP99 / firstP99 : null },
    p99Flat: {
      rule:
        `flat when the median per-minute p99 of the last third of the minutes is within ${FLAT_P99_FACTOR}x ` +
        `of the first third's (thirds of floor(M/3) minutes; judged from ${MIN_MINUTES_TO_JUDGE} minutes on)`,
      firstThirdMedianMs: firstThird,
      lastThirdMedianMs: lastThird,
      lastOverFirst: thirdRatio,
      flat: thirdRatio === null ? null : thirdRatio <= FLAT_P99_FACTOR,
    },
  };
}

/** Least-squares slope of y over x; null with fewer than two points that have a y. */
export function slope(points: ReadonlyArray<readonly [number, number | undefined]>): number | null {
  const known = points.filter((p): p is [number, number] => p[1] !== undefined && Number.isFinite(p[1]));
  if (known.length < 2) return null;
  return linearRegression(known.map(([x, y]) => [x, y])).m;
}

function medianOf(values: readonly number[]): number | null {
  const known = values.filter(Number.isFinite);
  // A third with a minute that answered nothing is not a figure to compare.
  return known.length === values.length && known.length > 0 ? median(known) : null;
}

function maxOf(values: ReadonlyArray<number | undefined>): number | null {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return known.length > 0 ? Math.max(...known) : null;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
