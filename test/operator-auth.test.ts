import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { eventually, scalar } from './support/traffic.ts';

describe('operator login and bearer tokens', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => platform?.stop());

  const login = (username: string, password: string) =>
    platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } });

  it('gives every development user a token for its role', async () => {
    for (const user of devCredentials().users) {
      const r = await login(user.username, user.password);
      expect(r.statusCode, user.username).toBe(200);
      const body = r.json();
      expect(body.role).toBe(user.role);
      expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
      const me = await platform.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${body.token}` } });
      expect(me.json()).toMatchObject({ username: user.username, role: user.role, ...(user.participant ? { participant: user.participant } : {}) });
    }
  });

  it('refuses a wrong password, a missing token and a made-up token with distinct codes', async () => {
    const wrong = await login('risk.officer', 'not-the-password');
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([401, 'AUTH_INVALID_CREDENTIALS']);
    const unknown = await login('nobody', 'x');
    expect(unknown.json().error.code).toBe('AUTH_INVALID_CREDENTIALS');
    const missing = await platform.app.inject({ method: 'GET', url: '/v1/auth/me' });
    expect([missing.statusCode, missing.json().error.code]).toEqual([401, 'AUTH_TOKEN_MISSING']);
    const madeUp = await platform.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${'a'.repeat(43)}` } });
    expect([madeUp.statusCode, madeUp.json().error.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
  });

  it('ends a token on logout', async () => {
    const token = (await login('admin', 'admin-dev')).json().token as string;
    const headers = { authorization: `Bearer ${token}` };
    expect((await platform.app.inject({ method: 'POST', url: '/v1/auth/logout', headers })).statusCode).toBe(204);
    const after = await platform.app.inject({ method: 'GET', url: '/v1/auth/me', headers });
    expect([after.statusCode, after.json().error.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
  });

  it('throttles a username after five failed logins, even with the right password', async () => {
    const user = devCredentials().users.find((u) => u.role === 'compliance')!;
    for (let i = 0; i < 5; i++) expect((await login(user.username, 'wrong')).statusCode).toBe(401);
    const blocked = await login(user.username, user.password);
    expect([blocked.statusCode, blocked.json().error.code]).toEqual([429, 'LOGIN_THROTTLED']);
  });

  it('writes every login attempt to the audit log', async () => {
    const count = () => scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.audit_log WHERE action = 'login'");
    const rows = await eventually(count, (n) => n >= 10, 5000);
    expect(rows).toBeGreaterThanOrEqual(devCredentials().users.length + 8);
    const denied = await scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.audit_log WHERE action = 'login' AND outcome = 'denied'");
    expect(denied).toBeGreaterThanOrEqual(8);
  });
});
