import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type DomainError, type Result } from '../../domain/result.ts';

/**
 * Participant request signing (docs/api.md): lowercase hex HMAC-SHA256 with the
 * participant's secret over METHOD \n PATH \n TIMESTAMP \n NONCE \n hex(sha256(BODY)).
 */
export interface SignedRequest {
  method: string;
  /** Path including the query string, exactly as sent. */
  path: string;
  participantId?: string;
  timestamp?: string;
  nonce?: string;
  signature?: string;
  rawBody: Body;
}

/** The body as sent: its bytes, or a string, which stands for its UTF-8 bytes. */
export type Body = string | Uint8Array;

export function canonicalString(r: { method: string; path: string; timestamp: string; nonce: string; rawBody: Body }): string {
  // Bytes are hashed as they are (a body that is not UTF-8 is signed like any other); a string as UTF-8.
  const bodyHash = createHash('sha256').update(r.rawBody).digest('hex');
  return `${r.method.toUpperCase()}\n${r.path}\n${r.timestamp}\n${r.nonce}\n${bodyHash}`;
}

export function sign(secret: string, r: { method: string; path: string; timestamp: string; nonce: string; rawBody: Body }): string {
  return createHmac('sha256', secret).update(canonicalString(r), 'utf8').digest('hex');
}

const NONCE_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

/** Checks headers, clock skew and signature; the nonce's uniqueness is checked afterwards, in Redis. */
export function verifySignature(
  r: SignedRequest,
  secretOf: (participantId: string) => string | undefined,
  now: number,
  maxSkewMs: number,
): Result<{ participantId: string; nonce: string }, DomainError> {
  if (!r.participantId || !r.timestamp || !r.nonce || !r.signature) {
    return err({
      code: 'AUTH_HEADERS_MISSING',
      message: 'X-Participant-Id, X-Timestamp, X-Nonce and X-Signature are all required',
    });
  }
  const secret = secretOf(r.participantId);
  if (!secret) return err({ code: 'AUTH_UNKNOWN_PARTICIPANT', message: 'unknown participant' });
  if (!/^\d{1,16}$/.test(r.timestamp)) {
    return err({ code: 'AUTH_TIMESTAMP_INVALID', message: 'X-Timestamp must be unix milliseconds' });
  }
  if (Math.abs(now - Number(r.timestamp)) > maxSkewMs) {
    return err({
      code: 'AUTH_TIMESTAMP_SKEW',
      message: `X-Timestamp is more than ${Math.round(maxSkewMs / 1000)} s away from the gateway clock`,
    });
  }
  if (!NONCE_PATTERN.test(r.nonce)) {
    return err({ code: 'AUTH_NONCE_INVALID', message: 'X-Nonce must be 8-128 characters of [A-Za-z0-9_-]' });
  }
  const expected = Buffer.from(sign(secret, { ...r, timestamp: r.timestamp, nonce: r.nonce }), 'hex');
  const given = SIGNATURE_PATTERN.test(r.signature) ? Buffer.from(r.signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return err({ code: 'AUTH_BAD_SIGNATURE', message: 'X-Signature does not match the request' });
  }
  return ok({ participantId: r.participantId, nonce: r.nonce });
}
