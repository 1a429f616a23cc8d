import { mean, median, medianAbsoluteDeviation, standardDeviation, zScore } from 'simple-statistics';

/**
 * How far one value lies from its history, measured twice: the classic z-score (mean and
 * standard deviation, which one past outlier inflates) and a robust score (median and
 * median absolute deviation, which past outliers barely move). A monitor raises only when
 * both agree, so neither a noisy history nor a single odd day decides alone.
 */

/** 1.4826 x MAD estimates the standard deviation of normally distributed data. */
export const MAD_TO_STANDARD_DEVIATION = 1.4826;

export interface AnomalyScore {
  value: number;
  historyPoints: number;
  mean: number;
  standardDeviation: number;
  median: number;
  /** Median absolute deviation from the median. */
  mad: number;
  /** The smallest spread either score divides by (see `scoreAgainstHistory`). */
  spreadFloor: number;
  /** (value - mean) / max(standard deviation, floor). */
  zScore: number;
  /** (value - median) / max(1.4826 x MAD, floor): a modified z-score. */
  robustScore: number;
}

/**
 * Scores `value` against `history`. `spreadFloor` (> 0) is the least spread the metric can
 * have by chance, e.g. Poisson noise for counts: a perfectly steady history (standard
 * deviation and MAD 0) would otherwise make any difference infinitely abnormal.
 */
export function scoreAgainstHistory(value: number, history: number[], spreadFloor: number): AnomalyScore {
  if (history.length === 0) throw new RangeError('no history to score against');
  if (!(spreadFloor > 0)) throw new RangeError('the spread floor must be greater than zero');
  const m = mean(history);
  const sd = standardDeviation(history);
  const med = median(history);
  const mad = medianAbsoluteDeviation(history);
  return {
    value,
    historyPoints: history.length,
    mean: m,
    standardDeviation: sd,
    median: med,
    mad,
    spreadFloor,
    zScore: zScore(value, m, Math.max(sd, spreadFloor)),
    robustScore: (value - med) / Math.max(MAD_TO_STANDARD_DEVIATION * mad, spreadFloor),
  };
}

export interface Thresholds {
  zScoreThreshold: number;
  robustScoreThreshold: number;
}

/**
 * How many times over both thresholds the value is, in the direction that matters: the
 * smaller of |z| / z threshold and |robust| / robust threshold, 0 when the two scores
 * disagree on the direction. Abnormal when it is at least 1.
 */
export function anomalyStrength(score: AnomalyScore, thresholds: Thresholds, direction: 'up' | 'both'): number {
  const { zScore: z, robustScore: r } = score;
  if (Math.sign(z) !== Math.sign(r) || z === 0) return 0;
  if (direction === 'up' && z < 0) return 0;
  return Math.min(Math.abs(z) / thresholds.zScoreThreshold, Math.abs(r) / thresholds.robustScoreThreshold);
}

/**
 * The value at which the minute would have become abnormal, on the side it lies: both
 * scores must pass, so the farther of the two limits.
 */
export function anomalyBound(score: AnomalyScore, thresholds: Thresholds): number {
  const zLimit = thresholds.zScoreThreshold * Math.max(score.standardDeviation, score.spreadFloor);
  const robustLimit = thresholds.robustScoreThreshold * Math.max(MAD_TO_STANDARD_DEVIATION * score.mad, score.spreadFloor);
  return score.value >= score.median
    ? Math.max(score.mean + zLimit, score.median + robustLimit)
    : Math.min(score.mean - zLimit, score.median - robustLimit);
}

/** Least chance spread of a per-minute count around `typical`: Poisson, sqrt of the count, at least 1. */
export function countSpreadFloor(typical: number): number {
  return Math.sqrt(Math.max(typical, 1));
}

/**
 * Least chance spread of a rate over `n` trials around `typical`: the binomial standard
 * error, with the rate kept at least one trial away from 0 and 1 so it never vanishes.
 */
export function rateSpreadFloor(typical: number, n: number): number {
  const trials = Math.max(n, 2);
  const p = Math.min(Math.max(typical, 1 / trials), 1 - 1 / trials);
  return Math.sqrt((p * (1 - p)) / trials);
}
