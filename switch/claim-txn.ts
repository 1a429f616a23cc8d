import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { Ledger } from './ledger.ts';
import { paymentAnswer, type PaymentAnswer } from './payment-view.ts';

/**
 * Claims (participant, txnId) for this request. Either the caller now holds the claim, or
 * the request is already answered: the first answer for a repeat, 409 for a reused id.
 */
export async function claimTxn(
  ledger: Ledger,
  participantId: string,
  txnId: string,
  bodyHash: string,
  paymentId: string,
): Promise<{ claimed: string } | { answered: Result<PaymentAnswer, DomainError> }> {
  const claim = await ledger.claim(participantId, txnId, bodyHash, paymentId);
  switch (claim.kind) {
    case 'claimed':
      return { claimed: claim.token };
    case 'conflict':
      return { answered: err({ code: 'TXN_ID_CONFLICT', message: 'this txnId was already used with a different request' }) };
    case 'in-progress':
      return { answered: err({ code: 'TXN_IN_PROGRESS', message: 'this txnId is being processed; retry shortly' }) };
    case 'done': {
      const first = await ledger.load(claim.paymentId);
      return { answered: first ? ok(paymentAnswer(first)) : err({ code: 'PAYMENT_NOT_FOUND', message: 'the first answer has expired' }) };
    }
  }
}
