import { err, ok, type Result } from '../../domain/result.ts';
import { qrError, type QrError } from './errors.ts';
import type { AlternateLanguage } from './decoded-qr.ts';
import { characterCount, parseTemplate, serialiseTlv, type TlvField } from './tlv.ts';
import { qrWarning, rfuWarning, textWarnings, type QrWarning } from './warnings.ts';

/**
 * The merchant information language template, ID 64: the merchant's name (and city)
 * in a second language, e.g. Chinese beside the Latin name in 59/60. Read leniently (the
 * name is kept whatever else the template lacks, since screening matches it), written
 * strictly.
 */

const LANGUAGE = /^[A-Za-z]{2}$/;

function invalid(problem: string): Result<never, QrError> {
  return err(qrError('QR_FIELD_INVALID', `alternate language template (ID 64): ${problem}`, '64'));
}

const unusual = (field: string, problem: string) =>
  qrWarning('QR_TEMPLATE_UNUSUAL', field, `alternate language template (ID 64): ${problem}`);

export function decodeAlternateLanguage(
  value: string,
): Result<{ alternateLanguage?: AlternateLanguage; warnings: QrWarning[] }, QrError> {
  const template = parseTemplate(value, '64');
  if (!template.ok) return template;
  const languagePreference = template.value.get('00');
  const merchantName = template.value.get('01');
  const merchantCity = template.value.get('02');
  const warnings: QrWarning[] = [];
  if (languagePreference === undefined) warnings.push(unusual('64.00', 'language preference (sub-ID 00) is missing'));
  else if (!LANGUAGE.test(languagePreference)) {
    warnings.push(unusual('64.00', 'language preference (sub-ID 00) is not an ISO 639 2-letter code'));
  }
  if (merchantName === undefined) warnings.push(unusual('64.01', 'merchant name (sub-ID 01) is missing'));
  else warnings.push(...textWarnings('64.01', 'alternate merchant name', merchantName, 25, true));
  if (merchantCity !== undefined) warnings.push(...textWarnings('64.02', 'alternate merchant city', merchantCity, 15, true));
  for (const id of template.value.keys()) if (id > '02') warnings.push(rfuWarning(`64.${id}`));
  if (merchantName === undefined) return ok({ warnings });
  return ok({
    alternateLanguage: {
      ...(languagePreference !== undefined && { languagePreference }),
      merchantName,
      ...(merchantCity !== undefined && { merchantCity }),
    },
    warnings,
  });
}

export function alternateLanguageValue(a: AlternateLanguage): Result<string, QrError> {
  const language = a.languagePreference;
  if (language === undefined || !LANGUAGE.test(language)) return invalid('language preference must be an ISO 639 2-letter code');
  if (characterCount(a.merchantName) > 25) return invalid('merchant name exceeds 25 characters');
  if (a.merchantCity !== undefined && characterCount(a.merchantCity) > 15) {
    return invalid('merchant city exceeds 15 characters');
  }
  const fields: TlvField[] = [
    { id: '00', value: language },
    { id: '01', value: a.merchantName },
  ];
  if (a.merchantCity !== undefined) fields.push({ id: '02', value: a.merchantCity });
  return serialiseTlv(fields, '64');
}
