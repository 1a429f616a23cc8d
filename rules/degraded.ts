import type { RiskAssessment } from '../domain/transaction.ts';
import { SEVERITY, type Thresholds } from './decide.ts';

/** What the risk step decides when it cannot score in time. */
export interface FallbackPolicy {
  /** Payments strictly below this many US dollars are approved. */
  approveBelowUsd: number;
  /** Everything else. */
  otherwise: 'review' | 'decline';
}

export type DegradedCause = 'deadline' | 'error' | 'warming' | 'screening';

export const RISK_DEGRADED = 'RISK_DEGRADED';

const CAUSE_TEXT: Record<DegradedCause, string> = {
  deadline: 'risk deadline passed',
  error: 'risk step failed',
  warming: 'velocity state still being rebuilt',
  screening: 'screening lists not answering',
};

/**
 * The configured fallback, as an assessment with reason RISK_DEGRADED: approve small
 * payments, review or decline the rest. Its score sits at the threshold of the decision
 * (0 when approved), so alerting on scores sees it.
 */
export function degradedAssessment(
  amountUsd: number,
  policy: FallbackPolicy,
  thresholds: Thresholds,
  ruleSetVersion: string,
  cause: DegradedCause,
): RiskAssessment {
  const readable = Number.isFinite(amountUsd);
  const approve = readable && amountUsd < policy.approveBelowUsd;
  const decision = approve ? 'approve' : policy.otherwise;
  const verdict = approve
    ? `approved below USD ${policy.approveBelowUsd}`
    : `${readable ? `USD ${amountUsd.toFixed(2)}` : 'an unreadable amount'} is not below USD ${policy.approveBelowUsd}: ${policy.otherwise}`;
  return {
    score: decision === 'approve' ? 0 : thresholds[decision],
    decision,
    reasons: [
      {
        ruleId: RISK_DEGRADED,
        ruleVersion: 0,
        message: `risk not scored (${CAUSE_TEXT[cause]}); ${verdict}`,
        ...(readable ? { value: Math.round(amountUsd * 100) / 100 } : {}),
        threshold: policy.approveBelowUsd,
      },
    ],
    ruleSetVersion,
    shadowHits: [],
  };
}

/**
 * The fallback made at least as strict as the rules that could still run without the
 * velocity state (lists from memory, the amount, the corridor): a sanctioned country or a
 * blocked wallet is declined even while the state is being rebuilt. The stricter side's reasons
 * come first; RISK_DEGRADED is always among them.
 */
export function withLocalRules(fallback: RiskAssessment, local: RiskAssessment): RiskAssessment {
  if (local.reasons.length === 0 && local.shadowHits.length === 0) return fallback;
  const stricter = SEVERITY[local.decision] > SEVERITY[fallback.decision];
  return {
    score: Math.max(fallback.score, local.score),
    decision: stricter ? local.decision : fallback.decision,
    reasons: stricter ? [...local.reasons, ...fallback.reasons] : [...fallback.reasons, ...local.reasons],
    ruleSetVersion: fallback.ruleSetVersion,
    shadowHits: local.shadowHits,
  };
}
