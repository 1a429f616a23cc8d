/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR), the
 * checksum EMVCo puts in ID 63, computed over UTF-8 bytes.
 */

export function crc16CcittFalse(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

const utf8 = new TextEncoder();

/** The value of ID 63 for a payload that ends with "6304". */
export function payloadCrc(signedPart: string): string {
  return crc16CcittFalse(utf8.encode(signedPart)).toString(16).toUpperCase().padStart(4, '0');
}
