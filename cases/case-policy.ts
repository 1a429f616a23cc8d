import { severityRank } from './case.ts';

/**
 * When the platform opens a case by itself (`cases.policy` in the config). A later alert
 * about a subject with an open case joins that case whatever the policy says.
 */
export interface CasePolicy {
  /** False: cases are opened by officers only. */
  enabled: boolean;
  /** Every declined payment's alert opens a case about its subject. */
  onDecline: boolean;
  /** Any alert at or above this severity opens one; '' never by severity. */
  minSeverity: 'low' | 'medium' | 'high' | 'critical' | '';
  /**
   * Any alert of these rules opens one, whatever its severity: the typologies a report is
   * usually filed for (a structuring payer's review scores low, and is still the point).
   */
  rules?: string[];
  /** This many alerts about one subject within this many minutes open one, gathering them all. */
  alertsInWindow?: { count: number; minutes: number };
}

export const DEFAULT_CASE_POLICY: CasePolicy = {
  enabled: true,
  onDecline: true,
  minSeverity: 'critical',
  rules: ['structuring', 'mule-fan-in', 'mule-fan-out', 'screening-payer-sanctions', 'screening-merchant-sanctions', 'screening-payer-pep'],
  alertsInWindow: { count: 3, minutes: 24 * 60 },
};

/** The clause that opens a case for this alert at once ('decline', 'rule', 'severity'), or '' when none does. */
export function opensAtOnce(policy: CasePolicy, alert: { decision: string; severity: string; ruleIds: string[] }): string {
  if (!policy.enabled) return '';
  if (policy.onDecline && alert.decision === 'decline') return 'decline';
  if (policy.rules && alert.ruleIds.some((id) => policy.rules!.includes(id))) return 'rule';
  if (policy.minSeverity && severityRank(alert.severity) >= severityRank(policy.minSeverity)) return 'severity';
  return '';
}
