import { describe, expect, it } from 'vitest';
import { crc16CcittFalse } from './index.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value 0x29B1 for "123456789"', () => {
    expect(crc16CcittFalse(utf8('123456789'))).toBe(0x29b1);
  });

  it('starts from 0xFFFF, so an empty input checksums to 0xFFFF', () => {
    expect(crc16CcittFalse(new Uint8Array())).toBe(0xffff);
  });

  it('matches the CRC printed on a published PromptPay QR', () => {
    const signedPart = '00020101021129370016A000000677010111011300668012345675802TH53037646304';
    expect(crc16CcittFalse(utf8(signedPart))).toBe(0x6197);
  });

  it('checksums the UTF-8 bytes of non-ASCII text, not its UTF-16 units', () => {
    const name = '北京烤鸭店';
    const bytes = utf8(name);
    expect(bytes.length).toBe(15);
    // Reference value from Python's binascii.crc_hqx(name.encode('utf-8'), 0xFFFF).
    expect(crc16CcittFalse(bytes)).toBe(0x584d);
    expect(crc16CcittFalse(bytes)).toBe(bitwiseReference(bytes));
    const utf16Units = new Uint8Array(Array.from(name, (c) => c.charCodeAt(0) & 0xff));
    expect(crc16CcittFalse(bytes)).not.toBe(crc16CcittFalse(utf16Units));
  });
});

/** An independent, bit-at-a-time formulation (message bits shifted through the register) to compare against. */
function bitwiseReference(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >> 15) & 1) ^ ((byte >> bit) & 1);
      crc = ((crc << 1) & 0xffff) ^ (top ? 0x1021 : 0);
    }
  }
  return crc;
}
