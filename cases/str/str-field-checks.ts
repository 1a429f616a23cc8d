import { STR_LIMITS, characterCount, instantMs, isPositiveAmount, textFault } from './str-fields.ts';

/**
 * The checks of one field of an STR, each reporting its problems under the field's dotted
 * path. Values are taken as `unknown`: a draft comes from a form or a store, and a missing or
 * mistyped field is one more problem to name, never an exception.
 */

export type Report = (field: string, message: string) => void;

export function objectAt(report: Report, field: string, value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  report(field, value === undefined || value === null ? 'is required' : 'must be an object');
  return undefined;
}

export function listAt(report: Report, field: string, value: unknown, min: number, max: number): unknown[] | undefined {
  if (!Array.isArray(value)) {
    report(field, value === undefined || value === null ? 'is required' : 'must be a list');
    return undefined;
  }
  if (value.length < min) report(field, min === 1 ? 'must hold at least one entry' : `must hold at least ${min} entries`);
  if (value.length > max) {
    // Past the limit the entries are not read: the list is refused as a whole.
    report(field, `must hold at most ${max.toLocaleString('en')} entries, not ${value.length.toLocaleString('en')}`);
    return undefined;
  }
  return value;
}

/** A one-line value: an id, a name, a code. Returns it when it is good. */
export function line(
  report: Report,
  field: string,
  value: unknown,
  options: { optional?: boolean; max?: number } = {},
): string | undefined {
  if (value === undefined && options.optional === true) return undefined;
  if (typeof value !== 'string') {
    const absent = value === undefined || value === null;
    report(field, !absent ? 'must be a string' : options.optional === true ? 'must be left out when it has no value' : 'is required');
    return undefined;
  }
  if (value.trim() === '') {
    report(field, options.optional === true ? 'must not be blank; leave it out instead' : 'is required');
    return undefined;
  }
  const max = options.max ?? STR_LIMITS.line;
  const faults = [
    characterCount(value) > max ? `must be at most ${max.toLocaleString('en')} characters` : undefined,
    textFault(value, false),
    /^[ \t\n\r]|[ \t\n\r]$/.test(value) ? 'must not begin or end with a space' : undefined,
  ].filter((fault) => fault !== undefined);
  for (const fault of faults) report(field, fault);
  return faults.length === 0 ? value : undefined;
}

/** Free text: newlines and tabs allowed, `min` counted without the surrounding spaces. */
export function text(report: Report, field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'string' || value.trim() === '') {
    report(field, typeof value === 'string' || value === undefined || value === null ? 'is required' : 'must be a string');
    return;
  }
  const length = characterCount(value);
  if (characterCount(value.trim()) < min) report(field, `must be at least ${min} characters`);
  if (length > max) report(field, `must be at most ${max.toLocaleString('en')} characters, not ${length.toLocaleString('en')}`);
  const fault = textFault(value, true);
  if (fault !== undefined) report(field, fault);
}

export function matching(report: Report, field: string, value: unknown, pattern: RegExp, what: string): boolean {
  if (typeof value === 'string' && pattern.test(value)) return true;
  report(field, value === undefined || value === null || value === '' ? 'is required' : `must be ${what}`);
  return false;
}

export function amount(report: Report, field: string, value: unknown): void {
  if (typeof value === 'string' && isPositiveAmount(value)) return;
  report(
    field,
    value === undefined || value === null || value === ''
      ? 'is required'
      : 'must be a positive decimal of at most 18 integer and 4 fractional digits, e.g. "1234.50"',
  );
}

export function instant(report: Report, field: string, value: unknown): number | undefined {
  const ms = typeof value === 'string' ? instantMs(value) : undefined;
  if (ms === undefined) {
    report(
      field,
      value === undefined || value === null || value === ''
        ? 'is required'
        : 'must be an existing instant in UTC such as "2026-12-07T09:30:00Z" or "2026-12-07T09:30:00.125Z"',
    );
  }
  return ms;
}

export function positiveInteger(report: Report, field: string, value: unknown): boolean {
  if (Number.isSafeInteger(value) && (value as number) >= 1) return true;
  report(field, value === undefined || value === null ? 'is required' : 'must be a whole number from 1');
  return false;
}
