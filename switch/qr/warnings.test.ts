import { describe, expect, it } from 'vitest';
import { payloadCrc } from './crc.ts';
import { decodeQr, encodeQr, type DecodedQr, type MerchantQrInput, type QrError } from './index.ts';
import { pekingDuckRestaurant, sampleMerchants } from './test-merchants.ts';

/** A static PromptPay QR (dtinth/promptpay-qr's test) whose fields a test replaces or adds to. */
const PROMPTPAY = '00020101021129370016A000000677010111011300668012345675802TH530376463046197';
const PROMPTPAY_FIELDS: Record<string, string> = {
  '01': '010211',
  '29': '29370016A00000067701011101130066801234567',
  '58': '5802TH',
  '53': '5303764',
};

function promptPayWith(fields: Record<string, string>): string {
  return '000201' + Object.values({ ...PROMPTPAY_FIELDS, ...fields }).join('');
}

/** Appends ID 63 with the right CRC, so a test reaches the check it is about. */
function sign(body: string): string {
  return body + '6304' + payloadCrc(body + '6304');
}

/** One data object, its length counted in characters. */
function field(id: string, value: string): string {
  return id + String(Array.from(value).length).padStart(2, '0') + value;
}

function encoded(input: MerchantQrInput): string {
  const result = encodeQr(input);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

function decoded(payload: string): DecodedQr {
  const result = decodeQr(payload);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

function failure(result: { ok: true } | { ok: false; error: QrError }): QrError | undefined {
  return result.ok ? undefined : result.error;
}

/** A decoded QR's warnings as `CODE@field`, in payload order. */
function codes(qr: DecodedQr): string[] {
  return qr.warnings.map((w) => `${w.code}@${w.field}`);
}

describe('decodeQr reads what EMVCo does not allow but moves no money, with warnings', () => {
  it('gives a QR that keeps to EMVCo no warning', () => {
    expect(decoded(PROMPTPAY).warnings).toEqual([]);
    for (const input of Object.values(sampleMerchants).filter((m) => m !== pekingDuckRestaurant)) {
      expect(decoded(encoded(input)).warnings).toEqual([]);
    }
  });

  it('keeps a name, city and postal code over their lengths whole, each with QR_FIELD_TOO_LONG', () => {
    const name = 'Jade Garden Restaurant of Old Shanghai';
    const qr = decoded(sign(promptPayWith({ '59': field('59', name), '60': field('60', 'Banteay Meanchey'), '61': field('61', '10110-12345') })));
    expect(qr).toMatchObject({ merchantName: name, merchantCity: 'Banteay Meanchey', postalCode: '10110-12345' });
    expect(codes(qr)).toEqual(['QR_FIELD_TOO_LONG@59', 'QR_FIELD_TOO_LONG@60', 'QR_FIELD_TOO_LONG@61']);
    expect(qr.warnings[0]?.message).toBe('merchant name (ID 59) has 38 characters, EMVCo allows 25');
  });

  it('warns of a name or city in a script outside EMVCo\'s "ans", but not of template 64, which exists for it', () => {
    const qr = decoded(encoded(pekingDuckRestaurant));
    expect(qr.alternateLanguage?.merchantName).toBe('Peking Duck House');
    expect(codes(qr)).toEqual(['QR_CHARACTERS_OUTSIDE_ANS@59', 'QR_CHARACTERS_OUTSIDE_ANS@60']);
    const thai = decoded(sign(promptPayWith({ '59': field('59', 'ร้านกาแฟดอยช้าง'), '64': field('64', '0002TH0105Cafe ') })));
    expect(thai.merchantName).toBe('ร้านกาแฟดอยช้าง');
    expect(codes(thai)).toEqual(['QR_CHARACTERS_OUTSIDE_ANS@59']);
  });

  it('warns of additional data sub-fields over their lengths and of its reserved sub-IDs, keeping them all', () => {
    const bill = 'Payment reference XX12345678';
    const qr = decoded(sign(promptPayWith({ '62': field('62', `0128${bill}0904AMEX1102MC1204abcd5004ijkl`) })));
    expect(qr.additionalData).toMatchObject({ billNumber: bill, consumerDataRequest: 'AMEX', fields: { '11': 'MC', '12': 'abcd', '50': 'ijkl' } });
    expect(codes(qr)).toEqual(['QR_FIELD_TOO_LONG@62.01', 'QR_FIELD_TOO_LONG@62.09', 'QR_RFU_ID@62.12']);
  });

  it('reads template 64 leniently: a long or unlabelled alternate name is kept for screening, with warnings', () => {
    const name = '北'.repeat(29);
    const long = decoded(sign(promptPayWith({ '64': field('64', `0002ZH0129${name}0304abcd`) })));
    expect(long.alternateLanguage).toEqual({ languagePreference: 'ZH', merchantName: name });
    expect(codes(long)).toEqual(['QR_FIELD_TOO_LONG@64.01', 'QR_RFU_ID@64.03']);

    const unlabelled = decoded(sign(promptPayWith({ '64': field('64', '0105翡翠园餐厅') })));
    expect(unlabelled.alternateLanguage).toEqual({ merchantName: '翡翠园餐厅' });
    expect(codes(unlabelled)).toEqual(['QR_TEMPLATE_UNUSUAL@64.00']);

    const nameless = decoded(sign(promptPayWith({ '64': field('64', '0003ZHO0202上海') })));
    expect(nameless.alternateLanguage).toBeUndefined();
    expect(codes(nameless)).toEqual(['QR_TEMPLATE_UNUSUAL@64.00', 'QR_TEMPLATE_UNUSUAL@64.01']);
  });

  it('stays strict where money is at stake, however wild the rest of the QR', () => {
    const wild = { '59': field('59', 'Jade Garden Restaurant of Old Shanghai'), '70': field('70', 'abcd') };
    expect(codes(decoded(sign(promptPayWith(wild))))).toEqual(['QR_FIELD_TOO_LONG@59', 'QR_RFU_ID@70']);
    const refusals: Array<[Record<string, string>, Partial<QrError>]> = [
      [{ '54': field('54', '1,000') }, { code: 'QR_FIELD_INVALID', tag: '54' }],
      [{ '53': field('53', 'THB') }, { code: 'QR_FIELD_INVALID', tag: '53' }],
      [{ '53': '' }, { code: 'QR_MISSING_FIELD', tag: '53' }],
      [{ '58': field('58', 'THA') }, { code: 'QR_FIELD_INVALID', tag: '58' }],
      [{ '52': field('52', '58A2') }, { code: 'QR_FIELD_INVALID', tag: '52' }],
      [{ '29': field('15', '1'.repeat(30)) }, { code: 'QR_FIELD_INVALID', tag: '15' }],
      [{ '56': field('56', '1.00') }, { code: 'QR_FIELD_INVALID', tag: '56' }],
      [{ '62': field('62', '0108abc') }, { code: 'QR_FIELD_INVALID', tag: '62' }],
      [{ '64': field('64', '0002Z') }, { code: 'QR_FIELD_INVALID', tag: '64' }],
    ];
    for (const [fields, error] of refusals) {
      expect(failure(decodeQr(sign(promptPayWith({ ...wild, ...fields })))), JSON.stringify(fields)).toMatchObject(error);
    }
    const signed = sign(promptPayWith(wild));
    const wrongCrc = signed.slice(0, -1) + (signed.endsWith('0') ? '1' : '0');
    expect(failure(decodeQr(wrongCrc))?.code).toBe('QR_CRC_MISMATCH');
    expect(failure(decodeQr(sign(promptPayWith(wild).replace('000201', '000202'))))?.code).toBe('QR_FORMAT_INDICATOR');
  });
});
