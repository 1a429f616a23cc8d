import type { RejectedMessage, RiskAssessment, SwitchedMessage, TapEvent } from './transaction.ts';

/** Scores a switched message before authorisation. */
export interface Scorer {
  score(message: SwitchedMessage): Promise<RiskAssessment>;
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
