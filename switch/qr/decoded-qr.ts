import type { QrWarning } from './warnings.ts';

/** The data a merchant-presented QR carries, as the decoder reports it. */

export interface MerchantAccount {
  /** "02".."51". */
  tag: string;
  /** The raw value, exactly as in the payload. */
  value: string;
  /** Sub-ID 00 (GUID or AID) of a template (26-51). */
  guid?: string;
  /** Sub-fields of a template (26-51) other than 00, keyed by sub-ID. */
  fields?: Record<string, string>;
}

export interface UnionPayAccount {
  acquirerIin: string;
  forwardingIin: string;
  merchantId: string;
}

export interface AdditionalData {
  billNumber?: string;
  mobileNumber?: string;
  storeLabel?: string;
  loyaltyNumber?: string;
  referenceLabel?: string;
  customerLabel?: string;
  terminalLabel?: string;
  purpose?: string;
  consumerDataRequest?: string;
  /** Every sub-field keyed by sub-ID, including the named ones and payment-system specific ones. */
  fields: Record<string, string>;
}

export interface AlternateLanguage {
  /** ISO 639 alpha-2, e.g. "ZH"; absent when a presented QR's template 64 has none. */
  languagePreference?: string;
  merchantName: string;
  merchantCity?: string;
}

export type InitiationMethod = 'static' | 'dynamic';

export interface DecodedQr {
  payloadFormatIndicator: string;
  initiationMethod?: InitiationMethod;
  /** Every merchant account (02-51), in payload order; tag 15 is also split into `unionPay`. */
  merchantAccounts: MerchantAccount[];
  unionPay?: UnionPayAccount;
  mcc?: string;
  /** ISO 4217 numeric, e.g. "156". */
  currency: string;
  /** Exactly as in the QR: the amount is the merchant's words, not ours to reformat. */
  amount?: string;
  /** "01" prompts the payer for a tip, "02" adds `convenienceFeeFixed`, "03" adds `convenienceFeePercentage`. */
  tipIndicator?: string;
  convenienceFeeFixed?: string;
  convenienceFeePercentage?: string;
  countryCode: string;
  merchantName?: string;
  merchantCity?: string;
  postalCode?: string;
  additionalData?: AdditionalData;
  alternateLanguage?: AlternateLanguage;
  /** Templates 80-99, raw, keyed by ID. */
  unreserved?: Record<string, string>;
  /** Four uppercase hex digits. */
  crc: string;
  /** What the QR does that EMVCo does not allow but moves no money, in payload order; [] for a clean QR. */
  warnings: QrWarning[];
}
