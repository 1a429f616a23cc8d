import type { Scorer } from '../../domain/ports.ts';
import type { RiskAssessment } from '../../domain/transaction.ts';

/**
 * For tests of the switch that are not about risk: approves every message with score 0
 * and no reasons. Named for what it is, so nobody mistakes it for risk scoring.
 */
export function createApproveAllScorer(): Scorer {
  const verdict: RiskAssessment = {
    score: 0,
    decision: 'approve',
    reasons: [],
    ruleSetVersion: 'approve-all',
    shadowHits: [],
  };
  return { score: async () => verdict };
}
