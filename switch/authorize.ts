import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { MerchantRef, SwitchedMessage, TapEvent } from '../domain/transaction.ts';
import type { SwitchDeps } from './deps.ts';
import { issuerLimits } from './issuer.ts';
import type { PaymentRecord, StoredPayment } from './ledger.ts';
import { formatAmount } from './money.ts';
import { paymentAnswer, type PaymentAnswer } from './payment-view.ts';
import { preparePayment, type PaymentRequest } from './prepare-payment.ts';
import type { Merchant } from './registry.ts';
import { corridorOf } from './routing.ts';
import { answeredBefore, claimTxn } from './claim-txn.ts';
import { requestHash } from './stable-json.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from './store-unavailable.ts';
import { lateObserverOf } from './late-observer.ts';

export type { PaymentRequest } from './prepare-payment.ts';

export function merchantRef(m: Merchant): MerchantRef {
  return { id: m.id, name: m.name, mcc: m.mcc, country: m.country, city: m.city, acquirer: m.acquirer, network: m.network };
}

/**
 * Authorises one QR payment: check, route and price it, claim the txnId, score it, let
 * the simulated issuer decide and commit, all before answering. The commit appends the
 * message to the tap's stream in the same script. A refused request is tapped as such.
 * Without an answer from Redis the request is refused as DEPENDENCY_DOWN (STORE_UNAVAILABLE).
 */
export async function authorize(
  deps: SwitchDeps,
  participantId: string,
  request: PaymentRequest,
): Promise<Result<PaymentAnswer, DomainError>> {
  const started = process.hrtime.bigint();
  const receivedAt = deps.now();
  try {
    const outcome = await authorizePrepared(deps, participantId, request, started, receivedAt);
    if (!outcome.ok) {
      const { merchant, ...error } = outcome.error as DomainError & { merchant?: Merchant };
      await deps.tap.appendRejected({
        paymentId: deps.newPaymentId('payment'),
        messageType: 'rejected',
        requested: 'payment',
        participant: participantId,
        initiator: participantId,
        txnId: request.txnId,
        rejectCode: error.code,
        payer: request.payer,
        ...(merchant ? { merchant: merchantRef(merchant) } : {}),
        ...(request.amount ? { amount: request.amount } : {}),
        receivedAt,
      });
      return err(error);
    }
    return outcome;
  } catch (e) {
    // Redis gave no answer: a value the participant can act on (send it again), not a 500.
    if (isStoreUnavailable(e)) return err(STORE_UNAVAILABLE);
    throw e;
  }
}

async function authorizePrepared(
  deps: SwitchDeps,
  participantId: string,
  request: PaymentRequest,
  started: bigint,
  receivedAt: number,
): Promise<Result<PaymentAnswer, DomainError>> {
  const bodyHash = requestHash(request);
  const prepared = preparePayment(deps, participantId, request);
  // Checked against this node's configuration, not the one that may have taken the first
  // attempt (another node, or before a change of rates or merchants): a repeat gets that answer.
  if (!prepared.ok) return (await answeredBefore(deps.ledger, participantId, request.txnId, bodyHash)) ?? prepared;
  const { participant, merchant, merchantCurrency, walletCurrency, amountMinor, settlement } = prepared.value;

  const paymentId = deps.newPaymentId('payment');
  const claimed = await claimTxn(deps.ledger, participantId, request.txnId, bodyHash, paymentId);
  if ('answered' in claimed) return claimed.answered;
  const claim = { token: claimed.claimed };

  const message: SwitchedMessage = {
    paymentId,
    messageType: 'payment',
    participant: participant.id,
    participantKind: participant.kind,
    initiator: participant.id,
    txnId: request.txnId,
    direction: prepared.value.direction,
    corridor: corridorOf(participant.country, merchant.country),
    payer: request.payer,
    merchant: merchantRef(merchant),
    amount: { value: formatAmount(amountMinor, merchantCurrency), currency: merchant.currency },
    amountUsd: prepared.value.amountUsd,
    settlement: { value: formatAmount(settlement.minor, walletCurrency), currency: walletCurrency.code, fxRate: settlement.rateText },
    receivedAt,
  };
  let committed: Awaited<ReturnType<SwitchDeps['ledger']['commitPayment']>>;
  let record: PaymentRecord;
  let event: TapEvent;
  try {
    const riskStarted = process.hrtime.bigint();
    const risk = await deps.scorer.score(message);
    const riskLatencyUs = Number((process.hrtime.bigint() - riskStarted) / 1000n);
    record = { ...message, risk, riskLatencyUs };
    event = {
      ...message,
      risk,
      riskLatencyUs,
      switchLatencyUs: Number((process.hrtime.bigint() - started) / 1000n),
      decidedAt: deps.now(),
    };
    committed = await deps.ledger.commitPayment({
      claimToken: claim.token,
      bodyHash,
      record,
      allowed: risk.decision !== 'decline',
      amountMinor,
      settleMinor: settlement.minor,
      issuer: issuerLimits(participant, walletCurrency),
      tap: { stream: deps.tap.stream, entry: deps.tap.encode(event) },
      after: deps.recordOutcome ? (commands) => deps.recordOutcome!(commands, message) : undefined,
    });
  } catch (e) {
    deps.ledger.releaseSoon(participantId, request.txnId, claim.token);
    // The commit may have run with its reply lost: observed once Redis tells (late-observer.ts).
    if (isStoreUnavailable(e)) lateObserverOf(deps)?.add(paymentId);
    throw e;
  }
  if ('lost' in committed) {
    return err({ code: 'PROCESSING_TIMEOUT', message: 'the payment took too long and was not committed; retry' });
  }
  const stored: StoredPayment = {
    record,
    status: committed.status,
    declineCode: committed.declineCode,
    amountMinor,
    settleMinor: settlement.minor,
    refundedMinor: 0n,
    reversed: false,
  };
  deps.observe?.({ ...event, status: committed.status, ...(committed.declineCode ? { declineCode: committed.declineCode } : {}) });
  return ok(paymentAnswer(stored));
}
