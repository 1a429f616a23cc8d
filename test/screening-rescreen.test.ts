import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertStore } from '../analytics/alerts/alert-store.ts';
import type { Alert } from '../analytics/alerts/alert.ts';
import type { ListEntity } from '../screening/list-entity.ts';
import { createLiveScreening, type LiveScreening } from '../screening/live-screening.ts';
import { inProcessScreening } from '../screening/screening-service.ts';
import { readListText } from '../screening/read-list.ts';
import { ALERT_EVENTS_STREAM } from '../server/capabilities/alerting.ts';
import { createAllowances, type Allowances } from '../server/screening/allowances.ts';
import { MERCHANT_SCREENING_RULE_ID, rescreenMerchants, startRescreening, type ScreenedMerchant } from '../server/screening/rescreen-merchants.ts';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';
import { eventually } from './support/traffic.ts';

/**
 * Merchants screened again when a list version is installed, on two processes sharing the
 * platform's Redis (each with its own connections, alert store, allowances and screening):
 * one alert per merchant hit, read through the operator API, never two for the same
 * (merchant, entity, list version), and none for a merchant with an allowance.
 */
const MERCHANTS: ScreenedMerchant[] = [
  { id: 'm-screen-wagner', name: 'PMC Wagner' },
  { id: 'm-screen-noodles', name: 'Harbour Noodle House' },
  // Both its names hit the same entity: one alert.
  { id: 'm-screen-rosneft', name: 'Rosneft Oil Company', localName: 'Роснефть' },
];
const ALLOWED: ScreenedMerchant = { id: 'm-screen-allowed', name: 'Wagner Group' };

interface Node {
  redis: Redis;
  screening: LiveScreening;
  allowances: Allowances;
  rescreening: ReturnType<typeof startRescreening>;
  deps: Parameters<typeof rescreenMerchants>[0];
}

describe('merchant re-screening', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let entities: ListEntity[];
  const nodes: Node[] = [];
  let token: string;

  const merchantAlerts = async (): Promise<Alert[]> => {
    const r = await platform.app.inject({ method: 'GET', url: `/v1/alerts?rule=${MERCHANT_SCREENING_RULE_ID}`, headers: { authorization: `Bearer ${token}` } });
    expect(r.statusCode).toBe(200);
    return (r.json().alerts as Alert[]).sort((a, b) => a.merchantId.localeCompare(b.merchantId));
  };

  async function startNode(merchants: ScreenedMerchant[]): Promise<Node> {
    const redis = new Redis(platform.redisUrl);
    const alerts = createAlertStore({
      redis,
      alertScore: 600,
      groupWindowMs: 600_000,
      retentionMs: 24 * 3600_000,
      appendEvent: async (e) => void (await redis.xadd(ALERT_EVENTS_STREAM, '*', 'a', JSON.stringify(e))),
    });
    const screening = createLiveScreening();
    const service = inProcessScreening(screening);
    const allowances = await createAllowances(redis);
    service.setAllowances(allowances.isAllowed);
    const publish = () => undefined;
    const log = { info: () => undefined, error: (o: object, m: string) => console.error(m, o) };
    const rescreening = startRescreening({ redis, screening: service, alerts, publish, allowances, merchants, log });
    const node = { redis, screening, allowances, rescreening, deps: { redis, screening: service, alerts, publish, isAllowed: allowances.isAllowed } };
    nodes.push(node);
    return node;
  }

  beforeAll(async () => {
    platform = await startTestPlatform();
    const officer = devCredentials().users.find((u) => u.role === 'risk_officer')!;
    token = (await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: officer.username, password: officer.password } })).json().token;
    const list = readListText(readFileSync(path.join(repoRoot, 'screening/lists/sample.ftm.ndjson'), 'utf8'));
    if (!list.ok) throw new Error(list.error.message);
    entities = list.value.entities;
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) {
      await node.rescreening.stop();
      await node.allowances.close();
      await node.redis.quit();
    }
    await platform?.stop();
  });

  it('raises one alert per merchant hit when a version is installed, not two on a second process, a repeat or a restart', async () => {
    const [a, b] = [await startNode(MERCHANTS), await startNode(MERCHANTS)];
    a.screening.install('sample', 1, entities);
    b.screening.install('sample', 1, entities);
    const alerts = await eventually(merchantAlerts, (found) => found.length >= 2, 5000);
    await Promise.all([a.rescreening.idle(), b.rescreening.idle()]);
    expect((await merchantAlerts()).map((x) => [x.merchantId, x.kind, x.severity, x.count, x.participant, x.reasons[0]?.message])).toEqual([
      ['m-screen-rosneft', 'monitor', 'critical', 1, '', 'merchant m-screen-rosneft "Rosneft Oil Company" matches sanctioned entity cpg-sample-rosneft ("Rosneft Oil Company") on list sample version 1, score 1.00'],
      ['m-screen-wagner', 'monitor', 'critical', 1, '', 'merchant m-screen-wagner "PMC Wagner" matches sanctioned entity cpg-sample-pmc-wagner ("PMC Wagner") on list sample version 1, score 1.00'],
    ]);
    expect(alerts[0]!.reasons[0]).toMatchObject({ scope: 'merchant', subject: 'm-screen-rosneft', entityId: 'cpg-sample-rosneft', list: 'sample', version: 1 });

    // A repeat, and a process starting on the same version, raise nothing.
    expect((await rescreenMerchants(a.deps, MERCHANTS)).raised).toEqual([]);
    const c = await startNode(MERCHANTS);
    c.screening.install('sample', 1, entities);
    // Absence is what is asserted: wait past the poll, then for its pass.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await c.rescreening.idle();
    expect((await merchantAlerts()).map((x) => [x.merchantId, x.count])).toEqual([['m-screen-rosneft', 1], ['m-screen-wagner', 1]]);

    // A new version's hit counts once into the merchant's open alert, whichever processes see it.
    for (const node of [a, b, c]) node.screening.install('sample', 2, entities);
    await eventually(merchantAlerts, (found) => found.every((x) => x.count === 2), 5000);
    await Promise.all([a, b, c].map((n) => n.rescreening.idle()));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await merchantAlerts()).map((x) => [x.merchantId, x.count])).toEqual([['m-screen-rosneft', 2], ['m-screen-wagner', 2]]);
  }, 60_000);

  it("raises none for a merchant with an allowance on the entity, and raises it once the allowance is removed", async () => {
    const created = await platform.app.inject({
      method: 'POST',
      url: '/v1/screening/allowances',
      headers: { authorization: `Bearer ${token}` },
      payload: { subject: `merchant:${ALLOWED.id}`, entityId: 'cpg-sample-pmc-wagner', reason: 'a music shop named after the composer', expiresAt: new Date(Date.now() + 90 * 24 * 3600_000).toISOString() },
    });
    expect(created.statusCode).toBe(201);
    const node = await startNode([ALLOWED]);
    await eventually(() => node.allowances.isAllowed(`merchant:${ALLOWED.id}`, 'cpg-sample-pmc-wagner', Date.now()), (allowed) => allowed, 1000);
    node.screening.install('sample', 3, entities);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await node.rescreening.idle();
    expect((await merchantAlerts()).map((x) => x.merchantId)).not.toContain(ALLOWED.id);

    const removed = await platform.app.inject({ method: 'DELETE', url: `/v1/screening/allowances/${created.json().allowance.id}`, headers: { authorization: `Bearer ${token}` } });
    expect(removed.statusCode).toBe(200);
    const alerts = await eventually(merchantAlerts, (found) => found.some((x) => x.merchantId === ALLOWED.id), 3000);
    expect(alerts.find((x) => x.merchantId === ALLOWED.id)?.reasons[0]).toMatchObject({ entityId: 'cpg-sample-pmc-wagner', version: 3 });
  }, 60_000);

  it("screens the registry's merchants on the platform when a list is uploaded: one alert, counted once more by the next version", async () => {
    const admin = devCredentials().users.find((u) => u.role === 'admin')!;
    const adminToken = (await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: admin.username, password: admin.password } })).json().token;
    // m-cn-0005 of the development registry, "Huaqiang Electronics" (华强电子 in its QR's alternate-language template).
    const list = JSON.stringify({ id: 'ops-test-huaqiang', schema: 'Company', properties: { name: ['华强电子'] }, topics: ['sanction'] }) + '\n';
    const upload = () =>
      platform.app.inject({ method: 'PUT', url: '/v1/screening/lists/ops-test', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/x-ndjson' }, payload: list });
    const first = await upload();
    expect(first.statusCode, first.body).toBe(200);
    const onMerchant = async () => (await merchantAlerts()).filter((x) => x.merchantId === 'm-cn-0005');
    const raised = await eventually(onMerchant, (found) => found.length === 1, 5000);
    expect(raised[0]!.reasons[0]).toMatchObject({ entityId: 'ops-test-huaqiang', list: 'ops-test', version: first.json().version });

    const second = await upload();
    expect(second.statusCode).toBe(200);
    await eventually(onMerchant, (found) => found.length === 1 && found[0]!.count === 2, 5000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await onMerchant()).map((x) => x.count)).toEqual([2]);
  }, 60_000);
});
