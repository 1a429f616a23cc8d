import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted, so two requests that mean the same thing hash the same
 * whatever order or spacing the participant serialised them in.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/**
 * 80 bits of the request's SHA-256, 14 characters. The txnId's done marker keeps it for the
 * idempotency period, short enough for Redis to store the marker with its object (44 bytes
 * with a payment id); it only tells a participant's reuse of its own txnId from a repeat.
 */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest().toString('base64url', 0, 10);
}
