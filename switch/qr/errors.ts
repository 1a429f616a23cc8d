import type { ErrorCode } from '../../domain/error-codes.ts';

/**
 * Why a merchant-presented QR payload was refused. Codes are stable: callers map them
 * (a scanner asks for a re-scan on CRC errors, an onboarding form points at `tag`).
 */

export const QR_ERROR_CODES = [
  'QR_MALFORMED',
  'QR_CRC_MISSING',
  'QR_CRC_MISMATCH',
  'QR_FORMAT_INDICATOR',
  'QR_DUPLICATE_TAG',
  'QR_MISSING_FIELD',
  'QR_FIELD_INVALID',
] as const satisfies readonly ErrorCode[];

export type QrErrorCode = (typeof QR_ERROR_CODES)[number];

export interface QrError {
  code: QrErrorCode;
  message: string;
  /** The data object (top-level ID, e.g. "54", or a template ID such as "62") at fault. */
  tag?: string;
}

export function qrError(code: QrErrorCode, message: string, tag?: string): QrError {
  return tag === undefined ? { code, message } : { code, message, tag };
}
