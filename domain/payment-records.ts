import type { TransactionEvent } from './transaction.ts';

/**
 * Where a committed message's full record is found once it has left Redis: the analytics
 * store the tap feeds. The switch keeps only a compact state per payment in Redis, for its
 * follow-up window, and the tap's stream entry until the writer has moved it; past that,
 * everything a status query or a repeat answers comes from here. Imports nothing but types.
 */
export interface ArchivedPayment {
  /** The message as the tap streamed it, with the status the commit decided. */
  event: TransactionEvent;
  /** Approved refunds of it, summed in its own currency as a decimal string ("0" when none). */
  refunded: string;
  /** Whether an approved reversal of it landed. */
  reversed: boolean;
}

export interface PaymentRecords {
  /**
   * The landed record of a payment, refund or reversal received within the retention
   * period; undefined when none has landed. `party`, when given, limits it to messages that
   * participant is party to (the payer's wallet or the merchant's acquirer).
   */
  find(paymentId: string, options?: { party?: string }): Promise<ArchivedPayment | undefined>;
}
