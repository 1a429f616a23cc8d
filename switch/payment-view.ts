import type { SettlementRelease } from '../domain/settlement-hold.ts';
import type { Direction, MessageType, PaymentStatus, RiskReason } from '../domain/transaction.ts';
import { currencyByCode } from './currency.ts';
import type { StoredPayment } from './ledger.ts';
import { formatAmount } from './money.ts';

/** What participants are told about a payment, built only from what the ledger stored. */
export interface PaymentAnswer {
  paymentId: string;
  txnId: string;
  type: MessageType;
  originalPaymentId?: string;
  status: PaymentStatus;
  declineCode?: string;
  risk: { score: number; decision: 'approve' | 'review' | 'decline'; reasons: RiskReason[] };
  amount: { value: string; currency: string };
  settlement: { amount: string; currency: string; fxRate: string };
  direction: Direction;
  corridor: string;
  merchant: { id: string; name: string };
  createdAt: string;
  /** Approved for the payer with its settlement held until its case clears it (docs/cases.md). */
  settlementHeld?: boolean;
  /** When the hold was released, once it was. */
  settlementReleasedAt?: string;
}

export interface PaymentState extends PaymentAnswer {
  refunded: { value: string; currency: string };
  reversed: boolean;
}

/** Whether a payment was approved with its settlement held (a declined one settles nothing to hold). */
export const heldAtDecision = (p: StoredPayment): boolean => p.record.settlementHeld === true && p.status === 'APPROVED';

export function paymentAnswer(p: StoredPayment): PaymentAnswer {
  const r = p.record;
  const amountCurrency = currencyByCode(r.amount.currency);
  const settleCurrency = currencyByCode(r.settlement.currency);
  return {
    paymentId: r.paymentId,
    txnId: r.txnId,
    type: r.messageType,
    ...(r.originalPaymentId ? { originalPaymentId: r.originalPaymentId } : {}),
    status: p.status,
    ...(p.declineCode ? { declineCode: p.declineCode } : {}),
    risk: { score: r.risk.score, decision: r.risk.decision, reasons: r.risk.reasons },
    amount: {
      value: amountCurrency ? formatAmount(p.amountMinor, amountCurrency) : r.amount.value,
      currency: r.amount.currency,
    },
    settlement: {
      amount: settleCurrency ? formatAmount(p.settleMinor, settleCurrency) : r.settlement.value,
      currency: r.settlement.currency,
      fxRate: r.settlement.fxRate,
    },
    direction: r.direction,
    corridor: r.corridor,
    merchant: { id: r.merchant.id, name: r.merchant.name },
    createdAt: new Date(r.receivedAt).toISOString(),
    ...(heldAtDecision(p) ? { settlementHeld: true } : {}),
  };
}

/** A payment as it is now; `released`: its settlement hold's release, if it had one and it was released. */
export function paymentState(p: StoredPayment, released?: SettlementRelease): PaymentState {
  const currency = currencyByCode(p.record.amount.currency);
  const held = heldAtDecision(p);
  return {
    ...paymentAnswer(p),
    settlementHeld: held && !released,
    ...(held && released ? { settlementReleasedAt: new Date(released.at).toISOString() } : {}),
    refunded: {
      value: currency ? formatAmount(p.refundedMinor, currency) : p.refundedMinor.toString(),
      currency: p.record.amount.currency,
    },
    reversed: p.reversed,
  };
}
