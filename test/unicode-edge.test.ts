import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { signedHeaders } from './support/signed-request.ts';
import { eventually, scalar } from './support/traffic.ts';

/**
 * Text that is not well-formed Unicode (a lone UTF-16 surrogate, which JSON can only spell
 * as a \uD800-\uDFFF escape) or not what the caller meant (a query escape that is not UTF-8,
 * a header byte outside ASCII) is refused at the edge with 400 and a code, before it can
 * reach Redis, the tap, the audit log or ClickHouse.
 */

describe('well-formed text at the edge', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let officer: string;
  beforeAll(async () => {
    platform = await startTestPlatform();
    const user = devCredentials().users.find((u) => u.role === 'risk_officer')!;
    officer = (await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } })).json().token;
  });
  afterAll(async () => platform?.stop());

  const login = (raw: string) => platform.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: raw });
  const signedPost = (participant: string, path: string, raw: string) => {
    const { headers } = signedHeaders({ participant, method: 'POST', path, rawBody: raw });
    return platform.app.inject({ method: 'POST', url: path, headers, payload: raw });
  };

  it('refuses a login whose username is a lone surrogate with 400 MALFORMED_UNICODE, and the audit goes on', async () => {
    const r = await login('{"username":"\\ud800","password":"x"}');
    expect([r.statusCode, r.json().error.code]).toEqual([400, 'MALFORMED_UNICODE']);
    const lowHalf = await login('{"username":"ops\\uDC00","password":"x"}');
    expect([lowHalf.statusCode, lowHalf.json().error.code]).toEqual([400, 'MALFORMED_UNICODE']);
    // A key may hold one too.
    const inKey = await login('{"username":"a","password":"x","\\ud83d":1}');
    expect([inKey.statusCode, inKey.json().error.code]).toEqual([400, 'MALFORMED_UNICODE']);
    // The next failed login is still written to the audit log.
    const username = `nobody-${randomUUID().slice(0, 8)}`;
    expect((await login(JSON.stringify({ username, password: 'wrong' }))).statusCode).toBe(401);
    await eventually(
      () => scalar<number>(platform.clickhouse.client, 'SELECT toUInt32(count()) FROM cpg.audit_log WHERE actor = {u:String}', { u: username }),
      (n) => n === 1,
      10_000,
    );
  });

  it('takes surrogate pairs, escaped or not, and an escaped backslash before "ud800"', async () => {
    for (const username of ['"\\ud83d\\ude00"', '"😀"', '"\\\\ud800"']) {
      const r = await login(`{"username":${username},"password":"x"}`);
      expect([r.statusCode, r.json().error.code], username).toEqual([401, 'AUTH_INVALID_CREDENTIALS']);
    }
  });

  it('refuses a lone surrogate in a signed body after authentication, and says nothing to a stranger', async () => {
    const raw = '{"payload":"\\udfff000201"}';
    const r = await signedPost('siam-wallet', '/v1/qr/decode', raw);
    expect([r.statusCode, r.json().error.code]).toEqual([400, 'MALFORMED_UNICODE']);
    const stranger = await platform.app.inject({ method: 'POST', url: '/v1/qr/decode', headers: { 'content-type': 'application/json' }, payload: raw });
    expect([stranger.statusCode, stranger.json().error.code]).toEqual([401, 'AUTH_HEADERS_MISSING']);
    const payment = await signedPost('siam-wallet', '/v1/payments', JSON.stringify({ txnId: randomUUID(), qr: { payload: 'x' }, payer: { walletId: 'w-1' } }).replace('"x"', '"\\ud800"'));
    expect([payment.statusCode, payment.json().error.code]).toEqual([400, 'MALFORMED_UNICODE']);
  });

  it('refuses an unreadable body on a route that reads none, once the caller is known', async () => {
    const ack = (headers: Record<string, string>) =>
      platform.app.inject({ method: 'POST', url: '/v1/alerts/alt_0000000000000000/ack', headers: { 'content-type': 'text/plain', ...headers }, payload: 'hello' });
    const anonymous = await ack({});
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'AUTH_TOKEN_MISSING']);
    const known = await ack({ authorization: `Bearer ${officer}` });
    expect([known.statusCode, known.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('refuses a query string whose escapes are not UTF-8 with 400 URL_INVALID', async () => {
    for (const query of ['rule=%ED%A0%80', 'rule=%FF', 'rule=100%', 'status=open&rule=%C3']) {
      const r = await platform.app.inject({ method: 'GET', url: `/v1/alerts?${query}`, headers: { authorization: `Bearer ${officer}` } });
      expect([r.statusCode, r.json().error.code], query).toEqual([400, 'URL_INVALID']);
    }
    const ok = await platform.app.inject({ method: 'GET', url: '/v1/alerts?rule=velocity-payer-1h&status=open', headers: { authorization: `Bearer ${officer}` } });
    expect(ok.statusCode).toBe(200);
  });

  it('refuses a header the platform reads with a byte outside ASCII with 400 HEADER_INVALID', async () => {
    // Node reads header bytes as latin1: "é" sent as UTF-8 arrives as "Ã©".
    const token = await platform.app.inject({ method: 'GET', url: '/v1/alerts', headers: { authorization: `Bearer ${officer}Ã©` } });
    expect([token.statusCode, token.json().error.code]).toEqual([400, 'HEADER_INVALID']);
    const { headers } = signedHeaders({ participant: 'siam-wallet', method: 'GET', path: '/v1/merchants' });
    const nonce = await platform.app.inject({ method: 'GET', url: '/v1/merchants', headers: { ...headers, 'x-nonce': `${headers['x-nonce']}\u00ff` } });
    expect([nonce.statusCode, nonce.json().error.code]).toEqual([400, 'HEADER_INVALID']);
    expect(nonce.json().error.message).not.toContain(headers['x-nonce']);
  });
});
