import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_LIMITS } from '../server/auth/login-throttle.ts';
import { SCRYPT_CONCURRENT, SCRYPT_WAITING } from '../server/auth/scrypt-slots.ts';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { eventually, scalar } from './support/traffic.ts';

/**
 * Login throttling on a real platform (its own redis-server, embedded ClickHouse): attempts
 * are counted in Redis before scrypt runs, per username and per client address, and the
 * process runs only a few scrypt jobs at once. Each test speaks from its own addresses.
 */
describe('login throttling', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => platform?.stop());

  const userOf = (username: string) => devCredentials().users.find((u) => u.username === username)!;
  const login = (username: string, password: string, remoteAddress: string) =>
    platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password }, remoteAddress });
  const retryAfter = (r: { headers: Record<string, unknown> }) => Number(r.headers['retry-after']);

  it('lets five of 60 parallel logins for one user reach scrypt; the right password among the rest is refused, and the count stays', async () => {
    const user = userOf('panda.analyst');
    // 59 wrong passwords and the right one, last, all at once from one address.
    const passwords = Array.from({ length: 60 }, (_, i) => (i === 59 ? user.password : `wrong-${i}`));
    const answers = await Promise.all(passwords.map((password) => login(user.username, password, '192.0.2.1')));
    expect(answers.map((r) => r.statusCode)).toEqual([...Array<number>(5).fill(401), ...Array<number>(55).fill(429)]);
    for (const r of answers.slice(5)) {
      expect(r.json().error.code).toBe('LOGIN_THROTTLED');
      expect(retryAfter(r)).toBeGreaterThanOrEqual(1);
      expect(retryAfter(r)).toBeLessThanOrEqual(DEFAULT_LOGIN_LIMITS.windowMs / 1000);
    }
    // The burst reset nothing: the right password is still refused, from any address.
    const after = await login(user.username, user.password, '192.0.2.99');
    expect([after.statusCode, after.json().error.code]).toEqual([429, 'LOGIN_THROTTLED']);
    // Five wrong passwords, and the throttling once (not once per refusal).
    const audited = (reason: string) =>
      scalar(
        platform.clickhouse.client,
        "SELECT toUInt32(count()) FROM cpg.audit_log WHERE action = 'login' AND target = {u:String} AND outcome = 'denied' AND JSONExtractString(details, 'reason') = {r:String}",
        { u: user.username, r: reason },
      );
    expect(await eventually(() => audited('throttled'), (n) => n >= 1, 10_000)).toBe(1);
    expect(await audited('')).toBe(5);
  });

  it('counts a success neither against the user nor as a reset: repeated logins go through, earlier failures stay counted', async () => {
    const user = userOf('siam.analyst');
    const address = '192.0.2.2';
    for (let i = 0; i < 4; i++) expect((await login(user.username, 'wrong', address)).statusCode).toBe(401);
    for (let i = 0; i < 8; i++) expect((await login(user.username, user.password, address)).statusCode).toBe(200);
    expect((await login(user.username, 'wrong', address)).statusCode).toBe(401);
    const throttled = await login(user.username, user.password, address);
    expect([throttled.statusCode, throttled.json().error?.code]).toEqual([429, 'LOGIN_THROTTLED']);
  });

  it('refuses an address that tried too many usernames, before scrypt, while other addresses log in', async () => {
    const address = '192.0.2.3';
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAddress; i++) {
      expect((await login(`nobody-${randomUUID()}`, 'guess', address)).statusCode).toBe(401);
    }
    const refused = await login(`nobody-${randomUUID()}`, 'guess', address);
    expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'LOGIN_ADDRESS_THROTTLED']);
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(1);
    // Even a right password from it waits; the same operator elsewhere does not.
    const admin = userOf('admin');
    expect((await login(admin.username, admin.password, address)).json().error.code).toBe('LOGIN_ADDRESS_THROTTLED');
    expect((await login(admin.username, admin.password, '192.0.2.4')).statusCode).toBe(200);
    const metrics = await platform.app.metrics.registry.getSingleMetricAsString('cpg_login_refused_total');
    expect(metrics).toMatch(/^cpg_login_refused_total\{reason="address"\} 2$/m);
  });

  it('keeps ClickHouse answering at once during a flood of logins from many addresses: scrypt gets a few threads, the rest wait or are refused', async () => {
    // 200 random usernames from 200 addresses: no username or address limit applies.
    const flood = Array.from({ length: 200 }, (_, i) => login(`flood-${randomUUID()}`, 'guess', `198.18.${i >> 8}.${i & 255}`));
    // Once the first answer is back, the flood is in full swing: every attempt counted, scrypt under way.
    await Promise.race(flood);
    // The query /health's ClickHouse check runs, on the same client, timed here; then /health itself.
    const started = performance.now();
    expect(await scalar(platform.clickhouse.client, 'SELECT toUInt32(1)')).toBe(1);
    const clickhouseMs = performance.now() - started;
    const health = await platform.app.inject({ method: 'GET', url: '/health' });
    const answers = await Promise.all(flood);
    expect(clickhouseMs).toBeLessThan(250);
    expect(health.statusCode).toBe(200);
    const codes = answers.map((r) => (r.statusCode === 401 ? 'AUTH_INVALID_CREDENTIALS' : (r.json().error.code as string)));
    const busy = answers.filter((r) => r.statusCode === 503);
    expect(new Set(codes)).toEqual(new Set(['AUTH_INVALID_CREDENTIALS', 'LOGIN_BUSY']));
    // At most the running and waiting ones of the first moment, and those let in as slots freed, reached scrypt.
    expect(busy.length).toBeGreaterThanOrEqual(200 - (SCRYPT_CONCURRENT + SCRYPT_WAITING) * 4);
    for (const r of busy) expect(retryAfter(r)).toBe(1);
    // A refused attempt was never verified: nothing of it stays in Redis, only the failures do.
    const failed = answers.filter((r) => r.statusCode === 401).length;
    expect((await platform.redis.keys('login-attempts:user:flood-*')).length).toBe(failed);
  }, 60_000);
});
