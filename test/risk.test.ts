import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { startPlatform as startPlatformProcess } from '../bench/platform-process.ts';
import { startRedisServer } from '../server/redis-process.ts';
import { signed } from './support/signed-request.ts';
import { startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

describe('risk scoring before authorisation', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let qr: Record<string, string>;
  beforeAll(async () => {
    platform = await startTestPlatform();
    qr = await merchantQrs(platform.app);
  });
  afterAll(async () => platform?.stop());

  const pay = (deviceId: string, walletId = `w-${randomUUID()}`, country = 'TH') =>
    signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId, deviceId, ip: `198.51.100.${Math.floor(Math.random() * 250)}`, country } },
    });

  it('declines the sixth payment from one device within a minute, quoting the values', async () => {
    const device = `dev-${randomUUID()}`;
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await pay(device));
    expect(answers.slice(0, 5).map((a) => a.body.status)).toEqual(['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'APPROVED']);
    const sixth = answers[5]!.body;
    expect(sixth).toMatchObject({ status: 'DECLINED', declineCode: 'RISK_DECLINED', risk: { decision: 'decline' } });
    const reason = sixth.risk.reasons.find((r: { ruleId: string }) => r.ruleId === 'velocity-device-burst');
    expect(reason).toMatchObject({ ruleVersion: 1, value: 6, threshold: 5 });
    expect(reason.message).toContain('6');
  });

  it('declines a payer from a sanctioned country and raises an alert', async () => {
    const r = await pay(`dev-${randomUUID()}`, `w-${randomUUID()}`, 'KP');
    expect(r.body).toMatchObject({ status: 'DECLINED', risk: { decision: 'decline' } });
    expect(r.body.risk.reasons[0].ruleId).toBe('sanctioned-country');
    // Alerts follow the answer: wait for it rather than race it.
    const alerts = await eventually(
      () => platform.alerting.alerts.list({ participant: 'siam-wallet' }),
      (list) => list.some((a) => a.paymentId === r.body.paymentId),
      5000,
    );
    const alert = alerts.find((a) => a.paymentId === r.body.paymentId)!;
    expect(alert).toMatchObject({ severity: 'critical', ruleId: 'sanctioned-country', status: 'open' });
    // Its history reaches ClickHouse's append-only alert_events.
    const rows = await eventually(
      async () => (await (await platform.clickhouse.client.query({
        query: 'SELECT kind, participant, rule_id, severity FROM cpg.alert_events WHERE alert_id = {id:String}',
        query_params: { id: alert.id },
        format: 'JSONEachRow',
      })).json<Record<string, string>>()),
      (r) => r.length > 0,
      10_000,
    );
    expect(rows).toEqual([{ kind: 'created', participant: 'siam-wallet', rule_id: 'sanctioned-country', severity: 'critical' }]);
  });
});

describe('a rule changed on one node', () => {
  it('takes effect on another node sharing the Redis within a second', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-two-nodes-'));
    const redis = await startRedisServer({ dir });
    const env = { REDIS_URL: redis.url, RISK_DEADLINE_MS: '1000' };
    const [a, b] = await Promise.all([startPlatformProcess({ env }), startPlatformProcess({ env })]);
    try {
      const version = async (url: string) => ((await (await fetch(`${url}/health`, { headers: monitoringHeaders() })).json()) as { risk: { ruleSetVersion: string } }).risk.ruleSetVersion;
      const before = await version(b.url);
      const login = await fetch(`${a.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'risk.officer', password: 'risk-officer-dev' }) });
      const { token } = (await login.json()) as { token: string };
      const changed = await fetch(`${a.url}/v1/rules/velocity-device-burst/shadow`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(changed.status).toBe(200);
      const { ruleSetVersion } = (await changed.json()) as { ruleSetVersion: string };
      expect(ruleSetVersion).not.toBe(before);
      const started = performance.now();
      while ((await version(b.url)) !== ruleSetVersion) {
        expect(performance.now() - started, 'node B still runs the old rule set').toBeLessThan(1000);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
