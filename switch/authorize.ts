import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { Payer, SwitchedMessage, TransactionEvent } from '../domain/transaction.ts';
import { currencyByCode } from './currency.ts';
import type { SwitchDeps } from './deps.ts';
import { issuerLimits } from './issuer.ts';
import type { PaymentRecord, StoredPayment } from './ledger.ts';
import { resolveMerchant } from './merchant-qr.ts';
import { formatAmount, parseAmount } from './money.ts';
import { paymentAnswer, type PaymentAnswer } from './payment-view.ts';
import { decodeQr } from './qr/index.ts';
import { corridorOf, routeDirection } from './routing.ts';
import { requestHash } from './stable-json.ts';

export interface PaymentRequest {
  txnId: string;
  qr: { payload: string };
  amount?: { value: string; currency: string };
  payer: Payer;
}

/**
 * Authorises one QR payment: validate, decode the QR, resolve merchant and direction,
 * price it, claim the txnId, score it, let the simulated issuer decide, commit, tap.
 * Everything that can reject the request happens before anything is written.
 */
export async function authorize(
  deps: SwitchDeps,
  participantId: string,
  request: PaymentRequest,
): Promise<Result<PaymentAnswer, DomainError>> {
  const started = process.hrtime.bigint();
  const receivedAt = deps.now();
  const participant = deps.registry.participant(participantId);
  if (!participant) return err({ code: 'PARTICIPANT_UNKNOWN', message: 'unknown participant' });
  if (participant.kind === 'acquirer' || !participant.issuer) {
    return err({ code: 'PARTICIPANT_NOT_A_WALLET', message: 'only wallets initiate payments' });
  }
  const qr = decodeQr(request.qr.payload);
  if (!qr.ok) return err({ code: qr.error.code, message: qr.error.message });
  const merchantResult = resolveMerchant(deps.registry, qr.value);
  if (!merchantResult.ok) return merchantResult;
  const merchant = merchantResult.value;
  const direction = routeDirection(participant.kind, merchant.country, deps.registry.gateway.homeCountry);
  if (!direction.ok) return direction;

  const merchantCurrency = currencyByCode(merchant.currency);
  const walletCurrency = currencyByCode(participant.currency);
  if (!merchantCurrency || !walletCurrency) {
    return err({ code: 'CURRENCY_UNSUPPORTED', message: 'the merchant or wallet currency is not supported' });
  }
  if (request.amount && request.amount.currency !== merchant.currency) {
    return err({
      code: 'AMOUNT_CURRENCY_MISMATCH',
      message: `the merchant is paid in ${merchant.currency}, not ${request.amount.currency}`,
    });
  }
  const requested = request.amount ? parseAmount(request.amount.value, merchantCurrency) : undefined;
  if (requested && !requested.ok) return requested;
  const inQr = qr.value.amount !== undefined ? parseAmount(qr.value.amount, merchantCurrency) : undefined;
  if (inQr && !inQr.ok) return err({ code: 'QR_FIELD_INVALID', message: `QR amount: ${inQr.error.message}` });
  if (requested && inQr && requested.value !== inQr.value) {
    return err({ code: 'AMOUNT_MISMATCH', message: 'the amount differs from the amount in the dynamic QR' });
  }
  const amountMinor = requested?.value ?? inQr?.value;
  if (amountMinor === undefined) {
    return err({ code: 'AMOUNT_REQUIRED', message: 'a static QR needs an amount in the request' });
  }
  const quote = deps.fx.quote(amountMinor, merchantCurrency, walletCurrency);
  if (!quote.ok) return quote;

  const bodyHash = requestHash(request);
  const paymentId = deps.newPaymentId('payment');
  const claim = await deps.ledger.claim(participantId, request.txnId, bodyHash, paymentId);
  if (claim.kind === 'conflict') {
    return err({ code: 'TXN_ID_CONFLICT', message: 'this txnId was already used with a different request' });
  }
  if (claim.kind === 'in-progress') {
    return err({ code: 'TXN_IN_PROGRESS', message: 'this txnId is being processed; retry shortly' });
  }
  if (claim.kind === 'done') {
    const first = await deps.ledger.load(claim.paymentId);
    return first ? ok(paymentAnswer(first)) : err({ code: 'PAYMENT_NOT_FOUND', message: 'the first answer has expired' });
  }

  const message: SwitchedMessage = {
    paymentId,
    messageType: 'payment',
    participant: participant.id,
    participantKind: participant.kind,
    initiator: participant.id,
    txnId: request.txnId,
    direction: direction.value,
    corridor: corridorOf(participant.country, merchant.country),
    payer: request.payer,
    merchant: {
      id: merchant.id,
      name: merchant.name,
      mcc: merchant.mcc,
      country: merchant.country,
      city: merchant.city,
      acquirer: merchant.acquirer,
      network: merchant.network,
    },
    amount: { value: formatAmount(amountMinor, merchantCurrency), currency: merchant.currency },
    settlement: {
      value: formatAmount(quote.value.minor, walletCurrency),
      currency: walletCurrency.code,
      fxRate: quote.value.rateText,
    },
    receivedAt,
  };
  let committed: Awaited<ReturnType<SwitchDeps['ledger']['commitPayment']>>;
  let record: PaymentRecord;
  let riskLatencyUs: number;
  try {
    const riskStarted = process.hrtime.bigint();
    const risk = await deps.scorer.score(message);
    riskLatencyUs = Number((process.hrtime.bigint() - riskStarted) / 1000n);
    record = { ...message, risk, riskLatencyUs };
    committed = await deps.ledger.commitPayment({
      claimToken: claim.token,
      bodyHash,
      record,
      allowed: risk.decision !== 'decline',
      amountMinor,
      settleMinor: quote.value.minor,
      issuer: issuerLimits(participant, walletCurrency),
    });
  } catch (e) {
    await deps.ledger.release(participantId, request.txnId, claim.token).catch(() => undefined);
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
    settleMinor: quote.value.minor,
    refundedMinor: 0n,
    reversed: false,
  };
  const event: TransactionEvent = {
    ...message,
    status: committed.status,
    ...(committed.declineCode ? { declineCode: committed.declineCode } : {}),
    risk: record.risk,
    riskLatencyUs,
    switchLatencyUs: Number((process.hrtime.bigint() - started) / 1000n),
    decidedAt: deps.now(),
  };
  await deps.tap.emit(event);
  return ok(paymentAnswer(stored));
}
