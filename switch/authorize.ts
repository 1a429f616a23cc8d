import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { MerchantRef, SwitchedMessage } from '../domain/transaction.ts';
import { arrivalOf, scoreAndCommit, tapRefusal, type Arrival, type RefusedRequest } from './authorisation-sequence.ts';
import { answeredBefore, arriveClaiming, arriveLookingUp, claimTxn } from './claim-txn.ts';
import type { Claim } from './ledger.ts';
import type { SwitchDeps } from './deps.ts';
import { issuerLimits } from './issuer.ts';
import { formatAmount } from './money.ts';
import { paymentAnswer, type PaymentAnswer } from './payment-view.ts';
import { preparePayment, type PaymentRequest, type PreparedPayment } from './prepare-payment.ts';
import type { Merchant } from './registry.ts';
import type { RequestSpend } from './request-spend.ts';
import { corridorOf } from './routing.ts';
import { requestHash } from './stable-json.ts';

export type { PaymentRequest } from './prepare-payment.ts';

/** The merchant as the message records it, with its other names (the registry's local name, the presented QR's template-64 name). */
export function merchantRef(m: Merchant, qrLocalName?: string): MerchantRef {
  const altNames: string[] = [];
  if (m.localName !== undefined && m.localName !== m.name) altNames.push(m.localName);
  if (qrLocalName !== undefined && qrLocalName !== m.name && qrLocalName !== m.localName) altNames.push(qrLocalName);
  return {
    id: m.id,
    name: m.name,
    ...(altNames.length > 0 ? { altNames } : {}),
    mcc: m.mcc,
    country: m.country,
    city: m.city,
    acquirer: m.acquirer,
    network: m.network,
  };
}

/**
 * Authorises one QR payment: check, route and price it, claim the txnId, score it, let
 * the simulated issuer decide and commit, all before answering. The commit appends the
 * message to the tap's stream in the same script. A refused request is tapped as such.
 * Without an answer from Redis the request is refused as DEPENDENCY_DOWN (STORE_UNAVAILABLE).
 * `spend`, the signed request's nonce and budget, is spent in the claim's call: two Redis
 * calls per payment, that one before the decision and the commit after it.
 */
export async function authorize(
  deps: SwitchDeps,
  participantId: string,
  request: PaymentRequest,
  spend?: RequestSpend,
): Promise<Result<PaymentAnswer, DomainError>> {
  const arrival = arrivalOf(deps);
  const prepared = preparePayment(deps, participantId, request);
  const refusedAs = (error: DomainError): RefusedRequest => ({
    requested: 'payment',
    participant: participantId,
    initiator: participantId,
    txnId: request.txnId,
    payer: request.payer,
    // The merchant a check of the payment refused it against, when that check is why it is refused.
    ...(!prepared.ok && prepared.merchant && error === prepared.error ? { merchant: merchantRef(prepared.merchant) } : {}),
    ...(request.amount ? { amount: request.amount } : {}),
  });
  const bodyHash = requestHash(request);
  if (!prepared.ok) {
    // Checked against this node's configuration, not the one that may have taken the first
    // attempt (another node, or before a change of rates or merchants): a repeat gets that answer.
    const arrived = await arriveLookingUp(deps.ledger, spend, participantId, request.txnId, bodyHash);
    if ('refused' in arrived) return err(arrived.refused);
    return tapRefusal(deps, arrival, refusedAs, async () =>
      (await answeredBefore(deps.ledger, participantId, request.txnId, bodyHash, arrived.first)) ?? err(prepared.error),
    );
  }
  // The payer's name goes to the screening thread now, matched while the claim's Redis call runs.
  deps.scorer.prepare?.(prepared.value.payer);
  const paymentId = deps.newPaymentId('payment');
  const arrived = await arriveClaiming(deps.ledger, spend, participantId, request.txnId, bodyHash, paymentId);
  if ('refused' in arrived) return err(arrived.refused);
  return tapRefusal(deps, arrival, refusedAs, () => authorizePrepared(deps, participantId, request, prepared.value, { bodyHash, paymentId, first: arrived.first }, arrival));
}

async function authorizePrepared(
  deps: SwitchDeps,
  participantId: string,
  request: PaymentRequest,
  prepared: PreparedPayment,
  claim: { bodyHash: string; paymentId: string; first: Claim },
  arrival: Arrival,
): Promise<Result<PaymentAnswer, DomainError>> {
  const { participant, merchant, merchantCurrency, walletCurrency, amountMinor, settlement } = prepared;
  const { bodyHash, paymentId } = claim;
  const claimed = await claimTxn(deps.ledger, participantId, request.txnId, bodyHash, paymentId, claim.first);
  if ('answered' in claimed) return claimed.answered;
  const claimToken = claimed.claimed;

  const message: SwitchedMessage = {
    paymentId,
    messageType: 'payment',
    participant: participant.id,
    participantKind: participant.kind,
    initiator: participant.id,
    txnId: request.txnId,
    direction: prepared.direction,
    corridor: corridorOf(participant.country, merchant.country),
    payer: prepared.payer,
    merchant: merchantRef(merchant, prepared.qrLocalName),
    amount: { value: formatAmount(amountMinor, merchantCurrency), currency: merchant.currency },
    amountUsd: prepared.amountUsd,
    settlement: { value: formatAmount(settlement.minor, walletCurrency), currency: walletCurrency.code, fxRate: settlement.rateText },
    receivedAt: arrival.receivedAt,
    ...(prepared.qrWarnings !== undefined ? { qrWarnings: prepared.qrWarnings } : {}),
  };
  const committed = await scoreAndCommit(deps, arrival, message, claimToken, (scored) =>
    deps.ledger.commitPayment({
      claimToken,
      bodyHash,
      record: scored.event,
      allowed: scored.allowed,
      amountMinor,
      settleMinor: settlement.minor,
      issuer: issuerLimits(participant, walletCurrency),
      tap: scored.tap,
    }),
  );
  if (!committed.ok) return committed;
  const { status, declineCode = '' } = committed.value;
  // The answer a repeat would get from the ledger, built without reading it back.
  return ok(paymentAnswer({ record: committed.value, status, declineCode, amountMinor, settleMinor: settlement.minor, refundedMinor: 0n, reversed: false }));
}
