import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { MessageType, SwitchedMessage } from '../domain/transaction.ts';
import { arrivalOf, scoreAndCommit, tapRefusal, type Arrival } from './authorisation-sequence.ts';
import { arriveClaiming, claimTxn } from './claim-txn.ts';
import { currencyByCode, type Currency } from './currency.ts';
import type { SwitchDeps } from './deps.ts';
import type { Claim, StoredPayment } from './ledger.ts';
import { amountInRange, convert, formatAmount, parseAmount, parseDecimal } from './money.ts';
import { paymentAnswer, type PaymentAnswer } from './payment-view.ts';
import type { RequestSpend } from './request-spend.ts';
import { requestHash } from './stable-json.ts';

export interface FollowUpRequest {
  /** Idempotency key of the follow-up; a reversal without one can happen only once anyway. */
  txnId?: string;
  amount?: { value: string; currency: string };
}

/** Who may see a payment: the payer's wallet and the merchant's acquirer. */
export function isPartyTo(participantId: string, p: StoredPayment): boolean {
  return p.record.participant === participantId || p.record.merchant.acquirer === participantId;
}

/**
 * A refund (sent by the merchant's acquirer) or a reversal (sent by the payer's wallet)
 * of an approved payment: scored and tapped like a payment, credited to the wallet.
 * `spend`, the signed request's nonce and budget, is spent in the claim's call.
 */
export async function followUp(
  deps: SwitchDeps,
  callerId: string,
  type: Exclude<MessageType, 'payment'>,
  originalPaymentId: string,
  request: FollowUpRequest,
  spend?: RequestSpend,
): Promise<Result<PaymentAnswer, DomainError>> {
  const arrival = arrivalOf(deps);
  const refused = {
    requested: type,
    participant: callerId,
    initiator: callerId,
    originalPaymentId,
    ...(request.txnId ? { txnId: request.txnId } : {}),
    ...(request.amount ? { amount: request.amount } : {}),
  };
  // The txnId is claimed before the payment is read: a repeat gets the first answer whatever
  // the payment has become since (refunded in full, reversed, expired), never a check of it.
  const txnId = request.txnId ?? (type === 'reversal' ? `reversal:${originalPaymentId}` : deps.newPaymentId(type));
  const bodyHash = requestHash({ type, originalPaymentId, ...request });
  const paymentId = deps.newPaymentId(type);
  const arrived = await arriveClaiming(deps.ledger, spend, callerId, txnId, bodyHash, paymentId);
  if ('refused' in arrived) return err(arrived.refused);
  const claim = { txnId, bodyHash, paymentId, first: arrived.first };
  return tapRefusal(deps, arrival, () => refused, () => followUpClaimed(deps, callerId, type, originalPaymentId, request, claim, arrival));
}

async function followUpClaimed(
  deps: SwitchDeps,
  callerId: string,
  type: Exclude<MessageType, 'payment'>,
  originalPaymentId: string,
  request: FollowUpRequest,
  claim: { txnId: string; bodyHash: string; paymentId: string; first: Claim },
  arrival: Arrival,
): Promise<Result<PaymentAnswer, DomainError>> {
  const { txnId, bodyHash, paymentId } = claim;
  const claimed = await claimTxn(deps.ledger, callerId, txnId, bodyHash, paymentId, claim.first);
  if ('answered' in claimed) return claimed.answered;
  const claimToken = claimed.claimed;

  let checked: Result<CheckedFollowUp, DomainError>;
  try {
    checked = await checkFollowUp(deps, callerId, type, originalPaymentId, request);
    // Refused before anything was written: the txnId is free again, for a corrected request too.
    if (!checked.ok) await deps.ledger.release(callerId, txnId, claimToken);
  } catch (e) {
    deps.ledger.releaseSoon(callerId, txnId, claimToken);
    throw e;
  }
  if (!checked.ok) return checked;
  const { original, amountCurrency, walletCurrency, usd, amountMinor, creditMinor, usdMinor } = checked.value;
  const paid = original.record;

  const message: SwitchedMessage = {
    ...paid,
    paymentId,
    messageType: type,
    originalPaymentId: paid.paymentId,
    initiator: callerId,
    txnId,
    amount: { value: formatAmount(amountMinor, amountCurrency), currency: amountCurrency.code },
    amountUsd: formatAmount(usdMinor, usd),
    settlement: { value: formatAmount(creditMinor, walletCurrency), currency: walletCurrency.code, fxRate: paid.settlement.fxRate },
    receivedAt: arrival.receivedAt,
  };
  const committed = await scoreAndCommit(deps, arrival, message, claimToken, (scored) =>
    deps.ledger.commitFollowUp({
      claimToken,
      bodyHash,
      record: scored.event,
      original,
      allowed: scored.allowed,
      amountMinor,
      creditMinor,
      reversalDeadline: paid.receivedAt + deps.reversalWindowMs,
      walletMinorUnits: walletCurrency.minorUnits,
      tap: scored.tap,
    }),
  );
  if (!committed.ok) return committed;
  // Read back: the commit decides what is credited (what is left of the payment).
  const stored = await deps.ledger.load(paymentId);
  if (!stored) throw new Error(`follow-up ${paymentId} committed but not readable`);
  return ok(paymentAnswer(stored));
}

interface CheckedFollowUp {
  original: StoredPayment;
  amountCurrency: Currency;
  walletCurrency: Currency;
  usd: Currency;
  /** In the payment's currency: what the request names, or what is left of the payment. */
  amountMinor: bigint;
  /** In the wallet's currency, at the payment's rate. */
  creditMinor: bigint;
  usdMinor: bigint;
}

/**
 * What may be refunded or reversed, read from the payment as it is now. Runs under the
 * txnId's claim; the commit checks the payment's state again, atomically.
 */
async function checkFollowUp(
  deps: SwitchDeps,
  callerId: string,
  type: Exclude<MessageType, 'payment'>,
  originalPaymentId: string,
  request: FollowUpRequest,
): Promise<Result<CheckedFollowUp, DomainError>> {
  const original = await deps.ledger.load(originalPaymentId, { party: callerId });
  if (!original || !isPartyTo(callerId, original)) {
    return err({ code: 'PAYMENT_NOT_FOUND', message: 'no such payment' });
  }
  // Only its record is left (the commit would refuse it as not found): refused before it is scored.
  if (original.archived) return err({ code: 'PAYMENT_NOT_FOUND', message: 'the payment is past its follow-up window' });
  const o = original.record;
  const allowedSender = type === 'refund' ? o.merchant.acquirer : o.participant;
  if (callerId !== allowedSender) {
    return err({
      code: 'FOLLOW_UP_NOT_ALLOWED',
      message: type === 'refund' ? "only the merchant's acquirer sends refunds" : "only the payer's wallet sends reversals",
    });
  }
  if (o.messageType !== 'payment') {
    return err({ code: 'NOT_A_PAYMENT', message: `a ${o.messageType} cannot be followed up` });
  }
  const amountCurrency = currencyByCode(o.amount.currency);
  const walletCurrency = currencyByCode(o.settlement.currency);
  const rate = parseDecimal(o.settlement.fxRate);
  if (!amountCurrency || !walletCurrency || !rate) {
    return err({ code: 'CURRENCY_UNSUPPORTED', message: 'the payment currency is not supported' });
  }
  let amountMinor = original.amountMinor - original.refundedMinor;
  if (type === 'refund' && request.amount) {
    if (request.amount.currency !== o.amount.currency) {
      return err({ code: 'AMOUNT_CURRENCY_MISMATCH', message: `refunds are in ${o.amount.currency}` });
    }
    const parsed = parseAmount(request.amount.value, amountCurrency);
    if (!parsed.ok) return parsed;
    amountMinor = parsed.value;
  } else if (type === 'reversal') {
    amountMinor = original.amountMinor;
  }
  if (amountMinor <= 0n) return err({ code: 'REFUND_EXCEEDS_PAYMENT', message: 'nothing left to refund' });
  const creditMinor = convert(amountMinor, amountCurrency, walletCurrency, rate);
  const usd = currencyByCode('USD');
  const inUsd = usd ? deps.fx.quote(amountMinor, amountCurrency, usd) : undefined;
  if (!usd || !inUsd?.ok) return err({ code: 'FX_RATE_UNAVAILABLE', message: 'no USD rate' });
  // Converted amounts are stored like the paid one. A credit that rounds to nothing is
  // refused by the commit, which alone knows what is left to credit.
  for (const [minor, currency, what] of [[creditMinor, walletCurrency, 'credit'], [inUsd.value.minor, usd, 'USD amount']] as const) {
    const inRange = amountInRange(minor, currency, what);
    if (!inRange.ok) return inRange;
  }
  return ok({ original, amountCurrency, walletCurrency, usd, amountMinor, creditMinor, usdMinor: inUsd.value.minor });
}
