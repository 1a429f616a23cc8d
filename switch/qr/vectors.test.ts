import { describe, expect, it } from 'vitest';
import { payloadCrc } from './crc.ts';
import { decodeQr } from './index.ts';
import { readPublicVectors } from './vectors/public-vectors.ts';

const vectors = readPublicVectors();

describe('public EMVCo MPM vectors', () => {
  it('has enough vectors that the verdicts below mean something', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
    expect(vectors.some((v) => v.expected === 'valid')).toBe(true);
    expect(vectors.some((v) => v.expected === 'invalid')).toBe(true);
  });

  it.each(vectors.map((v) => [v.line, v.expected, v] as const))('line %i is %s', (_line, _expected, vector) => {
    const result = decodeQr(vector.payload);
    expect(result.ok, JSON.stringify(result)).toBe(vector.expected === 'valid');
  });

  it('reports a vector whose only fault is its CRC as QR_CRC_MISMATCH', () => {
    const corruptedCrc = vectors.filter((v) => v.expected === 'invalid' && decodeQr(resign(v.payload)).ok);
    expect(corruptedCrc.length).toBeGreaterThan(0);
    for (const v of corruptedCrc) {
      const result = decodeQr(v.payload);
      expect(result.ok ? undefined : result.error.code, `line ${v.line}`).toBe('QR_CRC_MISMATCH');
    }
  });

  it('reports each valid vector\'s CRC in canonical uppercase', () => {
    for (const v of vectors.filter((x) => x.expected === 'valid')) {
      const result = decodeQr(v.payload);
      expect(result.ok && result.value.crc).toBe(v.payload.slice(-4).toUpperCase());
    }
  });
});

function resign(payload: string): string {
  const signedPart = payload.slice(0, -4);
  return signedPart + payloadCrc(signedPart);
}
