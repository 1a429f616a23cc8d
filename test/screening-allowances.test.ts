import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveScreening, type LiveScreening } from '../screening/live-screening.ts';
import { readListText } from '../screening/read-list.ts';
import { createAllowances, type Allowances } from '../server/screening/allowances.ts';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * False-positive allowances through the operator API of a real platform, applied by a second
 * process's screening (its own Redis connections and its own copy in memory): the allowed
 * subject stops hitting the entity, every other subject and entity still hits, and an expired
 * allowance no longer exempts.
 */
const DAY = 24 * 3600_000;
const PUTIN = 'cpg-sample-vladimir-putin';
const payerA = 'payer:siam-wallet:w-allow-a';
const payerB = 'payer:siam-wallet:w-allow-b';

describe('screening allowances', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let otherNode: { redis: Redis; allowances: Allowances; screening: LiveScreening };
  const tokens: Record<string, string> = {};

  const call = async (user: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
    const r = await platform.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${tokens[user]}` } });
    return { status: r.statusCode, body: r.json() };
  };

  beforeAll(async () => {
    platform = await startTestPlatform();
    for (const u of devCredentials().users) {
      // The first user of each role (the development config has a second risk officer and a second compliance officer).
      if (tokens[u.role]) continue;
      const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: u.username, password: u.password } });
      tokens[u.role] = r.json().token;
    }
    const list = readListText(readFileSync(path.join(repoRoot, 'screening/lists/sample.ftm.ndjson'), 'utf8'));
    if (!list.ok) throw new Error(list.error.message);
    const screening = createLiveScreening();
    screening.install('sample', 1, list.value.entities);
    const redis = new Redis(platform.redisUrl);
    const allowances = await createAllowances(redis);
    screening.setAllowances(allowances.isAllowed);
    otherNode = { redis, allowances, screening };
  }, 120_000);

  afterAll(async () => {
    await otherNode?.allowances.close();
    await otherNode?.redis.quit();
    await platform?.stop();
  });

  it('stops the hit for the allowed subject and entity only, on another node within a second, and audits who and why', async () => {
    const { screening } = otherNode;
    expect(screening.screenParty('Vladimir Putin', { subject: payerA }).sanction?.entityId).toBe(PUTIN);
    const expiresAt = new Date(Date.now() + 30 * DAY).toISOString();
    const added = await call('risk_officer', 'POST', '/v1/screening/allowances', { subject: payerA, entityId: PUTIN, reason: 'namesake, born 1990, Thai national', expiresAt });
    expect(added.status).toBe(201);
    expect(added.body.allowance).toMatchObject({ subject: payerA, entityId: PUTIN, createdBy: 'risk.officer', active: true, expiresAt });

    const started = Date.now();
    await eventually(() => screening.screenParty('Vladimir Putin', { subject: payerA }).sanction, (hit) => hit === undefined, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    // Another subject with the same name, and another entity for the same subject, still hit.
    expect(screening.screenParty('Vladimir Putin', { subject: payerB }).sanction?.entityId).toBe(PUTIN);
    expect(screening.screenParty('Vladimir Putin').sanction?.entityId).toBe(PUTIN);
    expect(screening.screenParty('Sergey Lavrov', { subject: payerA }).sanction?.entityId).toBe('cpg-sample-sergey-lavrov');

    const listed = await call('compliance', 'GET', '/v1/screening/allowances');
    expect(listed.status).toBe(200);
    expect(listed.body.allowances.map((a: { id: string }) => a.id)).toContain(added.body.allowance.id);

    const audited = await eventually(
      async () => (await platform.clickhouse.client.query({ query: "SELECT actor, action, target, details FROM cpg.audit_log WHERE action LIKE 'screening.allowance.%'", format: 'JSONEachRow' })).json<{ actor: string; action: string; target: string; details: string }>(),
      (rows) => rows.length >= 1,
      10_000,
    );
    expect(audited[0]).toMatchObject({ actor: 'risk.officer', action: 'screening.allowance.add', target: `allowance:${added.body.allowance.id}` });
    expect(JSON.parse(audited[0]!.details)).toMatchObject({ subject: payerA, entityId: PUTIN, reason: 'namesake, born 1990, Thai national' });

    const removed = await call('admin', 'DELETE', `/v1/screening/allowances/${added.body.allowance.id}`);
    expect(removed.status).toBe(200);
    await eventually(() => screening.screenParty('Vladimir Putin', { subject: payerA }).sanction?.entityId, (id) => id === PUTIN, 1000);
    expect((await call('admin', 'DELETE', `/v1/screening/allowances/${added.body.allowance.id}`)).body.error.code).toBe('SCREENING_ALLOWANCE_NOT_FOUND');
  });

  it('exempts no longer once expired', async () => {
    const { screening } = otherNode;
    const expiresAt = Date.now() + 2 * DAY;
    const added = await call('compliance', 'POST', '/v1/screening/allowances', { subject: payerB, entityId: PUTIN, reason: 'reviewed namesake', expiresAt: new Date(expiresAt).toISOString() });
    expect(added.status).toBe(201);
    await eventually(() => screening.screenParty('Vladimir Putin', { subject: payerB, at: expiresAt - 1 }).sanction, (hit) => hit === undefined, 1000);
    expect(screening.screenParty('Vladimir Putin', { subject: payerB, at: expiresAt }).sanction?.entityId).toBe(PUTIN);
    expect(screening.screenParty('Vladimir Putin', { subject: payerB, at: expiresAt + DAY }).sanction?.entityId).toBe(PUTIN);
    const listed = await call('compliance', 'GET', '/v1/screening/allowances');
    expect(listed.body.allowances.find((a: { id: string }) => a.id === added.body.allowance.id).active).toBe(true);
  });

  it('lets the allowed payer pay through POST /v1/payments, while another wallet of the same name is still declined', async () => {
    const qr = (await merchantQrs(platform.app))['m-cn-0001']!;
    const pay = (walletId: string) =>
      signed(platform.app, {
        participant: 'siam-wallet',
        method: 'POST',
        path: '/v1/payments',
        body: { txnId: `allow-${walletId}-${Date.now()}`, qr: { payload: qr }, amount: { value: '20.00', currency: 'CNY' }, payer: { walletId, userId: `u-${walletId}`, deviceId: `d-${walletId}`, ip: '203.0.113.9', country: 'TH', name: 'Vladimir Putin' } },
      });
    const declined = (r: Awaited<ReturnType<typeof pay>>) => (r.body.risk.reasons as Array<{ message: string }>).some((x) => x.message.includes(PUTIN));
    const before = await pay('w-allow-pay');
    expect([before.status, before.body.status, declined(before)]).toEqual([200, 'DECLINED', true]);

    const added = await call('risk_officer', 'POST', '/v1/screening/allowances', { subject: 'payer:siam-wallet:w-allow-pay', entityId: PUTIN, reason: 'namesake', expiresAt: new Date(Date.now() + DAY).toISOString() });
    expect(added.status).toBe(201);
    const allowed = await pay('w-allow-pay');
    expect([allowed.status, allowed.body.status, declined(allowed)]).toEqual([200, 'APPROVED', false]);
    const other = await pay('w-allow-other');
    expect([other.status, other.body.status, declined(other)]).toEqual([200, 'DECLINED', true]);
  });

  it('refuses an allowance without a reason, without an expiry, past or more than 365 days ahead, or on no subject', async () => {
    const body = { subject: payerA, entityId: PUTIN, reason: 'namesake', expiresAt: new Date(Date.now() + DAY).toISOString() };
    const refused = async (changes: Record<string, unknown>) => {
      const r = await call('risk_officer', 'POST', '/v1/screening/allowances', { ...body, ...changes });
      return [r.status, r.body.error?.code];
    };
    expect(await refused({ reason: undefined })).toEqual([400, 'VALIDATION_FAILED']);
    expect(await refused({ reason: '   ' })).toEqual([400, 'SCREENING_ALLOWANCE_INVALID']);
    expect(await refused({ expiresAt: undefined })).toEqual([400, 'VALIDATION_FAILED']);
    expect(await refused({ expiresAt: new Date(Date.now() - 1000).toISOString() })).toEqual([400, 'SCREENING_ALLOWANCE_INVALID']);
    expect(await refused({ expiresAt: new Date(Date.now() + 366 * DAY).toISOString() })).toEqual([400, 'SCREENING_ALLOWANCE_INVALID']);
    expect(await refused({ subject: 'wallet:w-1' })).toEqual([400, 'SCREENING_ALLOWANCE_INVALID']);
    expect((await call('participant_analyst', 'POST', '/v1/screening/allowances', body)).status).toBe(403);
  });
});
