import { ok, type Result } from '../../domain/result.ts';
import type { QrError } from './errors.ts';
import type { AdditionalData } from './decoded-qr.ts';
import { parseTemplate, serialiseTlv, type TlvField } from './tlv.ts';
import { rfuWarning, textWarnings, type QrWarning } from './warnings.ts';

/**
 * The additional data template, ID 62. Its sub-fields are labels and references, so their
 * EMVCo lengths are warnings, not errors: published PayNow QRs carry 28-character bill
 * numbers where EMVCo says 25.
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

/** EMVCo's sub-fields (all "ans") and their maximum lengths; 50-99 belong to payment systems. */
const LIMITS: Record<string, readonly [name: string, max: number]> = {
  '01': ['bill number', 25],
  '02': ['mobile number', 25],
  '03': ['store label', 25],
  '04': ['loyalty number', 25],
  '05': ['reference label', 25],
  '06': ['customer label', 25],
  '07': ['terminal label', 25],
  '08': ['purpose of transaction', 25],
  '09': ['additional consumer data request', 3],
  '10': ['merchant tax ID', 20],
  '11': ['merchant channel', 3],
};

const isReserved = (id: string) => id === '00' || (id >= '12' && id <= '49');

export function decodeAdditionalData(value: string): Result<{ data: AdditionalData; warnings: QrWarning[] }, QrError> {
  const template = parseTemplate(value, '62');
  if (!template.ok) return template;
  const data: AdditionalData = { fields: Object.fromEntries(template.value) };
  for (const [id, name] of SUB_IDS) {
    const v = template.value.get(id);
    if (v !== undefined) data[name] = v;
  }
  const warnings: QrWarning[] = [];
  for (const [id, v] of template.value) {
    const limit = LIMITS[id];
    if (limit !== undefined) warnings.push(...textWarnings(`62.${id}`, limit[0], v, limit[1]));
    else if (isReserved(id)) warnings.push(rfuWarning(`62.${id}`));
  }
  return ok({ data, warnings });
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
