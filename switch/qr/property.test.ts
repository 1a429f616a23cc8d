import { describe, expect, it } from 'vitest';
import { payloadCrc } from './crc.ts';
import { decodeQr, encodeQr, QR_ERROR_CODES, QR_WARNING_CODES, type DecodedQr, type QrErrorCode } from './index.ts';
import { inputOf, sampleMerchants } from './test-merchants.ts';
import { parseTlv, type TlvField } from './tlv.ts';
import { readPublicVectors } from './vectors/public-vectors.ts';
import { readWildVectors } from './vectors/wild-vectors.ts';

/**
 * Mutation testing with a fixed seed: the same mutants every run, so a failure
 * reproduces. Mutants that are re-signed with a correct CRC get past the checksum and
 * exercise the field checks behind it.
 */

const SEED = 0x5eed_c0de;
const MUTANTS = 6_000;
const GARBAGE = 1_500;

/** mulberry32: tiny, seedable, good enough to pick mutations. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const validVectors = readPublicVectors()
  .filter((v) => v.expected === 'valid')
  .map((v) => v.payload);

const encoderOutputs = Object.values(sampleMerchants).map((input) => {
  const result = encodeQr(input);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
});

// The wild vectors too, so mutants also start from QRs that only decode with warnings.
const seeds = [...validVectors, ...readWildVectors().map((v) => v.payload), ...encoderOutputs];

const CHARACTERS = [
  ...'0123456789'.repeat(4),
  ...'ABCDEFabcxyzTH.- *+/',
  '北', '京', 'ก', 'é', '🦆', '😀', '\u0301', '\u202E', '\uFFFD', '\u00A0',
  '\u0000', '\u0007', '\u001F', '\u007F', '\u0085', '\uD800', '\uDFFF',
];

type Random = () => number;

const below = (random: Random, n: number) => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]): T => items[below(random, items.length)]!;
const randomText = (random: Random, length: number) =>
  Array.from({ length }, () => pick(random, CHARACTERS)).join('');

function tlv(fields: readonly TlvField[]): string {
  return fields.map((f) => f.id + String(Array.from(f.value).length).padStart(2, '0') + f.value).join('');
}

/** A well-formed value that a field check may still refuse: digits, amounts, text, or a nested template. */
function plausibleValue(random: Random): string {
  switch (below(random, 5)) {
    case 0: return String(below(random, 10 ** (1 + below(random, 6))));
    case 1: return `${below(random, 1000)}.${below(random, 100)}`;
    case 2: return randomText(random, 1 + below(random, 30));
    case 3: return tlv([{ id: pick(random, ['00', '01', '02', '05', '09']), value: randomText(random, 1 + below(random, 8)) }]);
    default: return pick(random, ['01', '11', '12', '13', '02', '03', 'TH', 'th', '764', '7640', '4.22', 'A000000677010111']);
  }
}

type Mutation = (random: Random, chars: string[]) => string[];

const characterMutations: Mutation[] = [
  (r, c) => c.map((x, i) => (i === below(r, c.length) ? pick(r, CHARACTERS) : x)),
  (r, c) => { const i = below(r, c.length + 1); return [...c.slice(0, i), pick(r, CHARACTERS), ...c.slice(i)]; },
  (r, c) => { const i = below(r, c.length); return [...c.slice(0, i), ...c.slice(i + 1)]; },
  (r, c) => c.slice(0, below(r, c.length)),
  (r, c) => {
    const from = below(r, c.length);
    const segment = c.slice(from, from + 1 + below(r, 12));
    const at = below(r, c.length + 1);
    return [...c.slice(0, at), ...segment, ...c.slice(at)];
  },
  (r, c) => { const i = below(r, c.length + 1); return [...c.slice(0, i), ...Array.from(randomText(r, 1 + below(r, 4))), ...c.slice(i)]; },
];

type FieldMutation = (random: Random, fields: TlvField[]) => TlvField[] | string;

const fieldMutations: FieldMutation[] = [
  // A length digit changed: the value no longer ends where its length says.
  (r, f) => {
    const i = below(r, f.length);
    return f
      .map((x, j) => {
        if (j !== i) return tlv([x]);
        const length = String(Array.from(x.value).length).padStart(2, '0');
        const digits = below(r, 2) === 0 ? String(below(r, 10)) + length[1] : length[0] + String(below(r, 10));
        return x.id + digits + x.value;
      })
      .join('');
  },
  (r, f) => f.filter((_, j) => j !== below(r, f.length)),
  (r, f) => { const i = below(r, f.length); return [...f.slice(0, i + 1), f[i]!, ...f.slice(i + 1)]; },
  (r, f) => {
    const i = below(r, f.length);
    const j = below(r, f.length);
    const out = [...f];
    [out[i], out[j]] = [out[j]!, out[i]!];
    return out;
  },
  (r, f) => { const i = below(r, f.length); return f.map((x, j) => (j === i ? { id: x.id, value: plausibleValue(r) } : x)); },
  (r, f) => {
    const i = below(r, f.length);
    return f.map((x, j) => {
      if (j !== i) return x;
      const v = Array.from(x.value);
      v[below(r, v.length)] = pick(r, CHARACTERS);
      return { id: x.id, value: v.join('') };
    });
  },
  (r, f) => [...f, { id: String(below(r, 100)).padStart(2, '0'), value: plausibleValue(r) }],
  // Inside a template: drop, repeat or rewrite a sub-field.
  (r, f) => f.map((x) => {
    const sub = parseTlv(x.value);
    if (!sub.ok || below(r, 2) === 0) return x;
    const subFields = fieldMutations[1 + below(r, 5)]!(r, sub.value);
    return { id: x.id, value: typeof subFields === 'string' ? subFields : tlv(subFields) };
  }),
];

function mutate(random: Random, payload: string): string {
  let current = payload;
  const rounds = 1 + below(random, 3);
  for (let round = 0; round < rounds; round++) {
    const parsed = parseTlv(current);
    if (parsed.ok && below(random, 3) !== 0) {
      const mutated = pick(random, fieldMutations)(random, parsed.value);
      current = typeof mutated === 'string' ? mutated : tlv(mutated);
    } else {
      current = pick(random, characterMutations)(random, Array.from(current)).join('');
    }
  }
  return current;
}

/** Replaces (or adds) ID 63 so the CRC is right for whatever the mutant became. */
function resign(payload: string): string {
  const body = payload.replace(/6304[0-9A-Fa-f]{4}$/, '');
  return body + '6304' + payloadCrc(body + '6304');
}

type Outcome = QrErrorCode | 'OK' | 'THREW';

function outcomeOf(payload: unknown): { outcome: Outcome; value?: DecodedQr } {
  try {
    const result = decodeQr(payload as string);
    return result.ok ? { outcome: 'OK', value: result.value } : { outcome: result.error.code };
  } catch {
    return { outcome: 'THREW' };
  }
}

const AMOUNT = /^(?=.{1,13}$)\d+(\.\d+)?$/;

/** What every accepted payload guarantees to the code that reads it. */
function expectSoundDecoding(payload: string, qr: DecodedQr): void {
  expect(qr.payloadFormatIndicator).toBe('01');
  expect(qr.crc).toMatch(/^[0-9A-F]{4}$/);
  expect(payload.slice(-4).toUpperCase()).toBe(qr.crc);
  expect(qr.merchantAccounts.length).toBeGreaterThan(0);
  for (const a of qr.merchantAccounts) expect(Number(a.tag)).toSatisfy((n: number) => n >= 2 && n <= 51);
  expect(qr.currency).toMatch(/^\d{3}$/);
  expect(qr.countryCode).toMatch(/^[A-Z]{2}$/);
  if (qr.amount !== undefined) expect(qr.amount).toMatch(AMOUNT);
  if (qr.mcc !== undefined) expect(qr.mcc).toMatch(/^\d{4}$/);
  for (const w of qr.warnings) {
    expect(QR_WARNING_CODES).toContain(w.code);
    expect(w.field).toMatch(/^\d{2}(\.\d{2})?$/);
  }
}

/**
 * Anything accepted with the fields the encoder requires, and nothing the encoder refuses to
 * write (a warning other than a script outside "ans"), can be written again and reads back the same.
 */
function expectReEncodable(qr: DecodedQr): boolean {
  if (qr.mcc === undefined || qr.merchantName === undefined || qr.merchantCity === undefined) return false;
  if (qr.warnings.some((w) => w.code !== 'QR_CHARACTERS_OUTSIDE_ANS')) return false;
  if (qr.initiationMethod === 'dynamic' && qr.amount === undefined) return false;
  const input = inputOf(qr);
  const written = encodeQr(input);
  expect(written.ok, JSON.stringify(written)).toBe(true);
  if (written.ok) expect(inputOf(outcomeOf(written.value).value!)).toEqual(input);
  return true;
}

describe('decodeQr under mutation', () => {
  it(`answers ${MUTANTS} mutants of valid payloads with a value or a typed error, never an exception`, () => {
    const random = mulberry32(SEED);
    const signed = new Map<Outcome, number>();
    const unsigned = new Map<Outcome, number>();
    let reEncoded = 0;
    let warned = 0;
    for (let n = 0; n < MUTANTS; n++) {
      const resigned = n % 2 === 0;
      const mutant = mutate(random, pick(random, seeds));
      const payload = resigned ? resign(mutant) : mutant;
      const { outcome, value } = outcomeOf(payload);
      expect([...QR_ERROR_CODES, 'OK'], JSON.stringify(payload)).toContain(outcome);
      const counts = resigned ? signed : unsigned;
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      if (value !== undefined) {
        expectSoundDecoding(payload, value);
        expect(decodeQr(payload)).toEqual({ ok: true, value });
        if (expectReEncodable(value)) reEncoded++;
        if (value.warnings.length > 0) warned++;
      }
    }

    // Re-signed mutants must reach the checks behind the CRC, or this test proves little.
    for (const code of ['QR_MALFORMED', 'QR_FORMAT_INDICATOR', 'QR_DUPLICATE_TAG', 'QR_MISSING_FIELD', 'QR_FIELD_INVALID', 'OK'] as const) {
      expect(signed.get(code) ?? 0, `${code} among re-signed mutants: ${JSON.stringify([...signed])}`).toBeGreaterThan(0);
    }
    const crcRefusals = (signed.get('QR_CRC_MISSING') ?? 0) + (signed.get('QR_CRC_MISMATCH') ?? 0);
    expect(crcRefusals / (MUTANTS / 2)).toBeLessThan(0.2);
    expect(unsigned.get('QR_CRC_MISMATCH') ?? 0).toBeGreaterThan(0);
    expect(unsigned.get('QR_CRC_MISSING') ?? 0).toBeGreaterThan(0);
    expect(reEncoded).toBeGreaterThan(0);
    // Accepted with warnings: the lenient paths are mutated too.
    expect(warned).toBeGreaterThan(0);
  });

  it(`answers ${GARBAGE} random strings and random signed TLV with a typed error or a sound value`, () => {
    const random = mulberry32(SEED ^ 0xbad);
    const seen = new Set<Outcome>();
    for (let n = 0; n < GARBAGE; n++) {
      const payload = n % 2 === 0
        ? randomText(random, below(random, 600))
        : resign((below(random, 2) === 0 ? '000201' : '') + tlv(Array.from({ length: 1 + below(random, 10) }, () => ({
            id: pick(random, ['00', '01', '02', '15', '26', '29', '52', '53', '54', '55', '56', '57', '58', '59', '60', '61', '62', '63', '64', '70', '80', String(below(random, 100)).padStart(2, '0')]),
            value: plausibleValue(random),
          }))));
      const { outcome, value } = outcomeOf(payload);
      expect([...QR_ERROR_CODES, 'OK'], JSON.stringify(payload)).toContain(outcome);
      if (value !== undefined) expectSoundDecoding(payload, value);
      seen.add(outcome);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });

  it('answers values that are not strings, and a huge string, with QR_MALFORMED', () => {
    const notStrings: unknown[] = [undefined, null, 0, 42, NaN, true, {}, [], ['000201'], () => '000201', Symbol('qr'), 10n, new String('000201')];
    for (const input of notStrings) expect(outcomeOf(input).outcome).toBe('QR_MALFORMED');
    expect(outcomeOf('0'.repeat(1_000_000)).outcome).toBe('QR_MALFORMED');
  });
});
