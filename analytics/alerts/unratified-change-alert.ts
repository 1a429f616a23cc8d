import type { RiskReason } from '../../domain/transaction.ts';
import type { MonitorAlertInput } from './alert-store.ts';

/**
 * The operators' alert for a rule change live without a second officer's approval: an admin's
 * emergency activation of a change set, or a change through the direct rule routes. Raised
 * when it goes live, and again, critical, when its approval after the fact is overdue (24
 * hours). Raised on the monitor road (rules/change-sets.ts knows nothing of alerts); it spans
 * participants, so it belongs to none (operators only).
 */
export const UNRATIFIED_CHANGE_RULE_ID = 'governance.unratified-change';

export interface UnratifiedChange {
  id: string;
  title: string;
  activatedBy: string;
  ruleSetVersion: string;
  /** ISO time the approval after the fact is due. */
  ratifyBy: string;
  direct: boolean;
}

export function unratifiedChangeAlertOf(set: UnratifiedChange, kind: 'live' | 'overdue'): MonitorAlertInput {
  const how = set.direct ? 'changed through the rule routes' : 'made live in an emergency';
  const message =
    kind === 'live'
      ? `Change set ${set.id} ("${set.title}") was ${how} by ${set.activatedBy} as ${set.ruleSetVersion} without a second officer: approve it (ratify) by ${set.ratifyBy}`
      : `Change set ${set.id} ("${set.title}"), ${how} by ${set.activatedBy}, is still not approved by a second officer: its approval was due ${set.ratifyBy}`;
  const reason: RiskReason & { scope: string; subject: string } = { ruleId: UNRATIFIED_CHANGE_RULE_ID, ruleVersion: 1, message, value: 0, threshold: 0, scope: 'change set', subject: set.id };
  return {
    group: `changeset:${set.id}:${kind}`,
    // Once per set and kind, however often it is raised (a retried job).
    minute: 0,
    participant: '',
    ruleId: UNRATIFIED_CHANGE_RULE_ID,
    reasons: [reason],
    score: kind === 'live' ? 700 : 900,
    severity: kind === 'live' ? 'high' : 'critical',
    groupGapMs: 48 * 3600_000,
    details: { changeSet: set.id, kind, ratifyBy: set.ratifyBy },
  };
}
