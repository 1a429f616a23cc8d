/** The EMVCo merchant-presented QR (MPM) codec: read and write the payload a merchant displays. */
export { QR_ERROR_CODES, type QrError, type QrErrorCode } from './errors.ts';
export { QR_WARNING_CODES, warningCodes, type QrWarning, type QrWarningCode } from './warnings.ts';
export type {
  AdditionalData,
  AlternateLanguage,
  DecodedQr,
  InitiationMethod,
  MerchantAccount,
  UnionPayAccount,
} from './decoded-qr.ts';
export { decodeQr } from './decode.ts';
export { createQrDecoder } from './decode-cache.ts';
export { encodeQr, type MerchantQrInput } from './encode.ts';
export type { MerchantAccountInput } from './merchant-account.ts';
export { unionPayAccountValue } from './union-pay.ts';
export { crc16CcittFalse } from './crc.ts';
