import { describe, expect, it } from 'vitest';
import { createQrDecoder, decodeQr, encodeQr, QR_WARNING_CODES, type DecodedQr } from './index.ts';
import { inputOf } from './test-merchants.ts';
import { parseTlv } from './tlv.ts';
import { readWildVectors } from './vectors/wild-vectors.ts';

const vectors = readWildVectors();

function decoded(payload: string): DecodedQr {
  const result = decodeQr(payload);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

/** The raw top-level value of `id` in a payload. */
function raw(payload: string, id: string): string | undefined {
  const fields = parseTlv(payload);
  return fields.ok ? fields.value.find((f) => f.id === id)?.value : undefined;
}

describe('merchant QRs from the wild (vectors/wild.tsv)', () => {
  it('has published vectors of each kind: an over-long name, city and additional data field, a reserved ID', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(8);
    const expected = vectors.flatMap((v) => v.warnings);
    for (const kind of ['QR_FIELD_TOO_LONG@59', 'QR_FIELD_TOO_LONG@60', 'QR_RFU_ID@65']) expect(expected).toContain(kind);
    expect(expected.some((w) => w.startsWith('QR_FIELD_TOO_LONG@62.'))).toBe(true);
    expect(new Set(vectors.map((v) => v.payload)).size).toBe(vectors.length);
  });

  it('names where each vector was published: a repository file at a commit', () => {
    for (const v of vectors) {
      expect(v.source, `line ${v.line}`).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/blob\/[0-9a-f]{40}\/\S+$/);
    }
  });

  it.each(vectors.map((v) => [v.line, v.warnings.join(', ') || 'no warning', v] as const))(
    'line %i decodes, with %s',
    (_line, _warnings, v) => {
      const result = decodeQr(v.payload);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (!result.ok) return;
      expect(result.value.warnings.map((w) => `${w.code}@${w.field}`)).toEqual(v.warnings);
      for (const w of result.value.warnings) {
        expect(QR_WARNING_CODES).toContain(w.code);
        expect(w.message.length).toBeGreaterThan(0);
      }
      expect(result.value.crc).toBe(v.payload.slice(-4).toUpperCase());
    },
  );

  it('keeps an over-long name and city whole: the switch compares the name as printed', () => {
    const long = vectors.filter((v) => v.warnings.includes('QR_FIELD_TOO_LONG@59') || v.warnings.includes('QR_FIELD_TOO_LONG@60'));
    expect(long.length).toBeGreaterThan(0);
    for (const v of long) {
      const qr = decoded(v.payload);
      expect(qr.merchantName, `line ${v.line}`).toBe(raw(v.payload, '59'));
      expect(qr.merchantCity, `line ${v.line}`).toBe(raw(v.payload, '60'));
    }
    expect(decoded(vectors.find((v) => v.warnings.includes('QR_FIELD_TOO_LONG@59'))!.payload).merchantName!.length).toBeGreaterThan(25);
  });

  it('still keeps the QRs the gateway issues within EMVCo: the encoder will not write what the decoder only tolerates', () => {
    const overLong = vectors.filter((v) => v.warnings.some((w) => /^QR_FIELD_TOO_LONG@(59|60)$/.test(w)));
    expect(overLong.length).toBeGreaterThan(0);
    for (const v of overLong) {
      const qr = decoded(v.payload);
      const written = encodeQr({ ...inputOf(qr), mcc: qr.mcc ?? '0000' });
      expect(written.ok, `line ${v.line}`).toBe(false);
      if (!written.ok) expect(written.error).toMatchObject({ code: 'QR_FIELD_INVALID', tag: v.warnings[0]!.split('@')[1] });
    }
  });

  it('answers from the decode cache exactly what the decoder answers, warnings included', () => {
    const decode = createQrDecoder(3);
    for (let round = 0; round < 2; round++) {
      for (const v of vectors) expect(decode(v.payload)).toEqual(decodeQr(v.payload));
    }
  });
});
