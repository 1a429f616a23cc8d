import { ok, type Result } from '../../domain/result.ts';
import type { QrError } from './errors.ts';
import type { AdditionalData } from './decoded-qr.ts';
import { parseTemplate, serialiseTlv, type TlvField } from './tlv.ts';

/**
 * The additional data template, ID 62. Sub-field lengths are not policed: published
 * PayNow QRs carry 28-character bill numbers where EMVCo says 25.
 */

type NamedField = Exclude<keyof AdditionalData, 'fields'>;

const SUB_IDS: ReadonlyArray<readonly [string, NamedField]> = [
  ['01', 'billNumber'],
  ['02', 'mobileNumber'],
  ['03', 'storeLabel'],
  ['04', 'loyaltyNumber'],
  ['05', 'referenceLabel'],
  ['06', 'customerLabel'],
  ['07', 'terminalLabel'],
  ['08', 'purpose'],
  ['09', 'consumerDataRequest'],
];

export function decodeAdditionalData(value: string): Result<AdditionalData, QrError> {
  const template = parseTemplate(value, '62');
  if (!template.ok) return template;
  const data: AdditionalData = { fields: Object.fromEntries(template.value) };
  for (const [id, name] of SUB_IDS) {
    const v = template.value.get(id);
    if (v !== undefined) data[name] = v;
  }
  return ok(data);
}

/** The value of ID 62, or undefined when no sub-field is given. */
export function additionalDataValue(
  input: Partial<Omit<AdditionalData, 'fields'>>,
): Result<string | undefined, QrError> {
  const fields: TlvField[] = [];
  for (const [id, name] of SUB_IDS) {
    const v = input[name];
    if (v !== undefined) fields.push({ id, value: v });
  }
  if (fields.length === 0) return ok(undefined);
  return serialiseTlv(fields, '62');
}
