import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../server/auth/signature.ts';
import { signedHeaders } from './signed-client.ts';

const signer = { id: 'siam-wallet', secret: 'a'.repeat(48) };
const secretOf = (id: string) => (id === signer.id ? signer.secret : undefined);

function verify(headers: Record<string, string>, method: string, path: string, rawBody: string, now: number) {
  return verifySignature(
    {
      method,
      path,
      rawBody,
      participantId: headers['x-participant-id'],
      timestamp: headers['x-timestamp'],
      nonce: headers['x-nonce'],
      signature: headers['x-signature'],
    },
    secretOf,
    now,
    300_000,
  );
}

describe('signed headers', () => {
  it('are accepted by the gateway verifier for a body and for a query string without body', () => {
    const now = Date.now();
    const body = '{"txnId":"t-1"}';
    expect(verify(signedHeaders(signer, 'POST', '/v1/payments', body, now), 'POST', '/v1/payments', body, now).ok).toBe(true);
    const path = '/v1/analytics/summary?from=1&to=2';
    expect(verify(signedHeaders(signer, 'GET', path, '', now), 'GET', path, '', now).ok).toBe(true);
  });

  it('stop verifying when one byte of the body changes', () => {
    const now = Date.now();
    const headers = signedHeaders(signer, 'POST', '/v1/payments', '{"a":1}', now);
    expect(verify(headers, 'POST', '/v1/payments', '{"a":2}', now)).toMatchObject({ ok: false, error: { code: 'AUTH_BAD_SIGNATURE' } });
  });

  it('use a fresh nonce of 32 URL-safe characters every time, and declare JSON only with a body', () => {
    const a = signedHeaders(signer, 'POST', '/x', '{}');
    const b = signedHeaders(signer, 'POST', '/x', '{}');
    expect(a['x-nonce']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a['x-nonce']).not.toBe(b['x-nonce']);
    expect(a['content-type']).toBe('application/json');
    expect(signedHeaders(signer, 'GET', '/x', '')['content-type']).toBeUndefined();
  });
});
