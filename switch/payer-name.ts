import { err, ok, type DomainError, type Result } from '../domain/result.ts';

/** The most characters (code points) a payer's name holds once trimmed and in NFC. */
export const PAYER_NAME_MAX_CHARS = 200;
/** What the request schema lets through before normalising: a decomposed name shrinks under NFC. */
export const PAYER_NAME_MAX_RAW_CHARS = 4 * PAYER_NAME_MAX_CHARS;

const CONTROL = /\p{Cc}/u;

/**
 * The payer's name as the switch keeps it: NFC (so the same name typed on two keyboards is
 * one string), trimmed, 1 to 200 characters, no control character. Undefined stays undefined.
 */
export function payerNameOf(raw: string | undefined): Result<string | undefined, DomainError> {
  if (raw === undefined) return ok(undefined);
  const name = raw.normalize('NFC').trim();
  const chars = [...name].length;
  if (CONTROL.test(name)) return err({ code: 'VALIDATION_FAILED', message: 'body/payer/name must not hold a control character' });
  if (chars === 0 || chars > PAYER_NAME_MAX_CHARS) {
    return err({ code: 'VALIDATION_FAILED', message: `body/payer/name must hold 1 to ${PAYER_NAME_MAX_CHARS} characters once trimmed and in NFC` });
  }
  return ok(name);
}
