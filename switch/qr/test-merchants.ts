import type { MerchantQrInput } from './encode.ts';
import type { DecodedQr } from './decoded-qr.ts';
import { unionPayAccountValue } from './union-pay.ts';

/** Merchants the codec's tests encode (one per shape of QR the gateway sees in its corridors), and the way back. */

export const unionPayNoodleShop: MerchantQrInput = {
  initiation: 'static',
  merchantAccounts: [
    {
      tag: '15',
      value: unionPayAccountValue({ acquirerIin: '12345678', forwardingIin: '87654321', merchantId: 'SHOP00000000001' }),
    },
  ],
  mcc: '5812',
  currency: '156',
  countryCode: 'CN',
  merchantName: 'LANZHOU NOODLES',
  merchantCity: 'SHANGHAI',
};

export const dynamicTaxiFare: MerchantQrInput = {
  initiation: 'dynamic',
  merchantAccounts: [{ tag: '02', value: '4000123456789010' }],
  mcc: '4121',
  currency: '764',
  amount: '245.50',
  countryCode: 'TH',
  merchantName: 'BANGKOK TAXI 42',
  merchantCity: 'BANGKOK',
  postalCode: '10110',
};

export const pixBakery: MerchantQrInput = {
  initiation: 'static',
  merchantAccounts: [
    { tag: '26', guid: 'br.gov.bcb.pix', fields: { '01': '123e4567-e12b-12d1-a456-426655440000', '02': 'Pao de queijo' } },
  ],
  mcc: '5462',
  currency: '986',
  countryCode: 'BR',
  merchantName: 'Padaria Central',
  merchantCity: 'SAO PAULO',
  additionalData: { referenceLabel: '***' },
};

export const pekingDuckRestaurant: MerchantQrInput = {
  initiation: 'dynamic',
  merchantAccounts: [
    { tag: '15', value: unionPayAccountValue({ acquirerIin: '25020156', forwardingIin: '30310156', merchantId: '898110058120001' }) },
    { tag: '31', guid: 'A000000333010101', fields: { '01': 'BJ-QJD-0001' } },
  ],
  mcc: '5812',
  currency: '156',
  amount: '888.88',
  tipIndicator: '01',
  countryCode: 'CN',
  merchantName: '北京烤鸭店',
  merchantCity: '北京',
  alternateLanguage: { languagePreference: 'EN', merchantName: 'Peking Duck House', merchantCity: 'Beijing' },
};

export const payNowHawker: MerchantQrInput = {
  initiation: 'dynamic',
  merchantAccounts: [{ tag: '26', guid: 'SG.PAYNOW', fields: { '01': '2', '02': 'T08GB0025ACT1', '03': '0' } }],
  mcc: '5814',
  currency: '702',
  amount: '12.80',
  tipIndicator: '02',
  convenienceFeeFixed: '0.50',
  countryCode: 'SG',
  merchantName: 'Maxwell Chicken Rice',
  merchantCity: 'Singapore',
  additionalData: {
    billNumber: 'INV-2024-0042',
    mobileNumber: '+6590901234',
    storeLabel: 'Stall 10',
    loyaltyNumber: '***',
    referenceLabel: 'RD0303',
    customerLabel: '***',
    terminalLabel: 'T1',
    purpose: 'Lunch',
    consumerDataRequest: 'ME',
  },
};

export const sampleMerchants: Record<string, MerchantQrInput> = {
  unionPayNoodleShop,
  dynamicTaxiFare,
  pixBakery,
  pekingDuckRestaurant,
  payNowHawker,
};

/**
 * The encoder input a decoded QR corresponds to: accounts in ID order, templates as
 * GUID + sub-fields, and only what the encoder writes (no unreserved templates, no
 * additional-data sub-fields without a name).
 */
export function inputOf(qr: DecodedQr): MerchantQrInput {
  const { fields: _bySubId, ...named } = qr.additionalData ?? { fields: {} };
  const accounts = [...qr.merchantAccounts].sort((a, b) => Number(a.tag) - Number(b.tag));
  return {
    initiation: qr.initiationMethod ?? 'static',
    merchantAccounts: accounts.map((a) =>
      a.guid === undefined ? { tag: a.tag, value: a.value } : { tag: a.tag, guid: a.guid, fields: a.fields ?? {} },
    ),
    mcc: qr.mcc ?? '',
    currency: qr.currency,
    amount: qr.amount,
    tipIndicator: qr.tipIndicator,
    convenienceFeeFixed: qr.convenienceFeeFixed,
    convenienceFeePercentage: qr.convenienceFeePercentage,
    countryCode: qr.countryCode,
    merchantName: qr.merchantName ?? '',
    merchantCity: qr.merchantCity ?? '',
    postalCode: qr.postalCode,
    additionalData: Object.keys(named).length === 0 ? undefined : named,
    alternateLanguage: qr.alternateLanguage,
  };
}
