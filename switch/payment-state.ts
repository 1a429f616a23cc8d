import type { PaymentStatus } from '../domain/transaction.ts';

/**
 * What Redis keeps of a payment, refund or reversal for its follow-up window: what the
 * follow-up script decides on, and the id of the tap stream entry that holds the rest. One
 * string in the layout of lua/includes/paymentState.lua: at most 44 bytes for ordinary
 * amounts, which Redis stores in the same allocation as its object.
 */
export interface PaymentState {
  status: PaymentStatus;
  amountMinor: bigint;
  settleMinor: bigint;
  refundedMinor: bigint;
  refundedSettleMinor: bigint;
  reversed: boolean;
  /** The message's entry in the tap's stream, until the ingest writer has moved it. */
  entryId: string;
}

const LAYOUT = /^([AD])\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|([01])\|(.+)$/;

export function unpackState(packed: string): PaymentState | undefined {
  const m = LAYOUT.exec(packed);
  if (!m) return undefined;
  return {
    status: m[1] === 'A' ? 'APPROVED' : 'DECLINED',
    amountMinor: BigInt(m[2]!),
    settleMinor: BigInt(m[3]!),
    refundedMinor: BigInt(m[4]!),
    refundedSettleMinor: BigInt(m[5]!),
    reversed: m[6] === '1',
    entryId: m[7]!,
  };
}
