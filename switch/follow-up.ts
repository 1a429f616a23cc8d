import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { MessageType, SwitchedMessage, TapEvent } from '../domain/transaction.ts';
import { currencyByCode, type Currency } from './currency.ts';
import type { SwitchDeps } from './deps.ts';
import type { StoredPayment } from './ledger.ts';
import { amountInRange, convert, formatAmount, parseAmount, parseDecimal } from './money.ts';
import { paymentAnswer, type PaymentAnswer } from './payment-view.ts';
import { claimTxn } from './claim-txn.ts';
import { requestHash } from './stable-json.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from './store-unavailable.ts';
import { lateObserverOf } from './late-observer.ts';

export interface FollowUpRequest {
  /** Idempotency key of the follow-up; a reversal without one can happen only once anyway. */
  txnId?: string;
  amount?: { value: string; currency: string };
}

const REJECTION_MESSAGES: Record<string, string> = {
  PAYMENT_NOT_FOUND: 'no such payment',
  ORIGINAL_NOT_APPROVED: 'only an approved payment can be refunded or reversed',
  ALREADY_REVERSED: 'the payment was already reversed',
  ALREADY_REFUNDED: 'a refunded payment cannot be reversed',
  REVERSAL_WINDOW_CLOSED: 'the reversal window has closed; send a refund instead',
  REFUND_EXCEEDS_PAYMENT: 'the refunds would exceed the payment',
  SETTLEMENT_ROUNDS_TO_ZERO: "the refund is worth less than one minor unit of the wallet's currency",
};

/** Who may see a payment: the payer's wallet and the merchant's acquirer. */
export function isPartyTo(participantId: string, p: StoredPayment): boolean {
  return p.record.participant === participantId || p.record.merchant.acquirer === participantId;
}

/**
 * A refund (sent by the merchant's acquirer) or a reversal (sent by the payer's wallet)
 * of an approved payment: scored and tapped like a payment, credited to the wallet.
 */
export async function followUp(
  deps: SwitchDeps,
  callerId: string,
  type: Exclude<MessageType, 'payment'>,
  originalPaymentId: string,
  request: FollowUpRequest,
): Promise<Result<PaymentAnswer, DomainError>> {
  const started = process.hrtime.bigint();
  const receivedAt = deps.now();
  try {
    const outcome = await followUpChecked(deps, callerId, type, originalPaymentId, request, started, receivedAt);
    if (!outcome.ok) {
      await deps.tap.appendRejected({
        paymentId: deps.newPaymentId(type),
        messageType: 'rejected',
        requested: type,
        participant: callerId,
        initiator: callerId,
        originalPaymentId,
        ...(request.txnId ? { txnId: request.txnId } : {}),
        rejectCode: outcome.error.code,
        ...(request.amount ? { amount: request.amount } : {}),
        receivedAt,
      });
    }
    return outcome;
  } catch (e) {
    // Redis gave no answer: refused as a whole, safe to send again (see STORE_UNAVAILABLE).
    if (isStoreUnavailable(e)) return err(STORE_UNAVAILABLE);
    throw e;
  }
}

async function followUpChecked(
  deps: SwitchDeps,
  callerId: string,
  type: Exclude<MessageType, 'payment'>,
  originalPaymentId: string,
  request: FollowUpRequest,
  started: bigint,
  receivedAt: number,
): Promise<Result<PaymentAnswer, DomainError>> {
  // The txnId is claimed before the payment is read: a repeat gets the first answer whatever
  // the payment has become since (refunded in full, reversed, expired), never a check of it.
  const txnId = request.txnId ?? (type === 'reversal' ? `reversal:${originalPaymentId}` : deps.newPaymentId(type));
  const bodyHash = requestHash({ type, originalPaymentId, ...request });
  const paymentId = deps.newPaymentId(type);
  const claimed = await claimTxn(deps.ledger, callerId, txnId, bodyHash, paymentId);
  if ('answered' in claimed) return claimed.answered;
  const claim = { token: claimed.claimed };

  let checked: Result<CheckedFollowUp, DomainError>;
  try {
    checked = await checkFollowUp(deps, callerId, type, originalPaymentId, request);
    // Refused before anything was written: the txnId is free again, for a corrected request too.
    if (!checked.ok) await deps.ledger.release(callerId, txnId, claim.token);
  } catch (e) {
    deps.ledger.releaseSoon(callerId, txnId, claim.token);
    throw e;
  }
  if (!checked.ok) return checked;
  const { original, amountCurrency, walletCurrency, usd, amountMinor, creditMinor, usdMinor } = checked.value;
  const o = original.record;

  const message: SwitchedMessage = {
    ...o,
    paymentId,
    messageType: type,
    originalPaymentId: o.paymentId,
    initiator: callerId,
    txnId,
    amount: { value: formatAmount(amountMinor, amountCurrency), currency: amountCurrency.code },
    amountUsd: formatAmount(usdMinor, usd),
    settlement: { value: formatAmount(creditMinor, walletCurrency), currency: walletCurrency.code, fxRate: o.settlement.fxRate },
    receivedAt,
  };
  let outcome: Awaited<ReturnType<SwitchDeps['ledger']['commitFollowUp']>>;
  let event: TapEvent;
  try {
    const riskStarted = process.hrtime.bigint();
    const risk = await deps.scorer.score(message);
    const riskLatencyUs = Number((process.hrtime.bigint() - riskStarted) / 1000n);
    event = {
      ...message,
      risk,
      riskLatencyUs,
      switchLatencyUs: Number((process.hrtime.bigint() - started) / 1000n),
      decidedAt: deps.now(),
    };
    outcome = await deps.ledger.commitFollowUp({
      claimToken: claim.token,
      bodyHash,
      record: { ...message, risk, riskLatencyUs },
      original,
      allowed: risk.decision !== 'decline',
      amountMinor,
      creditMinor,
      reversalDeadline: o.receivedAt + deps.reversalWindowMs,
      walletMinorUnits: walletCurrency.minorUnits,
      tap: { stream: deps.tap.stream, entry: deps.tap.encode(event) },
      after: deps.recordOutcome ? (commands) => deps.recordOutcome!(commands, message) : undefined,
    });
  } catch (e) {
    deps.ledger.releaseSoon(callerId, txnId, claim.token);
    // The commit may have run with its reply lost: observed once Redis tells (late-observer.ts).
    if (isStoreUnavailable(e)) lateObserverOf(deps)?.add(paymentId);
    throw e;
  }
  if ('lost' in outcome) {
    return err({ code: 'PROCESSING_TIMEOUT', message: 'the request took too long and was not committed; retry' });
  }
  if (outcome.status === 'REJECTED') {
    return err({ code: outcome.code, message: REJECTION_MESSAGES[outcome.code] ?? outcome.code });
  }
  const stored = await deps.ledger.load(paymentId);
  if (!stored) throw new Error(`follow-up ${paymentId} committed but not readable`);
  deps.observe?.({ ...event, status: outcome.status, ...(outcome.code ? { declineCode: outcome.code } : {}) });
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
  const original = await deps.ledger.load(originalPaymentId);
  if (!original || !isPartyTo(callerId, original)) {
    return err({ code: 'PAYMENT_NOT_FOUND', message: 'no such payment' });
  }
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
