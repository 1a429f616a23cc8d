import { describe, expect, it } from 'vitest';
import { detectAnomalies } from './detect-anomalies.ts';
import { minuteToJudge } from './monitor-job.ts';
import { seriesOf, type MinuteRow } from './minute-series.ts';

const M = Date.UTC(2025, 2, 10, 12, 3); // the judged minute
const S = M / 1000;
const DAY = 86_400;
const row = (at: number, corridor: string, participant: string, payments: number, declined = 0): MinuteRow => ({ at, corridor, participant, payments, declined });

describe('the series a monitor judges', () => {
  it('zero-fills quiet minutes on days with traffic, and leaves out days without any', () => {
    const rows = [
      row(S, 'TH-CN', 'siam-wallet', 9),
      row(S - DAY - 60, 'TH-CN', 'siam-wallet', 4, 1),
      row(S - DAY + 60, 'TH-CN', 'siam-wallet', 6),
      row(S - 3 * DAY, 'TH-CN', 'siam-wallet', 5),
      // The same participant on another corridor adds into the participant's minutes.
      row(S - DAY - 60, 'TH-SG', 'siam-wallet', 2, 2),
    ];
    const series = seriesOf(rows, M, { historyDays: 3, historyWindowMinutes: 1 });
    const byKey = new Map(series.map((s) => [`${s.scope}:${s.subject}`, s]));
    expect(byKey.get('corridor:TH-CN')).toEqual({
      scope: 'corridor',
      subject: 'TH-CN',
      current: { payments: 9, declined: 0 },
      // Day 1: -1, 0, +1 minutes; day 2 had no traffic; day 3: 0, 5, 0.
      history: [{ payments: 4, declined: 1 }, { payments: 0, declined: 0 }, { payments: 6, declined: 0 }, { payments: 0, declined: 0 }, { payments: 5, declined: 0 }, { payments: 0, declined: 0 }],
    });
    expect(byKey.get('corridor:TH-SG')?.current).toEqual({ payments: 0, declined: 0 });
    expect(byKey.get('corridor:TH-SG')?.history.map((h) => h.payments)).toEqual([2, 0, 0]);
    expect(byKey.get('participant:siam-wallet')?.history.map((h) => [h.payments, h.declined])).toEqual([[6, 3], [0, 0], [6, 0], [0, 0], [5, 0], [0, 0]]);
  });
});

describe('detecting abnormal minutes', () => {
  const config = { minHistoryPoints: 6, minVolume: 10, zScoreThreshold: 3, robustScoreThreshold: 3.5 };
  const steady = (payments: number, declined = 0) => Array.from({ length: 6 }, (_, i) => ({ payments: payments + (i % 3) - 1, declined }));

  it('raises a surge in volume with both scores, and nothing for a usual minute', () => {
    // History 19,20,21,19,20,21: mean 20, sd sqrt(4/6) = 0.8165, median 20, MAD 1 -> 1.4826;
    // Poisson floor sqrt(20) = 4.4721 exceeds both: z = robust = (100 - 20) / 4.4721 = 17.889.
    const [surge, ...rest] = detectAnomalies([{ scope: 'corridor', subject: 'TH-CN', current: { payments: 100, declined: 0 }, history: steady(20) }], M, config);
    expect(rest).toEqual([]);
    expect(surge).toMatchObject({ scope: 'corridor', subject: 'TH-CN', metric: 'volume', minute: M, payments: 100 });
    expect(surge!.score.zScore).toBeCloseTo(17.889, 3);
    expect(surge!.score.robustScore).toBeCloseTo(17.889, 3);
    expect(surge!.strength).toBeCloseTo(17.889 / 3.5, 3);
    expect(detectAnomalies([{ scope: 'corridor', subject: 'TH-CN', current: { payments: 26, declined: 0 }, history: steady(20) }], M, config)).toEqual([]);
  });

  it('raises a corridor falling silent, but not a quiet corridor staying quiet', () => {
    const [drop] = detectAnomalies([{ scope: 'corridor', subject: 'TH-CN', current: { payments: 0, declined: 0 }, history: steady(20) }], M, config);
    expect(drop).toMatchObject({ metric: 'volume', payments: 0 });
    expect(drop!.score.zScore).toBeCloseTo(-20 / Math.sqrt(20), 6);
    // Median 4 is under minVolume, and so is the minute: too little traffic to judge.
    expect(detectAnomalies([{ scope: 'corridor', subject: 'TH-CN', current: { payments: 0, declined: 0 }, history: steady(4) }], M, config)).toEqual([]);
  });

  it('raises a jump in the decline rate, never a fall', () => {
    // History 2 of 40 declined every minute: rate 0.05, sd and MAD 0; floor sqrt(0.05 * 0.95 / 40) = 0.034460.
    // Minute: 20 of 40 -> (0.5 - 0.05) / 0.034460 = 13.0586.
    const history = Array.from({ length: 6 }, () => ({ payments: 40, declined: 2 }));
    const findings = detectAnomalies([{ scope: 'participant', subject: 'panda-wallet', current: { payments: 40, declined: 20 }, history }], M, config);
    expect(findings.map((f) => f.metric)).toEqual(['declineRate']);
    expect(findings[0]!.score.zScore).toBeCloseTo(13.0586, 3);
    expect(detectAnomalies([{ scope: 'participant', subject: 'panda-wallet', current: { payments: 40, declined: 0 }, history }], M, config)).toEqual([]);
    // The same jump on 8 payments is under minVolume: not judged.
    expect(detectAnomalies([{ scope: 'participant', subject: 'panda-wallet', current: { payments: 8, declined: 4 }, history: steady(8, 0) }], M, { ...config, minVolume: 10 })).toEqual([]);
  });

  it('judges nothing with fewer history minutes than required', () => {
    const short = steady(20).slice(0, 5);
    expect(detectAnomalies([{ scope: 'corridor', subject: 'KR-CN', current: { payments: 100, declined: 90 }, history: short }], M, config)).toEqual([]);
  });
});

describe('the minute a scheduled run judges', () => {
  it('is the last minute that ended settleSeconds before the run fired', () => {
    expect(minuteToJudge(Date.UTC(2025, 2, 10, 12, 4, 15), 15)).toBe(Date.UTC(2025, 2, 10, 12, 3));
    expect(minuteToJudge(Date.UTC(2025, 2, 10, 12, 4, 59, 999), 15)).toBe(Date.UTC(2025, 2, 10, 12, 3));
    expect(minuteToJudge(Date.UTC(2025, 2, 10, 12, 4, 0, 10), 0)).toBe(Date.UTC(2025, 2, 10, 12, 3));
    // Fired early (a clock a little behind): the minute before is not settled, the one before that is.
    expect(minuteToJudge(Date.UTC(2025, 2, 10, 12, 4, 14), 15)).toBe(Date.UTC(2025, 2, 10, 12, 2));
  });
});
