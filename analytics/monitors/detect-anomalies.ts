import { median } from 'simple-statistics';
import {
  anomalyBound,
  anomalyStrength,
  countSpreadFloor,
  rateSpreadFloor,
  scoreAgainstHistory,
  type AnomalyScore,
} from './anomaly-score.ts';
import type { MonitorConfig } from './monitor-config.ts';
import type { MonitorScope, SubjectSeries } from './minute-series.ts';

export type MonitorMetric = 'volume' | 'declineRate';

/** One subject's minute that lies far from its history on one metric. */
export interface MonitorFinding {
  scope: MonitorScope;
  subject: string;
  metric: MonitorMetric;
  /** Start of the judged minute, unix ms. */
  minute: number;
  payments: number;
  declined: number;
  score: AnomalyScore;
  /** Times over both thresholds (>= 1). */
  strength: number;
  /** The value at which the minute became abnormal. */
  bound: number;
}

type Judgement = Pick<
  MonitorConfig,
  'minHistoryPoints' | 'minVolume' | 'zScoreThreshold' | 'robustScoreThreshold'
>;

/**
 * Judges every subject's minute on two metrics. Volume both ways (a surge, or a corridor
 * falling silent); decline rate upwards only (fewer declines than usual harms nobody).
 * Guards: at least `minHistoryPoints` history minutes, and enough traffic for the metric
 * to mean something (`minVolume`).
 */
export function detectAnomalies(series: SubjectSeries[], minute: number, config: Judgement): MonitorFinding[] {
  const findings: MonitorFinding[] = [];
  for (const s of series) {
    const found = (metric: MonitorMetric, score: AnomalyScore, direction: 'up' | 'both') => {
      const strength = anomalyStrength(score, config, direction);
      if (strength < 1) return;
      findings.push({
        scope: s.scope, subject: s.subject, metric, minute,
        payments: s.current.payments, declined: s.current.declined,
        score, strength, bound: anomalyBound(score, config),
      });
    };

    const volumes = s.history.map((h) => h.payments);
    if (volumes.length >= config.minHistoryPoints) {
      const typical = median(volumes);
      if (Math.max(s.current.payments, typical) >= config.minVolume) {
        found('volume', scoreAgainstHistory(s.current.payments, volumes, countSpreadFloor(typical)), 'both');
      }
    }

    const rates = s.history.filter((h) => h.payments > 0).map((h) => h.declined / h.payments);
    if (rates.length >= config.minHistoryPoints && s.current.payments >= config.minVolume) {
      const rate = s.current.declined / s.current.payments;
      found('declineRate', scoreAgainstHistory(rate, rates, rateSpreadFloor(median(rates), s.current.payments)), 'up');
    }
  }
  return findings;
}
