/**
 * The formats of an STR's fields: what a draft is checked against (str-document.ts) and
 * what the XML schema (str-1.0.xsd) says again for the receiver. A limit changed here is
 * changed there and in docs/str-format.md in the same commit.
 */

/** The format's name: the XML namespace and the JSON `format`. A later incompatible format gets a new one. */
export const STR_FORMAT = 'urn:cpg:str:1.0';

export const STR_LIMITS = {
  /** Identifiers, names, codes, the officers' ids, an identifier's value. */
  line: 256,
  /** A rule's reason message. */
  message: 1_000,
  /** A typology, a transaction status, an identifier's type. */
  token: 64,
  narrativeMin: 50,
  narrativeMax: 20_000,
  measuresTakenMax: 5_000,
  transactions: 10_000,
  identifiers: 50,
  typologies: 50,
  reasons: 1_000,
} as const;

/** Positive, at most 18 integer and 4 fractional digits, no sign, no exponent, no leading zero. */
export const AMOUNT_PATTERN = /^(0|[1-9][0-9]{0,17})(\.[0-9]{1,4})?$/;
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const COUNTRY_PATTERN = /^[A-Z]{2}$/;
/** Payer country and merchant country, e.g. "TH-CN". */
export const CORRIDOR_PATTERN = /^[A-Z]{2}-[A-Z]{2}$/;
/** The rules' own typology format: 'structuring', 'mule-fan-in'. */
export const TYPOLOGY_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** An instant in UTC to the millisecond at most, as Date.prototype.toISOString writes it. */
const INSTANT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

/** Milliseconds since the epoch of an instant of INSTANT_PATTERN that exists on the calendar; undefined otherwise. */
export function instantMs(value: string): number | undefined {
  const parts = INSTANT_PATTERN.exec(value);
  if (parts === null) return undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Number((parts[7] ?? '').padEnd(3, '0')));
  const back = new Date(ms);
  // Date.UTC rolls 31 April over to 1 May: a date that does not come back unchanged does not exist.
  const exists =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  return exists ? ms : undefined;
}

export function isPositiveAmount(value: string): boolean {
  return AMOUNT_PATTERN.test(value) && /[1-9]/.test(value);
}

/** Length in characters (code points), as the XML schema's length facets count it. */
export function characterCount(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(value.charCodeAt(i + 1))) i++;
    count++;
  }
  return count;
}

/**
 * Why a text may not go into an STR, or undefined when it may: a control character (newline
 * and tab only where `multiline`), half of a surrogate pair, or U+FFFE / U+FFFF, none of which
 * an XML 1.0 file or a regulator's system carries reliably.
 */
export function textFault(value: string, multiline: boolean): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(value.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    if (unit >= 0xd800 && unit <= 0xdfff) return `holds half of a surrogate pair at position ${i + 1}`;
    if (unit === 0xfffe || unit === 0xffff) return `holds the non-character ${codePoint(unit)} at position ${i + 1}`;
    const control = unit < 0x20 || (unit >= 0x7f && unit <= 0x9f);
    if (control && !(multiline && (unit === 0x0a || unit === 0x09))) {
      const allowed = multiline ? 'other than newline and tab ' : '';
      return `holds the control character ${codePoint(unit)} at position ${i + 1}; no control character ${allowed}is allowed`;
    }
  }
  return undefined;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function codePoint(unit: number): string {
  return `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;
}
