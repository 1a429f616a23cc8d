import { describe, expect, it } from 'vitest';
import { createQrDecoder } from './decode-cache.ts';
import { decodeQr } from './decode.ts';
import { readPublicVectors } from './vectors/public-vectors.ts';

const payloads = readPublicVectors().map((v) => v.payload);

describe('createQrDecoder', () => {
  it('answers exactly what decodeQr answers, valid and invalid payloads alike, first and repeated', () => {
    expect(payloads.length).toBeGreaterThan(5);
    const decode = createQrDecoder(4);
    for (let round = 0; round < 3; round++) {
      for (const payload of payloads) expect(decode(payload)).toEqual(decodeQr(payload));
    }
  });

  it('returns the remembered answer for a repeated payload and forgets the oldest when full', () => {
    const decode = createQrDecoder(2);
    const [a, b, c] = payloads as [string, string, string];
    const first = decode(a);
    expect(decode(a)).toBe(first);
    decode(b);
    decode(c); // a is the oldest: forgotten
    expect(decode(a)).not.toBe(first);
    expect(decode(a)).toEqual(first);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createQrDecoder(0)).toThrow(/positive integer/);
    expect(() => createQrDecoder(1.5)).toThrow(/positive integer/);
  });
});
