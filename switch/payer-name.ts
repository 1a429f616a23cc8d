import { err, ok, type DomainError, type Result } from '../domain/result.ts';

/** The most characters (code points) a payer's name holds once trimmed and in NFC. */
export const PAYER_NAME_MAX_CHARS = 200;
/** What the request schema lets through before normalising: a decomposed name shrinks under NFC. */
export const PAYER_NAME_MAX_RAW_CHARS = 4 * PAYER_NAME_MAX_CHARS;

const CONTROL = /\p{Cc}/u;
/** The earliest year of birth taken: older dates are typing errors. */
export const EARLIEST_BIRTH_YEAR = 1900;

/**
 * The payer's name as the switch keeps it: NFC (so the same name typed on two keyboards is
 * one string), trimmed, 1 to 200 characters, no control character. Undefined stays undefined.
 */
export function payerNameOf(raw: string | undefined): Result<string | undefined, DomainError> {
  if (raw === undefined) return ok(undefined);
  const name = raw.normalize('NFC').trim();
  // Code points are counted only when the UTF-16 length could pass the bound.
  const chars = name.length <= PAYER_NAME_MAX_CHARS ? name.length : [...name].length;
  if (CONTROL.test(name)) return err({ code: 'VALIDATION_FAILED', message: 'body/payer/name must not hold a control character' });
  if (chars === 0 || chars > PAYER_NAME_MAX_CHARS) {
    return err({ code: 'VALIDATION_FAILED', message: `body/payer/name must hold 1 to ${PAYER_NAME_MAX_CHARS} characters once trimmed and in NFC` });
  }
  return ok(name);
}

/**
 * The year of a date of birth (YYYY-MM-DD, the schema's form), checked to be a real calendar
 * day from 1900 up to `now`: only the year is kept (what screening compares), not the day.
 */
export function birthYearOf(date: string | undefined, now: number): Result<number | undefined, DomainError> {
  if (date === undefined) return ok(undefined);
  const invalid = err<DomainError>({ code: 'VALIDATION_FAILED', message: 'body/payer/birthDate must be a calendar date (YYYY-MM-DD) from 1900 up to today' });
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return invalid;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const at = Date.UTC(year, month - 1, day);
  const real = new Date(at);
  if (real.getUTCFullYear() !== year || real.getUTCMonth() !== month - 1 || real.getUTCDate() !== day) return invalid;
  if (year < EARLIEST_BIRTH_YEAR || at > now) return invalid;
  return ok(year);
}
