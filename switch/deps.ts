import type { Scorer, Tap } from '../domain/ports.ts';
import type { MessageType } from '../domain/transaction.ts';
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
}
