import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../bench/platform-process.ts';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import { devCredentials } from './support/platform.ts';
import { eventually } from './support/traffic.ts';
import { signedHeaders } from './support/signed-request.ts';
import { randomUUID } from 'node:crypto';

/**
 * A change set approved to go live later, on the platform's real process: it waits as
 * scheduled, the process is stopped before its time and another started after it, and the
 * set goes live at its time, once (one rule-set version), made so by the process running then.
 */
describe('a scheduled change set across a restart of the process', () => {
  let redis: TestRedis;
  let node: PlatformProcess | undefined;

  beforeAll(async () => {
    redis = await startTestRedis();
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    await redis?.stop();
  });

  const start = () => startPlatform({ env: { REDIS_URL: redis.server.url } });
  const login = async (username: string) => {
    const user = devCredentials().users.find((u) => u.username === username)!;
    const r = await fetch(`${node!.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: user.password }) });
    return ((await r.json()) as { token: string }).token;
  };
  const call = async (token: string, method: string, path: string, body?: object) => {
    const r = await fetch(`${node!.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, body: (await r.json()) as any };
  };

  it('goes live at its time, once, made so by the process running then', async () => {
    const conn = redis.connect();
    node = await start();
    const [author, approver] = [await login('risk.officer'), await login('admin')];
    const drafted = await call(author, 'POST', '/v1/change-sets', { title: 'velocity pair repeat in shadow', changes: [{ kind: 'mode', ruleId: 'velocity-pair-repeat', mode: 'shadow' }] });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    const id = drafted.body.id as string;
    expect((await call(author, 'POST', `/v1/change-sets/${id}/submit`, {})).status).toBe(200);
    expect((await call(author, 'POST', `/v1/change-sets/${id}/approve`, { activateAt: new Date(Date.now() + 60_000).toISOString() })).body.error.code).toBe('FOUR_EYES_REQUIRED');
    expect((await call(approver, 'POST', `/v1/change-sets/${id}/approve`, { activateAt: new Date(Date.now() - 1000).toISOString() })).body.error.code).toBe('VALIDATION_FAILED');

    const activateAt = Date.now() + 8000;
    const scheduled = await call(approver, 'POST', `/v1/change-sets/${id}/approve`, { activateAt: new Date(activateAt).toISOString() });
    expect(scheduled).toMatchObject({ status: 200, body: { state: 'scheduled', approvedBy: 'admin', activateAt: new Date(activateAt).toISOString() } });
    const seqBefore = Number(await conn.get('risk:rules:seq'));
    // Its rule is claimed meanwhile: no other set changes it.
    expect((await call(approver, 'POST', '/v1/change-sets', { title: 'the same rule', changes: [{ kind: 'mode', ruleId: 'velocity-pair-repeat', mode: 'off' }] })).body.error.code).toBe('CHANGE_SET_CONFLICT');
    expect((await node.stop()).code).toBe(0);
    node = undefined;

    // No process runs at its time; the next one, started after it, makes it live.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, activateAt - Date.now() + 500)));
    expect(await conn.hget(`changeset:${id}`, 'state')).toBe('scheduled');
    expect(await conn.hget('risk:rules:mode', 'velocity-pair-repeat')).toBe('enforce');
    node = await start();
    await eventually(() => conn.hget(`changeset:${id}`, 'state'), (state) => state === 'applied', 20_000);
    expect(await conn.hget('risk:rules:mode', 'velocity-pair-repeat')).toBe('shadow');
    expect(Number(await conn.get('risk:rules:seq'))).toBe(seqBefore + 1);
    const appliedAt = Number(await conn.hget(`changeset:${id}`, 'appliedAt'));
    expect(appliedAt).toBeGreaterThanOrEqual(activateAt);

    // Another restart: nothing is applied twice.
    expect((await node.stop()).code).toBe(0);
    node = await start();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(Number(await conn.get('risk:rules:seq'))).toBe(seqBefore + 1);
    expect((await call(await login('risk.officer'), 'GET', `/v1/change-sets/${id}`)).body.changeSet).toMatchObject({ state: 'applied', ruleSetVersion: `rs-${seqBefore + 1}` });
  }, 180_000);

  it('an approval on one process is live on another sharing its Redis within a second, a typed list with it', async () => {
    node ??= await start();
    const second = await start();
    const [author, approver] = [await login('risk.officer'), await login('admin')];
    try {
      // The running rule-set version, in /health's details (an admin's session, shared through Redis, sees them).
      const versionOf = async (p: PlatformProcess) => ((await (await fetch(`${p.url}/health`, { headers: { authorization: `Bearer ${approver}` } })).json()) as { risk: { ruleSetVersion: string } }).risk.ruleSetVersion;
      const signedCall = async (p: PlatformProcess, participant: string, path: string, body: object) => {
        const { headers, raw } = signedHeaders({ participant, method: 'POST', path, body });
        return (await (await fetch(`${p.url}${path}`, { method: 'POST', headers, body: raw })).json()) as any;
      };
      const qr = (await signedCall(second, 'huaxia-acquiring', '/v1/merchants/m-cn-0001/qr', {})).payload as string;
      const payOnSecond = async () =>
        (await signedCall(second, 'siam-wallet', '/v1/payments', { txnId: randomUUID(), qr: { payload: qr }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: `w-${randomUUID()}`, deviceId: 'd-two-nodes', country: 'TH' } })).risk.decision;
      expect(await payOnSecond()).toBe('approve');
      const drafted = await call(author, 'POST', '/v1/change-sets', {
        title: 'structuring in shadow, a device blocked',
        changes: [{ kind: 'mode', ruleId: 'structuring', mode: 'shadow' }, { kind: 'list', list: 'block:device', add: [{ value: 'siam-wallet:d-two-nodes', reason: 'two processes' }] }],
      });
      expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
      expect((await call(author, 'POST', `/v1/change-sets/${drafted.body.id}/submit`, {})).status).toBe(200);
      const approvedAt = Date.now();
      const approved = await call(approver, 'POST', `/v1/change-sets/${drafted.body.id}/approve`);
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      await eventually(() => Promise.all([versionOf(node!), versionOf(second)]), (v) => v.every((x) => x === approved.body.ruleSetVersion), 1000);
      expect(Date.now() - approvedAt).toBeLessThan(1000);
      // The list came with it: the second process declines the blocked device.
      await eventually(payOnSecond, (d) => d === 'decline', 1000);
    } finally {
      await second.stop();
    }
  }, 180_000);
});
