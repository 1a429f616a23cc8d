import type { RiskAssessment, RiskDecisionKind, RiskReason } from '../domain/transaction.ts';

/** One rule that fired, as the decision sees it. */
export interface RuleHit {
  mode: 'enforce' | 'shadow';
  score: number;
  floor?: 'review' | 'decline';
  /** The rule holds the settlement of a payment it helps send to review. */
  holdSettlement?: true;
  priority: number;
  reason: RiskReason;
}

export interface Thresholds {
  /** A total score at or above this is reviewed. */
  review: number;
  /** A total score at or above this is declined. */
  decline: number;
}

export const MAX_SCORE = 1000;
export const SEVERITY: Readonly<Record<RiskDecisionKind, number>> = { approve: 0, review: 1, decline: 2 };

/**
 * The decision from the rules that fired: enforced contributions summed and capped at
 * 1000, the thresholds applied, then the strictest floor a rule demands. Shadow rules are
 * reported in `shadowHits` and change nothing. Reasons are ordered by contribution.
 */
export function decide(hits: readonly RuleHit[], thresholds: Thresholds, ruleSetVersion: string): RiskAssessment {
  const enforced = hits.filter((h) => h.mode === 'enforce').sort(byContribution);
  const shadow = hits.filter((h) => h.mode === 'shadow').sort(byContribution);
  const score = Math.min(MAX_SCORE, enforced.reduce((sum, h) => sum + h.score, 0));
  let decision: RiskDecisionKind = score >= thresholds.decline ? 'decline' : score >= thresholds.review ? 'review' : 'approve';
  for (const hit of enforced) {
    if (hit.floor && SEVERITY[hit.floor] > SEVERITY[decision]) decision = hit.floor;
  }
  // A review holds the payment's settlement when an enforced rule that fired says so.
  const hold = decision === 'review' && enforced.some((h) => h.holdSettlement);
  return {
    score,
    decision,
    ...(hold ? { holdSettlement: true as const } : {}),
    reasons: enforced.map((h) => h.reason),
    ruleSetVersion,
    shadowHits: shadow.map((h) => h.reason),
  };
}

function byContribution(a: RuleHit, b: RuleHit): number {
  return b.score - a.score || b.priority - a.priority || (a.reason.ruleId < b.reason.ruleId ? -1 : a.reason.ruleId > b.reason.ruleId ? 1 : 0);
}

export function checkThresholds(thresholds: Thresholds): void {
  const { review, decline } = thresholds;
  if (!(Number.isInteger(review) && Number.isInteger(decline) && review >= 1 && review <= decline && decline <= MAX_SCORE)) {
    throw new Error(`risk thresholds must be integers with 1 <= review <= decline <= ${MAX_SCORE}, got review ${review}, decline ${decline}`);
  }
}
