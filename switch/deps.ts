import type { Scorer, Tap } from '../domain/ports.ts';
import type { MessageType, TransactionEvent } from '../domain/transaction.ts';
import type { FxTable } from './fx.ts';
import type { LateObserver } from './late-observer.ts';
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
   * Told of commits whose reply was lost, to observe those that ran once Redis answers
   * again (late-observer.ts). Give one wherever `observe` is given; its owner closes it.
   */
  lateObserver?: LateObserver;
}
