import type { Tap } from '../domain/ports.ts';
import type { TransactionEvent } from '../domain/transaction.ts';

/**
 * Stand-in until the ingest tap lands: counts the events it is given and keeps nothing,
 * so nothing reaches ClickHouse yet.
 */
export interface CountingTap extends Tap {
  counted(): number;
}

export function createCountingTap(): CountingTap {
  let count = 0;
  return {
    async emit(_event: TransactionEvent) {
      count += 1;
    },
    async close() {},
    counted: () => count,
  };
}
