import { characterCount } from './tlv.ts';

/**
 * What a merchant-presented QR does that EMVCo does not allow, but that moves no money:
 * printed QRs carry names longer than the specification's limits, scripts outside its
 * character set and IDs it keeps for later. The payment goes ahead; the warnings go into
 * the decode answer and the payment's record, so operators can see the QRs they come from.
 * Codes are stable.
 */

export const QR_WARNING_CODES = [
  /** A text field longer than EMVCo allows (59 > 25, 60 > 15, 61 > 10, 62 and 64 sub-fields). */
  'QR_FIELD_TOO_LONG',
  /** A text field EMVCo defines as "ans" (printable ASCII) holding other characters. */
  'QR_CHARACTERS_OUTSIDE_ANS',
  /** An ID EMVCo reserves for future use (65-79; 00 and 12-49 in 62; 03-99 in 64): ignored. */
  'QR_RFU_ID',
  /** Template 64 without its language preference or merchant name, or with a language that is not 2 letters. */
  'QR_TEMPLATE_UNUSUAL',
] as const;

export type QrWarningCode = (typeof QR_WARNING_CODES)[number];

export interface QrWarning {
  code: QrWarningCode;
  /** The data object: a top-level ID ("59"), or a template's ID and a sub-ID ("62.01"). */
  field: string;
  message: string;
}

export function qrWarning(code: QrWarningCode, field: string, message: string): QrWarning {
  return { code, field, message };
}

const OUTSIDE_ANS = /[^\x20-\x7E]/;

/**
 * The warnings of one text field: `max` characters at most, and printable ASCII unless
 * `anyScript` (template 64 exists for names in other scripts).
 */
export function textWarnings(field: string, name: string, value: string, max: number, anyScript = false): QrWarning[] {
  const warnings: QrWarning[] = [];
  const length = characterCount(value);
  if (length > max) {
    warnings.push(qrWarning('QR_FIELD_TOO_LONG', field, `${name} (${fieldLabel(field)}) has ${length} characters, EMVCo allows ${max}`));
  }
  if (!anyScript && OUTSIDE_ANS.test(value)) {
    warnings.push(qrWarning('QR_CHARACTERS_OUTSIDE_ANS', field, `${name} (${fieldLabel(field)}) has characters outside EMVCo's "ans" set`));
  }
  return warnings;
}

export function rfuWarning(field: string): QrWarning {
  return qrWarning('QR_RFU_ID', field, `${fieldLabel(field)} is reserved for future EMVCo use: ignored`);
}

/** "ID 59", or "sub-ID 01 of template 62" for "62.01". */
export function fieldLabel(field: string): string {
  const [tag, sub] = field.split('.');
  return sub === undefined ? `ID ${tag}` : `sub-ID ${sub} of template ${tag}`;
}

/** The distinct codes, in the order they first appear: what a payment's record keeps. */
export function warningCodes(warnings: readonly QrWarning[]): QrWarningCode[] {
  return [...new Set(warnings.map((w) => w.code))];
}
