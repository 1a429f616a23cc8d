import { err, ok, type Result } from '../../domain/result.ts';
import { qrError, type QrError } from './errors.ts';
import type { AlternateLanguage } from './decoded-qr.ts';
import { characterCount, parseTemplate, serialiseTlv, type TlvField } from './tlv.ts';

/**
 * The merchant information language template, ID 64: the merchant's name (and city)
 * in a second language, e.g. Chinese beside the Latin name in 59/60.
 */

const LANGUAGE = /^[A-Za-z]{2}$/;

function invalid(problem: string): Result<never, QrError> {
  return err(qrError('QR_FIELD_INVALID', `alternate language template (ID 64): ${problem}`, '64'));
}

function checkAlternateLanguage(a: AlternateLanguage): Result<AlternateLanguage, QrError> {
  if (!LANGUAGE.test(a.languagePreference)) return invalid('language preference must be an ISO 639 2-letter code');
  if (characterCount(a.merchantName) > 25) return invalid('merchant name exceeds 25 characters');
  if (a.merchantCity !== undefined && characterCount(a.merchantCity) > 15) {
    return invalid('merchant city exceeds 15 characters');
  }
  return ok(a);
}

export function decodeAlternateLanguage(value: string): Result<AlternateLanguage, QrError> {
  const template = parseTemplate(value, '64');
  if (!template.ok) return template;
  const languagePreference = template.value.get('00');
  const merchantName = template.value.get('01');
  const merchantCity = template.value.get('02');
  if (languagePreference === undefined) return invalid('language preference (sub-ID 00) is missing');
  if (merchantName === undefined) return invalid('merchant name (sub-ID 01) is missing');
  return checkAlternateLanguage(
    merchantCity === undefined ? { languagePreference, merchantName } : { languagePreference, merchantName, merchantCity },
  );
}

export function alternateLanguageValue(a: AlternateLanguage): Result<string, QrError> {
  const checked = checkAlternateLanguage(a);
  if (!checked.ok) return checked;
  const fields: TlvField[] = [
    { id: '00', value: a.languagePreference },
    { id: '01', value: a.merchantName },
  ];
  if (a.merchantCity !== undefined) fields.push({ id: '02', value: a.merchantCity });
  return serialiseTlv(fields, '64');
}
