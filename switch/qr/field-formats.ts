import { qrError, type QrError } from './errors.ts';
import { textWarnings, type QrWarning } from './warnings.ts';

/**
 * Formats of the primitive top-level data objects. Those that say what is paid, to whom
 * and how (initiation, MCC, currency, amount, fees, country) are errors when wrong; the
 * merchant's name, city and postal code only describe, and printed QRs overrun their
 * EMVCo limits or use other scripts, so those are warnings.
 */

const AMOUNT = /^(?=.{1,13}$)\d+(\.\d+)?$/;
const PERCENTAGE = /^(?=.{1,5}$)\d+(\.\d+)?$/;

interface FieldFormat {
  name: string;
  /** Returns why the value is wrong, or undefined when it is fine. */
  check: (value: string) => string | undefined;
}

const pattern = (re: RegExp, expected: string) => (value: string) =>
  re.test(value) ? undefined : `expected ${expected}`;

const percentage = (value: string) => {
  if (!PERCENTAGE.test(value)) return 'expected a percentage such as "3.5"';
  const n = Number(value);
  return n > 0 && n < 100 ? undefined : 'expected a percentage between 0.01 and 99.99';
};

const FORMATS: Record<string, FieldFormat> = {
  '01': { name: 'point of initiation method', check: pattern(/^1[12]$/, '"11" (static) or "12" (dynamic)') },
  '52': { name: 'merchant category code', check: pattern(/^\d{4}$/, '4 digits') },
  '53': { name: 'transaction currency', check: pattern(/^\d{3}$/, 'an ISO 4217 numeric code (3 digits)') },
  '54': { name: 'transaction amount', check: pattern(AMOUNT, 'up to 13 characters of digits with an optional "."') },
  '55': { name: 'tip or convenience indicator', check: pattern(/^0[123]$/, '"01", "02" or "03"') },
  '56': { name: 'fixed convenience fee', check: pattern(AMOUNT, 'up to 13 characters of digits with an optional "."') },
  '57': { name: 'percentage convenience fee', check: percentage },
  '58': { name: 'country code', check: pattern(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code') },
};

/** The descriptive text fields and their EMVCo maximum lengths. */
const TEXT_FIELDS: Record<string, readonly [name: string, max: number]> = {
  '59': ['merchant name', 25],
  '60': ['merchant city', 15],
  '61': ['postal code', 10],
};

/** Checks a primitive top-level field; IDs without a format here pass. */
export function checkFieldFormat(tag: string, value: string): QrError | undefined {
  const format = FORMATS[tag];
  if (format === undefined) return undefined;
  const problem = format.check(value);
  return problem === undefined
    ? undefined
    : qrError('QR_FIELD_INVALID', `${format.name} (ID ${tag}) "${value}": ${problem}`, tag);
}

/** The warnings of a primitive top-level text field; other IDs have none. */
export function textFieldWarnings(tag: string, value: string): QrWarning[] {
  const text = TEXT_FIELDS[tag];
  return text === undefined ? [] : textWarnings(tag, text[0], value, text[1]);
}
