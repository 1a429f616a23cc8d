import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../server/auth/signature.ts';
import { signed } from './support/signed-request.ts';
import { secretOf, startTestPlatform } from './support/platform.ts';

const QR = '00020101021129370016A000000677010111011300668012345675802TH530376463046197';

describe('participant request signing', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => platform?.stop());

  const decode = (extra: Partial<Parameters<typeof signed>[1]> = {}) =>
    signed(platform.app, { participant: 'siam-wallet', method: 'POST', path: '/v1/qr/decode', body: { payload: QR }, ...extra });

  it('accepts a correctly signed request', async () => {
    const r = await decode();
    expect(r.status).toBe(200);
    expect(r.body.countryCode).toBe('TH');
  });

  it('refuses a reused nonce with AUTH_NONCE_REUSED', async () => {
    const nonce = 'nonce-reuse-0001';
    expect((await decode({ nonce })).status).toBe(200);
    const again = await decode({ nonce });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('AUTH_NONCE_REUSED');
  });

  it('refuses a timestamp six minutes off with AUTH_TIMESTAMP_SKEW, in either direction', async () => {
    for (const offset of [-6 * 60_000, 6 * 60_000]) {
      const r = await decode({ timestamp: Date.now() + offset });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('AUTH_TIMESTAMP_SKEW');
    }
  });

  it('refuses a body changed after signing with AUTH_BAD_SIGNATURE', async () => {
    const r = await decode({ tamper: (raw) => raw.replace('5802TH', '5802SG') });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('AUTH_BAD_SIGNATURE');
  });

  it('refuses a signature made with another secret, and a changed path', async () => {
    expect((await decode({ secret: 'x'.repeat(48) })).body.error.code).toBe('AUTH_BAD_SIGNATURE');
    const { headers } = await import('./support/signed-request.ts').then((m) =>
      m.signedHeaders({ participant: 'siam-wallet', method: 'GET', path: '/v1/payments/pay_000000000abcdefghijklm' }),
    );
    const r = await platform.app.inject({ method: 'GET', url: '/v1/payments/pay_000000000abcdefghijklX', headers });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('AUTH_BAD_SIGNATURE');
  });

  it('refuses an unknown participant with AUTH_UNKNOWN_PARTICIPANT', async () => {
    const r = await decode({ participant: 'nobody-wallet', secret: 'y'.repeat(48) });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('AUTH_UNKNOWN_PARTICIPANT');
  });

  it('refuses a request without signature headers with AUTH_HEADERS_MISSING', async () => {
    const r = await platform.app.inject({ method: 'POST', url: '/v1/qr/decode', payload: { payload: QR } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('AUTH_HEADERS_MISSING');
  });

  it('gives the four rejections four distinct codes', async () => {
    const nonce = 'nonce-distinct-01';
    await decode({ nonce });
    const codes = await Promise.all([
      decode({ nonce }),
      decode({ timestamp: Date.now() - 6 * 60_000 }),
      decode({ tamper: (raw) => raw + ' ' }),
      decode({ participant: 'nobody-wallet', secret: 'y'.repeat(48) }),
    ]);
    expect(new Set(codes.map((r) => r.body.error.code)).size).toBe(4);
    expect(codes.every((r) => r.status === 401)).toBe(true);
  });

  it('does not let an unsigned caller learn whether its JSON parses', async () => {
    const r = await platform.app.inject({
      method: 'POST',
      url: '/v1/qr/decode',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(r.statusCode).toBe(401);
    const signedBad = await decode({ rawBody: '{not json' });
    expect(signedBad.status).toBe(400);
    expect(signedBad.body.error.code).toBe('INVALID_JSON');
  });

  /** A request whose body is `sent`, of `contentType`, with a signature over `signedBody`. */
  const sendBytes = (sent: Buffer, contentType: string, signedBody: string | Buffer = sent) => {
    const timestamp = String(Date.now());
    const nonce = randomUUID().replaceAll('-', '');
    const path = '/v1/qr/decode';
    const signature = sign(secretOf('siam-wallet'), { method: 'POST', path, timestamp, nonce, rawBody: signedBody });
    return platform.app.inject({
      method: 'POST',
      url: path,
      headers: { 'x-participant-id': 'siam-wallet', 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-signature': signature, 'content-type': contentType },
      payload: sent,
    });
  };

  it('signs the bytes of a body of any content type: a text body signed as empty is refused', async () => {
    const text = Buffer.from(JSON.stringify({ payload: QR }));
    for (const type of ['text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded']) {
      const signedEmpty = await sendBytes(text, type, '');
      expect([signedEmpty.statusCode, signedEmpty.json().error.code], type).toEqual([401, 'AUTH_BAD_SIGNATURE']);
      // Signed over its bytes it is authentic, and refused for what it is, not JSON.
      const signedBytes = await sendBytes(text, type);
      expect([signedBytes.statusCode, signedBytes.json().error.code], type).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    const unsigned = await platform.app.inject({ method: 'POST', url: '/v1/qr/decode', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect([unsigned.statusCode, unsigned.json().error.code]).toEqual([401, 'AUTH_HEADERS_MISSING']);
  });

  it('signs bytes that are not UTF-8 as they are, and then refuses them with MALFORMED_UNICODE', async () => {
    const bytes = Buffer.concat([Buffer.from('{"payload":"'), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    // Hashing them as text turns each bad byte into U+FFFD: that is not what was sent.
    const asText = await sendBytes(bytes, 'application/json', bytes.toString('utf8'));
    expect([asText.statusCode, asText.json().error.code]).toEqual([401, 'AUTH_BAD_SIGNATURE']);
    const asBytes = await sendBytes(bytes, 'application/json');
    expect([asBytes.statusCode, asBytes.json().error.code]).toEqual([400, 'MALFORMED_UNICODE']);
  });
});
