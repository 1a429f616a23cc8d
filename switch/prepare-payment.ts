import { ok, type DomainError } from '../domain/result.ts';
import type { Direction, Payer } from '../domain/transaction.ts';
import { currencyByCode, type Currency } from './currency.ts';
import type { SwitchDeps } from './deps.ts';
import type { FxQuote } from './fx.ts';
import { resolveMerchant } from './issued-qr.ts';
import { amountInRange, formatAmount, parseAmount } from './money.ts';
import { birthYearOf, payerNameOf } from './payer-name.ts';
import { createQrDecoder, warningCodes } from './qr/index.ts';
import type { Merchant, Participant } from './registry.ts';
import { routeDirection } from './routing.ts';

export interface PaymentRequest {
  txnId: string;
  qr: { payload: string };
  amount?: { value: string; currency: string };
  /** As the request has it: a date of birth, of which the payer's `birthYear` is taken. */
  payer: Omit<Payer, 'birthYear'> & { birthDate?: string };
}

/** A payment request checked, routed and priced: nothing is written until this succeeds. */
export interface PreparedPayment {
  participant: Participant;
  /** The request's payer, its name (if any) trimmed and in NFC. */
  payer: Payer;
  merchant: Merchant;
  /** The presented QR's alternate-language name (template 64), if it has one: screened with the merchant's. */
  qrLocalName?: string;
  /** The distinct codes of the presented QR's warnings (qr/warnings.ts), if it has any: recorded with the payment. */
  qrWarnings?: string[];
  direction: Direction;
  merchantCurrency: Currency;
  walletCurrency: Currency;
  amountMinor: bigint;
  settlement: FxQuote;
  amountUsd: string;
}

/**
 * A payment checked, routed and priced, or refused before anything was written: then with
 * the merchant it was checked against once its QR named one (the tap records it).
 */
export type Preparation = { ok: true; value: PreparedPayment } | { ok: false; error: DomainError; merchant?: Merchant };

/** Static merchant QRs repeat: each distinct payload is decoded once (bounded memory). */
const decodeQr = createQrDecoder();

export function preparePayment(
  deps: SwitchDeps,
  participantId: string,
  request: PaymentRequest,
): Preparation {
  const refuse = (error: DomainError): Preparation => ({ ok: false, error });
  const participant = deps.registry.participant(participantId);
  if (!participant) return refuse({ code: 'PARTICIPANT_UNKNOWN', message: 'unknown participant' });
  if (participant.kind === 'acquirer' || !participant.issuer) {
    return refuse({ code: 'PARTICIPANT_NOT_A_WALLET', message: 'only wallets initiate payments' });
  }
  const payerName = payerNameOf(request.payer.name);
  if (!payerName.ok) return refuse(payerName.error);
  if (participant.requirePayerName && payerName.value === undefined) {
    return refuse({ code: 'PAYER_NAME_REQUIRED', message: `${participant.id} must name the payer in every payment (payer.name)` });
  }
  const birthYear = birthYearOf(request.payer.birthDate, Date.now());
  if (!birthYear.ok) return refuse(birthYear.error);
  const { name: _raw, birthDate: _date, ...payerFields } = request.payer;
  const payer: Payer = {
    ...payerFields,
    ...(payerName.value !== undefined ? { name: payerName.value } : {}),
    ...(birthYear.value !== undefined ? { birthYear: birthYear.value } : {}),
  };
  const qr = decodeQr(request.qr.payload);
  if (!qr.ok) return refuse({ code: qr.error.code, message: qr.error.message });
  const resolved = resolveMerchant(deps.registry, qr.value);
  if (!resolved.ok) return refuse(resolved.error);
  const merchant = resolved.value;
  const rejectFor = (error: DomainError): Preparation => ({ ok: false, error, merchant });
  const direction = routeDirection(participant.kind, participant.country, merchant.country, deps.registry.gateway.homeCountry);
  if (!direction.ok) return rejectFor(direction.error);

  const merchantCurrency = currencyByCode(merchant.currency);
  const walletCurrency = currencyByCode(participant.currency);
  const usd = currencyByCode('USD');
  if (!merchantCurrency || !walletCurrency || !usd) {
    return rejectFor({ code: 'CURRENCY_UNSUPPORTED', message: 'the merchant or wallet currency is not supported' });
  }
  if (request.amount && request.amount.currency !== merchant.currency) {
    return rejectFor({
      code: 'AMOUNT_CURRENCY_MISMATCH',
      message: `the merchant is paid in ${merchant.currency}, not ${request.amount.currency}`,
    });
  }
  const requested = request.amount ? parseAmount(request.amount.value, merchantCurrency) : undefined;
  if (requested && !requested.ok) return rejectFor(requested.error);
  const inQr = qr.value.amount !== undefined ? parseAmount(qr.value.amount, merchantCurrency) : undefined;
  if (inQr && !inQr.ok) return rejectFor({ code: 'QR_FIELD_INVALID', message: `QR amount: ${inQr.error.message}` });
  if (requested && inQr && requested.value !== inQr.value) {
    return rejectFor({ code: 'AMOUNT_MISMATCH', message: 'the amount differs from the amount in the dynamic QR' });
  }
  const amountMinor = requested?.value ?? inQr?.value;
  if (amountMinor === undefined) {
    return rejectFor({ code: 'AMOUNT_REQUIRED', message: 'a static QR needs an amount in the request' });
  }
  const settlement = deps.fx.quote(amountMinor, merchantCurrency, walletCurrency);
  if (!settlement.ok) return rejectFor(settlement.error);
  // Every converted amount is stored too: it must fit where the paid amount fits, and the
  // wallet can be debited no less than one minor unit.
  if (settlement.value.minor <= 0n) {
    return rejectFor({
      code: 'SETTLEMENT_ROUNDS_TO_ZERO',
      message: `${formatAmount(amountMinor, merchantCurrency)} ${merchantCurrency.code} is less than one minor unit of ${walletCurrency.code}, the wallet's currency`,
    });
  }
  const settled = amountInRange(settlement.value.minor, walletCurrency, 'settlement amount');
  if (!settled.ok) return rejectFor(settled.error);
  const inUsd = deps.fx.quote(amountMinor, merchantCurrency, usd);
  if (!inUsd.ok) return rejectFor(inUsd.error);
  const usdInRange = amountInRange(inUsd.value.minor, usd, 'USD amount');
  if (!usdInRange.ok) return rejectFor(usdInRange.error);
  const qrLocalName = qr.value.alternateLanguage?.merchantName;
  const qrWarnings = warningCodes(qr.value.warnings);
  return ok({
    participant,
    payer,
    merchant,
    ...(qrLocalName !== undefined ? { qrLocalName } : {}),
    ...(qrWarnings.length > 0 ? { qrWarnings } : {}),
    direction: direction.value,
    merchantCurrency,
    walletCurrency,
    amountMinor,
    settlement: settlement.value,
    amountUsd: formatAmount(inUsd.value.minor, usd),
  });
}
