import type { Redis } from 'ioredis';
import type { PaymentStatus, RiskAssessment, SwitchedMessage } from '../../domain/transaction.ts';
import type { RiskEngine } from '../risk-engine.ts';

/**
 * What the switch does around the risk engine, reduced to what the engine sees: score,
 * then one pipeline with the commit (here: the payment hash's status, as the ledger's
 * commit script writes it) followed by recordOutcome.
 */
export async function scoreAndCommit(
  engine: RiskEngine,
  redis: Redis,
  message: SwitchedMessage,
  status?: PaymentStatus,
): Promise<RiskAssessment> {
  const risk = await engine.score(message);
  await commit(engine, redis, message, status ?? (risk.decision === 'decline' ? 'DECLINED' : 'APPROVED'));
  return risk;
}

export async function commit(engine: RiskEngine, redis: Redis, message: SwitchedMessage, status: PaymentStatus): Promise<void> {
  const pipeline = redis.multi();
  pipeline.hset(`payment:${message.paymentId}`, 'status', status);
  engine.recordOutcome(pipeline, message);
  const replies = await pipeline.exec();
  for (const [error] of replies ?? []) if (error) throw error;
}

export const ruleIds = (risk: RiskAssessment) => risk.reasons.map((r) => r.ruleId);
