import type { PaymentStatus, RiskAssessment, SwitchedMessage } from '../../domain/transaction.ts';
import type { RiskEngine } from '../risk-engine.ts';

/**
 * What the switch does around the risk engine, reduced to what the engine sees: score,
 * then settle with the status the commit decided.
 */
export async function scoreAndCommit(engine: RiskEngine, message: SwitchedMessage, status?: PaymentStatus): Promise<RiskAssessment> {
  const risk = await engine.score(message);
  engine.settle(message, status ?? (risk.decision === 'decline' ? 'DECLINED' : 'APPROVED'));
  return risk;
}

export const ruleIds = (risk: RiskAssessment) => risk.reasons.map((r) => r.ruleId);
