import type { RiskReason } from '../../domain/transaction.ts';
import { severityOf } from '../alerts/alert.ts';
import type { MonitorAlertInput } from '../alerts/alert-store.ts';
import type { MonitorFinding, MonitorMetric } from './detect-anomalies.ts';
import type { MonitorConfig } from './monitor-config.ts';
import type { MonitorScope } from './minute-series.ts';

export const MONITOR_RULE_IDS: Record<MonitorMetric, string> = { volume: 'monitor.volume', declineRate: 'monitor.decline-rate' };

/** A monitor alert's reason: a rule reason (value against threshold) plus the statistics behind it. */
export interface MonitorReason extends RiskReason {
  scope: MonitorScope;
  subject: string;
  metric: MonitorMetric;
  minute: string;
  payments: number;
  declined: number;
  zScore: number;
  robustScore: number;
  mean: number;
  standardDeviation: number;
  median: number;
  mad: number;
  historyPoints: number;
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * What the alert store needs to raise or group a finding. One alert per subject and metric
 * while the subject stays abnormal; it counts the abnormal minutes. A corridor spans
 * participants, so its alert belongs to no participant (operators only); a participant's
 * alert is that participant's.
 */
export function monitorAlertOf(f: MonitorFinding, config: Pick<MonitorConfig, 'groupGapMinutes'>): MonitorAlertInput {
  const ruleId = MONITOR_RULE_IDS[f.metric];
  const s = f.score;
  const minute = new Date(f.minute).toISOString();
  const who = f.scope === 'corridor' ? `Corridor ${f.subject}` : `Participant ${f.subject}`;
  const when = `${minute.slice(11, 16)} UTC`;
  const stats = `z-score ${s.zScore.toFixed(2)}, MAD score ${s.robustScore.toFixed(2)} (MAD ${round(s.mad)}) over ${s.historyPoints} minutes of history`;
  const message =
    f.metric === 'volume'
      ? `${who}: ${f.payments} payments in ${when}, usually ${round(s.median, 2)} (mean ${round(s.mean, 2)}, sd ${round(s.standardDeviation, 2)}); ${stats}`
      : `${who}: ${percent(s.value)} declined (${f.declined} of ${f.payments}) in ${when}, usually ${percent(s.median)} (mean ${percent(s.mean)}); ${stats}`;
  const score = Math.min(1000, Math.round(200 * f.strength));
  const reason: MonitorReason = {
    ruleId,
    ruleVersion: 1,
    message,
    value: round(s.value),
    threshold: round(f.bound),
    scope: f.scope,
    subject: f.subject,
    metric: f.metric,
    minute,
    payments: f.payments,
    declined: f.declined,
    zScore: round(s.zScore),
    robustScore: round(s.robustScore),
    mean: round(s.mean),
    standardDeviation: round(s.standardDeviation),
    median: round(s.median),
    mad: round(s.mad),
    historyPoints: s.historyPoints,
  };
  return {
    group: `${f.scope}:${f.subject}:${f.metric}`,
    minute: f.minute,
    participant: f.scope === 'participant' ? f.subject : '',
    ruleId,
    reasons: [reason],
    score,
    severity: severityOf(score),
    groupGapMs: config.groupGapMinutes * 60_000,
    details: { ...reason, message: undefined, strength: round(f.strength), spreadFloor: round(s.spreadFloor) },
  };
}
