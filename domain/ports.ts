import type { RiskAssessment, SwitchedMessage, TransactionEvent } from './transaction.ts';

/** Scores a switched message before authorisation. */
export interface Scorer {
  score(message: SwitchedMessage): Promise<RiskAssessment>;
}

/** Streams every processed message towards ClickHouse. Must not wait for ClickHouse. */
export interface Tap {
  emit(event: TransactionEvent): Promise<void>;
  close(): Promise<void>;
}
