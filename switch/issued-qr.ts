import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import { currencyByCode, currencyByNumeric } from './currency.ts';
import { encodeQr, unionPayAccountValue, type DecodedQr, type MerchantQrInput } from './qr/index.ts';
import type { Merchant, Registry } from './registry.ts';

/**
 * The QR codes the gateway issues for its registered merchants, and the way back: the
 * registered merchant a presented QR names. The codec itself is qr/ (decoded-qr.ts).
 */

/** The QR code the gateway issues for a merchant: static, or dynamic with an amount. */
export function merchantQr(registry: Registry, merchant: Merchant, amount?: string): Result<string, DomainError> {
  const acquirer = registry.participant(merchant.acquirer);
  const currency = currencyByCode(merchant.currency);
  if (!acquirer?.iin || !currency) {
    return err({ code: 'MERCHANT_MISCONFIGURED', message: `merchant ${merchant.id} has no acquirer IIN or currency` });
  }
  const account: MerchantQrInput['merchantAccounts'][number] =
    merchant.network === 'unionpay'
      ? {
          tag: '15',
          value: unionPayAccountValue({
            acquirerIin: acquirer.iin,
            forwardingIin: registry.gateway.forwardingIin,
            merchantId: merchant.accountId,
          }),
        }
      : { tag: '26', guid: registry.gateway.wechatPayGuid, fields: { '01': merchant.accountId } };
  const encoded = encodeQr({
    initiation: amount === undefined ? 'static' : 'dynamic',
    merchantAccounts: [account],
    mcc: merchant.mcc,
    currency: currency.numeric,
    ...(amount === undefined ? {} : { amount }),
    countryCode: merchant.country,
    merchantName: merchant.name,
    merchantCity: merchant.city,
    ...(merchant.localName
      ? { alternateLanguage: { languagePreference: 'ZH', merchantName: merchant.localName } }
      : {}),
  });
  return encoded.ok ? encoded : err({ code: encoded.error.code, message: encoded.error.message });
}

/**
 * Finds the registered merchant a QR points at and checks that everything else the QR
 * says about it (acquirer, forwarding IIN, MCC, currency, country, name) agrees.
 */
export function resolveMerchant(registry: Registry, qr: DecodedQr): Result<Merchant, DomainError> {
  let merchant: Merchant | undefined;
  let mismatch: string | undefined;
  if (qr.unionPay) {
    merchant = registry.merchantByAccount('unionpay', qr.unionPay.merchantId);
    if (merchant) {
      const acquirer = registry.participant(merchant.acquirer);
      if (qr.unionPay.acquirerIin !== acquirer?.iin) mismatch = 'acquirer IIN';
      else if (qr.unionPay.forwardingIin !== registry.gateway.forwardingIin) mismatch = 'forwarding IIN';
    }
  }
  if (!merchant) {
    for (const account of qr.merchantAccounts) {
      const id = account.fields?.['01'];
      if (account.guid === registry.gateway.wechatPayGuid && id) {
        merchant = registry.merchantByAccount('wechatpay', id);
        if (merchant) break;
      }
    }
  }
  if (!merchant) {
    return err({ code: 'MERCHANT_UNKNOWN', message: 'the QR names no merchant registered with the gateway' });
  }
  if (!mismatch) {
    if (currencyByNumeric(qr.currency)?.code !== merchant.currency) mismatch = 'currency';
    else if (qr.countryCode !== merchant.country) mismatch = 'country';
    else if (qr.mcc !== undefined && qr.mcc !== merchant.mcc) mismatch = 'MCC';
    else if (qr.merchantName !== undefined && qr.merchantName !== merchant.name) mismatch = 'merchant name';
  }
  if (mismatch) {
    return err({
      code: 'MERCHANT_MISMATCH',
      message: `the QR's ${mismatch} does not match the registered merchant`,
    });
  }
  return ok(merchant);
}
