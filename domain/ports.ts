import type { Payer, PaymentStatus, RejectedMessage, RiskAssessment, SwitchedMessage, TapEvent } from './transaction.ts';

/** Scores a switched message before authorisation. */
export interface Scorer {
  /**
   * Told of a payment's payer as soon as the request is checked, before its first Redis
   * call: work that needs nothing else (matching the payer's name against the screening
   * lists, on another thread) starts now, and `score` of the message carrying this same
   * payer object collects it.
   */
  prepare?(payer: Payer): void;
  score(message: SwitchedMessage): Promise<RiskAssessment>;
  /**
   * Told what the commit decided about a message it scored (undefined when the commit did
   * not run or its answer was lost): the velocity state records approved amounts and
   * profiles from it. Synchronous, in memory; must not throw.
   */
  settle?(message: SwitchedMessage, status: PaymentStatus | undefined): void;
}

/**
 * The switch's side of the ingest tap. Committed messages enter the tap's Redis Stream
 * inside the ledger's commit script, atomically with the commit: an acknowledged payment
 * is always in the stream. Rejected requests never reach the ledger and are appended here.
 * The tap never waits for ClickHouse.
 */
export interface Tap {
  /** The Redis Stream the ledger appends committed messages to. */
  readonly stream: string;
  /** The stream entry of a message; the commit adds the status it decides. */
  encode(event: TapEvent): string;
  appendRejected(message: RejectedMessage): Promise<void>;
}
