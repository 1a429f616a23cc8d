import { describe, expect, it } from 'vitest';
import { anomalyBound, anomalyStrength, countSpreadFloor, rateSpreadFloor, scoreAgainstHistory } from './anomaly-score.ts';

// History 2,4,4,4,5,5,7,9: mean 5, population standard deviation 2 (variance 32/8 = 4),
// median 4.5, absolute deviations from it 2.5,0.5,0.5,0.5,0.5,0.5,2.5,4.5 -> MAD 0.5.
const HISTORY = [2, 4, 4, 4, 5, 5, 7, 9];

describe('scoring a value against its history', () => {
  it('computes mean, standard deviation, median and MAD by hand', () => {
    const s = scoreAgainstHistory(11, HISTORY, 0.1);
    expect(s).toMatchObject({ value: 11, historyPoints: 8, mean: 5, standardDeviation: 2, median: 4.5, mad: 0.5 });
    // z = (11 - 5) / 2 = 3; robust = (11 - 4.5) / (1.4826 * 0.5) = 6.5 / 0.7413 = 8.76838...
    expect(s.zScore).toBe(3);
    expect(s.robustScore).toBeCloseTo(8.76838, 4);
  });

  it('divides by the spread floor when the history is steadier than chance', () => {
    // Floor 1 exceeds 1.4826 * 0.5 = 0.7413, so robust = 6.5 / 1; the z-score keeps sd 2.
    const s = scoreAgainstHistory(11, HISTORY, 1);
    expect([s.zScore, s.robustScore]).toEqual([3, 6.5]);
    // A perfectly steady history of 20 per minute: Poisson floor sqrt(20) = 4.47214.
    const steady = scoreAgainstHistory(100, [20, 20, 20, 20], countSpreadFloor(20));
    expect([steady.standardDeviation, steady.mad]).toEqual([0, 0]);
    expect(steady.zScore).toBeCloseTo(80 / 4.47214, 3);
    expect(steady.robustScore).toBeCloseTo(17.8885, 3);
  });

  it('refuses an empty history and a floor of zero', () => {
    expect(() => scoreAgainstHistory(1, [], 1)).toThrow(RangeError);
    expect(() => scoreAgainstHistory(1, [1, 2], 0)).toThrow(RangeError);
  });
});

describe('judging a score', () => {
  const thresholds = { zScoreThreshold: 3, robustScoreThreshold: 3.5 };

  it('needs both scores over their thresholds: the strength is the smaller ratio', () => {
    // z 3 / 3 = 1; robust 6.5 / 3.5 = 1.857: abnormal, just.
    expect(anomalyStrength(scoreAgainstHistory(11, HISTORY, 1), thresholds, 'both')).toBe(1);
    // 10: z (10 - 5) / 2 = 2.5 -> 0.833 although robust 5.5 is well over: not abnormal.
    expect(anomalyStrength(scoreAgainstHistory(10, HISTORY, 1), thresholds, 'both')).toBeCloseTo(2.5 / 3, 6);
  });

  it('counts only rises for an upward metric, and nothing when the two scores disagree', () => {
    // 0: z = -2.5, robust = -4.5: a fall; with a z threshold of 2, min(2.5 / 2, 4.5 / 3.5) = 1.25.
    const fall = scoreAgainstHistory(0, HISTORY, 1);
    expect(anomalyStrength(fall, thresholds, 'up')).toBe(0);
    expect(anomalyStrength(fall, { zScoreThreshold: 2, robustScoreThreshold: 3.5 }, 'both')).toBeCloseTo(1.25, 6);
    // 4.8: below the mean (z = -0.1) but above the median (robust = +0.3): they disagree.
    expect(anomalyStrength(scoreAgainstHistory(4.8, HISTORY, 1), thresholds, 'both')).toBe(0);
  });

  it('names the value at which a minute becomes abnormal, on its side', () => {
    // Above: max(mean + 3 * 2, median + 3.5 * max(0.7413, 1)) = max(11, 8) = 11.
    expect(anomalyBound(scoreAgainstHistory(20, HISTORY, 1), thresholds)).toBe(11);
    // Below: min(5 - 6, 4.5 - 3.5) = -1.
    expect(anomalyBound(scoreAgainstHistory(0, HISTORY, 1), thresholds)).toBe(-1);
  });
});

describe('spread floors', () => {
  it('takes Poisson noise for counts, at least 1', () => {
    expect(countSpreadFloor(16)).toBe(4);
    expect(countSpreadFloor(0)).toBe(1);
  });

  it('takes the binomial standard error for rates, never zero', () => {
    // sqrt(0.05 * 0.95 / 100) = sqrt(0.000475) = 0.0217945
    expect(rateSpreadFloor(0.05, 100)).toBeCloseTo(0.0217945, 6);
    // A history without declines still allows one decline in 100: sqrt(0.01 * 0.99 / 100) = 0.0099499
    expect(rateSpreadFloor(0, 100)).toBeCloseTo(0.0099499, 6);
    expect(rateSpreadFloor(1, 100)).toBeCloseTo(0.0099499, 6);
    expect(rateSpreadFloor(0, 1)).toBeGreaterThan(0);
  });
});
