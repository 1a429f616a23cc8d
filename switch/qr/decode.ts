import { err, ok, type Result } from '../../domain/result.ts';
import { decodeAdditionalData } from './additional-data.ts';
import { decodeAlternateLanguage } from './alternate-language.ts';
import { payloadCrc } from './crc.ts';
import { qrError, type QrError } from './errors.ts';
import { checkFieldFormat, textFieldWarnings } from './field-formats.ts';
import { decodeMerchantAccount, isMerchantAccountTag } from './merchant-account.ts';
import type { DecodedQr, MerchantAccount, UnionPayAccount } from './decoded-qr.ts';
import { characterCount, firstDuplicateId, hasForbiddenCharacter, parseTlv, type TlvField } from './tlv.ts';
import { parseUnionPayAccount } from './union-pay.ts';
import { rfuWarning, type QrWarning } from './warnings.ts';

/**
 * Reads a merchant-presented QR payload. Checks run from the outside in: the TLV
 * skeleton, then the CRC (a damaged scan says so before any field is blamed), then
 * duplicates and the format indicator, then each field, then what must be present.
 *
 * Only 00, a merchant account, 53, 58 and 63 are required: published PromptPay QRs
 * omit 52, 59 and 60, and dynamic PIX QRs carry no amount.
 *
 * Strict where money is at stake (structure, CRC, accounts, amount, fees, currency,
 * country, MCC), lenient where printed QRs stray from EMVCo without harm (text lengths and
 * character sets, reserved IDs, template 64): those are `warnings` (warnings.ts).
 */

export const MAX_PAYLOAD_CHARACTERS = 512;

const HEX4 = /^[0-9A-Fa-f]{4}$/;

export function decodeQr(payload: string): Result<DecodedQr, QrError> {
  const skeleton = readSkeleton(payload);
  if (!skeleton.ok) return skeleton;
  const fields = skeleton.value;
  const byId = new Map(fields.map((f) => [f.id, f.value]));

  for (const [id, value] of byId) {
    const problem = checkFieldFormat(id, value);
    if (problem !== undefined) return err(problem);
  }
  const accounts = decodeMerchantAccounts(fields);
  if (!accounts.ok) return accounts;
  const fees = checkTipAndFees(byId);
  if (fees !== undefined) return err(fees);

  const rawAdditional = byId.get('62');
  const additional = rawAdditional === undefined ? undefined : decodeAdditionalData(rawAdditional);
  if (additional !== undefined && !additional.ok) return additional;
  const rawLanguage = byId.get('64');
  const language = rawLanguage === undefined ? undefined : decodeAlternateLanguage(rawLanguage);
  if (language !== undefined && !language.ok) return language;

  if (accounts.value.merchantAccounts.length === 0) {
    return err(qrError('QR_MISSING_FIELD', 'no merchant account information (IDs 02-51)', '02-51'));
  }
  const currency = byId.get('53');
  if (currency === undefined) return err(qrError('QR_MISSING_FIELD', 'transaction currency (ID 53) is missing', '53'));
  const countryCode = byId.get('58');
  if (countryCode === undefined) return err(qrError('QR_MISSING_FIELD', 'country code (ID 58) is missing', '58'));

  const unreserved = fields.filter((f) => Number(f.id) >= 80);
  const initiation = byId.get('01');
  const alternateLanguage = language?.value.alternateLanguage;
  // In payload order, as a reader of the QR meets them.
  const warnings: QrWarning[] = [];
  for (const { id, value } of fields) {
    if (id === '62') warnings.push(...(additional?.value.warnings ?? []));
    else if (id === '64') warnings.push(...(language?.value.warnings ?? []));
    // Reserved for future EMVCo use: skipped, so today's reader accepts tomorrow's QR.
    else if (id >= '65' && id <= '79') warnings.push(rfuWarning(id));
    else warnings.push(...textFieldWarnings(id, value));
  }
  return ok({
    payloadFormatIndicator: '01',
    ...(initiation !== undefined && { initiationMethod: initiation === '11' ? 'static' : 'dynamic' }),
    ...accounts.value,
    ...optional(byId, { '52': 'mcc' }),
    currency,
    ...optional(byId, {
      '54': 'amount',
      '55': 'tipIndicator',
      '56': 'convenienceFeeFixed',
      '57': 'convenienceFeePercentage',
    }),
    countryCode,
    ...optional(byId, { '59': 'merchantName', '60': 'merchantCity', '61': 'postalCode' }),
    ...(additional !== undefined && { additionalData: additional.value.data }),
    ...(alternateLanguage !== undefined && { alternateLanguage }),
    ...(unreserved.length > 0 && { unreserved: Object.fromEntries(unreserved.map((f) => [f.id, f.value])) }),
    crc: (byId.get('63') ?? '').toUpperCase(),
    warnings,
  });
}

/** The top-level fields of a payload whose structure, CRC, uniqueness and format indicator are sound. */
function readSkeleton(payload: unknown): Result<TlvField[], QrError> {
  if (typeof payload !== 'string') return err(qrError('QR_MALFORMED', 'payload is not text'));
  if (payload.length === 0) return err(qrError('QR_MALFORMED', 'payload is empty'));
  // The UTF-16 bound first, so a huge input is refused before it is walked character by character.
  if (payload.length > 2 * MAX_PAYLOAD_CHARACTERS || characterCount(payload) > MAX_PAYLOAD_CHARACTERS) {
    return err(qrError('QR_MALFORMED', `payload exceeds ${MAX_PAYLOAD_CHARACTERS} characters`));
  }
  if (hasForbiddenCharacter(payload)) return err(qrError('QR_MALFORMED', 'payload contains a control character'));
  const parsed = parseTlv(payload);
  if (!parsed.ok) return parsed;
  const fields = parsed.value;

  const last = fields[fields.length - 1];
  if (last === undefined || last.id !== '63' || characterCount(last.value) !== 4) {
    return err(qrError('QR_CRC_MISSING', 'payload does not end with a CRC (ID 63, length 04)', '63'));
  }
  if (!HEX4.test(last.value)) return err(qrError('QR_CRC_MISMATCH', `CRC "${last.value}" is not 4 hex digits`, '63'));
  const expected = payloadCrc(payload.slice(0, -4));
  if (last.value.toUpperCase() !== expected) {
    return err(qrError('QR_CRC_MISMATCH', `CRC is ${last.value.toUpperCase()}, payload checksums to ${expected}`, '63'));
  }

  const duplicate = firstDuplicateId(fields);
  if (duplicate !== undefined) return err(qrError('QR_DUPLICATE_TAG', `ID ${duplicate} appears twice`, duplicate));
  const first = fields[0];
  if (first === undefined || first.id !== '00') {
    return err(qrError('QR_FORMAT_INDICATOR', 'payload format indicator (ID 00) must come first', '00'));
  }
  if (first.value !== '01') {
    return err(qrError('QR_FORMAT_INDICATOR', `payload format indicator is "${first.value}", expected "01"`, '00'));
  }
  return ok(fields);
}

function decodeMerchantAccounts(
  fields: readonly TlvField[],
): Result<{ merchantAccounts: MerchantAccount[]; unionPay?: UnionPayAccount }, QrError> {
  const merchantAccounts: MerchantAccount[] = [];
  let unionPay: UnionPayAccount | undefined;
  for (const { id, value } of fields) {
    if (!isMerchantAccountTag(id)) continue;
    const account = decodeMerchantAccount(id, value);
    if (!account.ok) return account;
    merchantAccounts.push(account.value);
    if (id === '15') {
      const parsed = parseUnionPayAccount(value);
      if (!parsed.ok) return parsed;
      unionPay = parsed.value;
    }
  }
  return ok(unionPay === undefined ? { merchantAccounts } : { merchantAccounts, unionPay });
}

/** 55 says which of 56 (fixed fee) or 57 (percentage fee) applies; a fee without its indicator is ambiguous. */
function checkTipAndFees(byId: ReadonlyMap<string, string>): QrError | undefined {
  const indicator = byId.get('55');
  if (byId.has('56') && indicator !== '02') {
    return qrError('QR_FIELD_INVALID', 'fixed convenience fee (ID 56) needs tip indicator 02', '56');
  }
  if (byId.has('57') && indicator !== '03') {
    return qrError('QR_FIELD_INVALID', 'percentage convenience fee (ID 57) needs tip indicator 03', '57');
  }
  if (indicator === '02' && !byId.has('56')) {
    return qrError('QR_MISSING_FIELD', 'tip indicator 02 needs a fixed convenience fee (ID 56)', '56');
  }
  if (indicator === '03' && !byId.has('57')) {
    return qrError('QR_MISSING_FIELD', 'tip indicator 03 needs a percentage convenience fee (ID 57)', '57');
  }
  return undefined;
}

type OptionalKey = 'mcc' | 'amount' | 'tipIndicator' | 'convenienceFeeFixed' | 'convenienceFeePercentage'
  | 'merchantName' | 'merchantCity' | 'postalCode';

/** Copies the fields that are present, so absent ones are absent keys rather than `undefined`. */
function optional(byId: ReadonlyMap<string, string>, names: Record<string, OptionalKey>): Partial<Record<OptionalKey, string>> {
  const out: Partial<Record<OptionalKey, string>> = {};
  for (const [id, name] of Object.entries(names)) {
    const value = byId.get(id);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
