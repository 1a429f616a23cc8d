import { err, ok, type Result } from '../../domain/result.ts';
import { qrError, type QrError } from './errors.ts';

/**
 * EMVCo TLV: a 2-digit ID, a 2-digit length and the value. The length counts
 * characters (Unicode code points), never bytes nor UTF-16 units, so a merchant name
 * in Chinese or Thai is as long as it looks.
 */

export interface TlvField {
  id: string;
  value: string;
}

const TWO_DIGITS = /^\d{2}$/;

/** C0, DEL, C1 and lone surrogates: none can appear in a printed QR, and lone surrogates have no UTF-8 form to checksum. */
const FORBIDDEN_CHARACTER = /[\u0000-\u001F\u007F-\u009F]|\p{Cs}/u;

export function hasForbiddenCharacter(text: string): boolean {
  return FORBIDDEN_CHARACTER.test(text);
}

export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Reads one level of TLV into an ordered list. `template` names the enclosing data
 * object when reading a template's value, so errors point at it.
 */
export function parseTlv(text: string, template?: string): Result<TlvField[], QrError> {
  const chars = Array.from(text);
  const fields: TlvField[] = [];
  const where = template === undefined ? '' : ` in template ${template}`;
  const fail = (message: string) => err(qrError('QR_MALFORMED', message + where, template));
  let at = 0;
  while (at < chars.length) {
    if (at + 4 > chars.length) return fail(`truncated ID/length at character ${at}`);
    const id = chars.slice(at, at + 2).join('');
    const lengthText = chars.slice(at + 2, at + 4).join('');
    if (!TWO_DIGITS.test(id)) return fail(`ID at character ${at} is not two digits`);
    if (!TWO_DIGITS.test(lengthText)) return fail(`length of ID ${id} is not two digits`);
    const length = Number(lengthText);
    if (length === 0) return fail(`ID ${id} has length 00`);
    const end = at + 4 + length;
    if (end > chars.length) return fail(`value of ID ${id} runs past the end`);
    fields.push({ id, value: chars.slice(at + 4, end).join('') });
    at = end;
  }
  if (fields.length === 0) return fail('no data objects');
  return ok(fields);
}

export function firstDuplicateId(fields: readonly TlvField[]): string | undefined {
  const seen = new Set<string>();
  for (const { id } of fields) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/**
 * Reads a template's value (62, 64, 26-51) into sub-fields keyed by sub-ID. A broken
 * template is a bad field, not a broken payload: the outer TLV was sound.
 */
export function parseTemplate(value: string, tag: string): Result<Map<string, string>, QrError> {
  const parsed = parseTlv(value, tag);
  if (!parsed.ok) return err(qrError('QR_FIELD_INVALID', parsed.error.message, tag));
  const duplicate = firstDuplicateId(parsed.value);
  if (duplicate !== undefined) {
    return err(qrError('QR_DUPLICATE_TAG', `sub-ID ${duplicate} repeated in template ${tag}`, tag));
  }
  return ok(new Map(parsed.value.map((f) => [f.id, f.value])));
}

/** Writes fields in the order given; `tag` is reported when a value cannot be written. */
export function serialiseTlv(fields: readonly TlvField[], tag?: string): Result<string, QrError> {
  let out = '';
  for (const { id, value } of fields) {
    const at = tag ?? id;
    if (!TWO_DIGITS.test(id)) return err(qrError('QR_FIELD_INVALID', `ID "${id}" is not two digits`, at));
    if (typeof value !== 'string') return err(qrError('QR_FIELD_INVALID', `value of ID ${id} is not text`, at));
    const length = characterCount(value);
    if (length < 1 || length > 99) {
      return err(qrError('QR_FIELD_INVALID', `value of ID ${id} has ${length} characters, allowed 1-99`, at));
    }
    if (hasForbiddenCharacter(value)) {
      return err(qrError('QR_FIELD_INVALID', `value of ID ${id} contains a control character`, at));
    }
    out += id + String(length).padStart(2, '0') + value;
  }
  return ok(out);
}
