import type { ChainableCommander } from 'ioredis';
import type { Scorer, Tap } from '../domain/ports.ts';
import type { MessageType, SwitchedMessage, TransactionEvent } from '../domain/transaction.ts';
import type { FxTable } from './fx.ts';
import type { Ledger } from './ledger.ts';
import type { Registry } from './registry.ts';

/** What the switch needs from outside; `server/` wires the concrete ones. */
export interface SwitchDeps {
  registry: Registry;
  fx: FxTable;
  ledger: Ledger;
  scorer: Scorer;
  tap: Tap;
  now(): number;
  newPaymentId(type: MessageType): string;
  reversalWindowMs: number;
  /**
   * Told of every committed message after the commit (alerts, live counters). Must not
   * throw or block: the participant's answer does not wait for it.
   */
  observe?(event: TransactionEvent): void;
  /**
   * Redis commands that follow the commit in the same round trip (the risk engine's
   * velocity and profile updates, which read the committed status themselves).
   */
  recordOutcome?(pipeline: ChainableCommander, message: SwitchedMessage): void;
}
