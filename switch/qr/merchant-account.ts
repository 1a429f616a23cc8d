import { err, ok, type Result } from '../../domain/result.ts';
import { qrError, type QrError } from './errors.ts';
import type { MerchantAccount } from './decoded-qr.ts';
import { characterCount, parseTemplate, serialiseTlv } from './tlv.ts';

/**
 * Merchant account information, IDs 02-51. 02-25 are primitive values reserved for the
 * card networks (Visa, Mastercard, UnionPay...); 26-51 are templates whose sub-ID 00
 * names the payment system (a GUID, reverse domain or AID: "br.gov.bcb.pix").
 */

export function isMerchantAccountTag(tag: string): boolean {
  const n = Number(tag);
  return /^\d{2}$/.test(tag) && n >= 2 && n <= 51;
}

function isTemplateTag(tag: string): boolean {
  return Number(tag) >= 26;
}

const MAX_GUID_LENGTH = 32;

export function decodeMerchantAccount(tag: string, value: string): Result<MerchantAccount, QrError> {
  if (!isTemplateTag(tag)) return ok({ tag, value });
  const template = parseTemplate(value, tag);
  if (!template.ok) return template;
  const guid = template.value.get('00');
  if (guid === undefined) {
    return err(qrError('QR_FIELD_INVALID', `merchant account template ${tag} has no GUID (sub-ID 00)`, tag));
  }
  if (characterCount(guid) > MAX_GUID_LENGTH) {
    return err(qrError('QR_FIELD_INVALID', `GUID of merchant account template ${tag} exceeds ${MAX_GUID_LENGTH} characters`, tag));
  }
  const fields: Record<string, string> = {};
  for (const [id, v] of template.value) if (id !== '00') fields[id] = v;
  return ok({ tag, value, guid, fields });
}

export interface MerchantAccountInput {
  tag: string;
  /** A primitive value (02-25), or a template's raw value (26-51). */
  value?: string;
  /** Sub-ID 00 of a template (26-51); `fields` are the other sub-fields. */
  guid?: string;
  fields?: Record<string, string>;
}

/** The value to write under the account's ID. */
export function merchantAccountValue(account: MerchantAccountInput): Result<string, QrError> {
  const { tag, value, guid, fields } = account;
  if (!isMerchantAccountTag(tag)) {
    return err(qrError('QR_FIELD_INVALID', `merchant account ID "${tag}" is not between 02 and 51`, String(tag)));
  }
  const structured = guid !== undefined || fields !== undefined;
  if (value !== undefined && structured) {
    return err(qrError('QR_FIELD_INVALID', `merchant account ${tag} has both a raw value and template fields`, tag));
  }
  if (value !== undefined) return ok(value);
  if (!isTemplateTag(tag)) {
    return err(qrError('QR_FIELD_INVALID', `merchant account ${tag} is primitive: give a value, not a GUID`, tag));
  }
  if (guid === undefined) {
    return err(qrError('QR_FIELD_INVALID', `merchant account template ${tag} needs a GUID (sub-ID 00)`, tag));
  }
  const subIds = Object.keys(fields ?? {}).sort();
  if (subIds.some((id) => !/^\d{2}$/.test(id) || id === '00')) {
    return err(qrError('QR_FIELD_INVALID', `merchant account template ${tag} has a sub-ID that is not 01-99`, tag));
  }
  return serialiseTlv([{ id: '00', value: guid }, ...subIds.map((id) => ({ id, value: fields![id]! }))], tag);
}
