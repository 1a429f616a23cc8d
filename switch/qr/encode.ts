import { err, ok, type Result } from '../../domain/result.ts';
import { additionalDataValue } from './additional-data.ts';
import { alternateLanguageValue } from './alternate-language.ts';
import { payloadCrc } from './crc.ts';
import { decodeQr, MAX_PAYLOAD_CHARACTERS } from './decode.ts';
import { qrError, type QrError } from './errors.ts';
import { merchantAccountValue, type MerchantAccountInput } from './merchant-account.ts';
import type { AdditionalData, DecodedQr, InitiationMethod } from './decoded-qr.ts';
import { characterCount, serialiseTlv, type TlvField } from './tlv.ts';

/**
 * Writes a merchant-presented QR payload: 00 first, the rest in ascending ID order,
 * 63 last. The result is read back with `decodeQr` before it is returned, so the
 * encoder can never hand out a payload that the gateway itself would refuse, nor one
 * it would warn about: the gateway's own QRs keep EMVCo's lengths. Only a name in the
 * merchant's own script is let through (a warning on reading, not a fault).
 */

/** What a payload is written from: the fields a decoded QR has, some of them required here. */
export interface MerchantQrInput
  extends Pick<
    DecodedQr,
    'currency' | 'amount' | 'tipIndicator' | 'convenienceFeeFixed' | 'convenienceFeePercentage' | 'countryCode' | 'postalCode' | 'alternateLanguage'
  > {
  /** A dynamic QR is for one payment, so it must carry its amount. */
  initiation: InitiationMethod;
  merchantAccounts: MerchantAccountInput[];
  mcc: string;
  merchantName: string;
  merchantCity: string;
  additionalData?: Partial<Omit<AdditionalData, 'fields'>>;
}

export function encodeQr(input: MerchantQrInput): Result<string, QrError> {
  if (input.initiation !== 'static' && input.initiation !== 'dynamic') {
    return err(qrError('QR_FIELD_INVALID', 'initiation must be "static" or "dynamic"', '01'));
  }
  if (input.initiation === 'dynamic' && input.amount === undefined) {
    return err(qrError('QR_MISSING_FIELD', 'a dynamic QR must carry the transaction amount (ID 54)', '54'));
  }
  const fields = collectFields(input);
  if (!fields.ok) return fields;
  const sorted = [...fields.value].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const body = serialiseTlv(sorted);
  if (!body.ok) return body;

  const signedPart = body.value + '6304';
  const payload = signedPart + payloadCrc(signedPart);
  const length = characterCount(payload);
  if (length > MAX_PAYLOAD_CHARACTERS) {
    return err(qrError('QR_MALFORMED', `payload would be ${length} characters, at most ${MAX_PAYLOAD_CHARACTERS} allowed`));
  }
  const readBack = decodeQr(payload);
  if (!readBack.ok) return err(readBack.error);
  const warning = readBack.value.warnings.find((w) => w.code !== 'QR_CHARACTERS_OUTSIDE_ANS');
  if (warning !== undefined) return err(qrError('QR_FIELD_INVALID', warning.message, warning.field.slice(0, 2)));
  return ok(payload);
}

function collectFields(input: MerchantQrInput): Result<TlvField[], QrError> {
  if (input.merchantAccounts.length === 0) {
    return err(qrError('QR_MISSING_FIELD', 'at least one merchant account (IDs 02-51) is required', '02-51'));
  }
  const fields: TlvField[] = [
    { id: '00', value: '01' },
    { id: '01', value: input.initiation === 'static' ? '11' : '12' },
  ];
  const accountTags = new Set<string>();
  for (const account of input.merchantAccounts) {
    if (accountTags.has(account.tag)) {
      return err(qrError('QR_DUPLICATE_TAG', `merchant account ${account.tag} given twice`, account.tag));
    }
    accountTags.add(account.tag);
    const value = merchantAccountValue(account);
    if (!value.ok) return value;
    fields.push({ id: account.tag, value: value.value });
  }

  const present: Array<[string, string | undefined]> = [
    ['52', input.mcc],
    ['53', input.currency],
    ['54', input.amount],
    ['55', input.tipIndicator],
    ['56', input.convenienceFeeFixed],
    ['57', input.convenienceFeePercentage],
    ['58', input.countryCode],
    ['59', input.merchantName],
    ['60', input.merchantCity],
    ['61', input.postalCode],
  ];
  for (const [id, value] of present) if (value !== undefined) fields.push({ id, value });
  for (const id of ['52', '59', '60']) {
    if (!fields.some((f) => f.id === id)) return err(qrError('QR_MISSING_FIELD', `ID ${id} is required`, id));
  }

  if (input.additionalData !== undefined) {
    const value = additionalDataValue(input.additionalData);
    if (!value.ok) return value;
    if (value.value !== undefined) fields.push({ id: '62', value: value.value });
  }
  if (input.alternateLanguage !== undefined) {
    const value = alternateLanguageValue(input.alternateLanguage);
    if (!value.ok) return value;
    fields.push({ id: '64', value: value.value });
  }
  return ok(fields);
}
