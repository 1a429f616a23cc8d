import type { Result } from '../../domain/result.ts';
import { decodeQr } from './decode.ts';
import type { QrError } from './errors.ts';
import type { DecodedQr } from './decoded-qr.ts';

/**
 * decodeQr with a bounded memory of recent payloads. A static merchant QR is scanned over
 * and over, and decoding is pure, so the same payload always gives the same answer; the
 * answers are shared between callers and must be treated as read-only. When full, the
 * oldest payload is forgotten (Map keeps insertion order).
 */
export function createQrDecoder(capacity = 10_000): (payload: string) => Result<DecodedQr, QrError> {
  if (!(Number.isInteger(capacity) && capacity > 0)) throw new Error(`capacity must be a positive integer, got ${capacity}`);
  const recent = new Map<string, Result<DecodedQr, QrError>>();
  return (payload) => {
    const known = recent.get(payload);
    if (known !== undefined) return known;
    const decoded = decodeQr(payload);
    if (recent.size >= capacity) recent.delete(recent.keys().next().value!);
    recent.set(payload, decoded);
    return decoded;
  };
}
