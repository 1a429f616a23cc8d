import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_QUEUE } from '../server/capabilities/change-sets.ts';
import { logInEveryone, startTestPlatform } from './support/platform.ts';
import { eventually } from './support/traffic.ts';

/**
 * The emergency path over HTTP on the whole platform: an admin makes a change set live alone,
 * marked so and alerted until a second officer ratifies it; a change through the direct rule
 * routes is recorded the same way; past its due time an unratified change raises a critical
 * alert.
 */
describe('change sets: the emergency path and approval after the fact', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startTestPlatform();
    Object.assign(tokens, await logInEveryone(platform.app));
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const op = async (username: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const r = await platform.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[username]}` }, ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: r.json() as any };
  };
  const governanceAlerts = async () => (await op('risk.officer', 'GET', '/v1/alerts?rule=governance.unratified-change&limit=100')).body.alerts as Array<{ severity: string; reasons: Array<{ message: string }> }>;

  it('an admin makes a set live alone: marked, alerted, ratified by another officer only', async () => {
    const drafted = await op('admin', 'POST', '/v1/change-sets', { title: 'Probing wave: structuring rule to shadow now', changes: [{ kind: 'mode', ruleId: 'structuring', mode: 'shadow' }] });
    expect(drafted.status).toBe(201);
    const id = drafted.body.id as string;
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${id}/emergency`, { reason: 'x' })).status).toBe(403);
    const before = Date.now();
    const live = await op('admin', 'POST', `/v1/change-sets/${id}/emergency`, { reason: 'a probing wave is declining good customers right now' });
    expect(live, JSON.stringify(live.body)).toMatchObject({ status: 200, body: { state: 'applied', emergency: true, activatedBy: 'admin', approvedBy: '', emergencyReason: 'a probing wave is declining good customers right now' } });
    expect(Date.parse(live.body.ratifyBy) - before).toBeGreaterThanOrEqual(24 * 3600_000);
    expect((await op('risk.officer', 'GET', '/v1/rules/structuring')).body.rule.mode).toBe('shadow');
    expect(await eventually(platform.risk.stats, (s) => s.ruleSetVersion === live.body.ruleSetVersion, 1000)).toBeTruthy();
    expect((await op('compliance', 'GET', '/v1/change-sets/awaiting-ratification')).body.changeSets.map((s: any) => s.id)).toContain(id);
    const alert = (await governanceAlerts()).find((a) => a.reasons[0]!.message.includes(id));
    expect(alert).toMatchObject({ severity: 'high' });
    // Its author, who also made it live, cannot ratify it; a risk officer can, once.
    expect((await op('admin', 'POST', `/v1/change-sets/${id}/ratify`)).body.error.code).toBe('FOUR_EYES_REQUIRED');
    expect(await op('risk.officer', 'POST', `/v1/change-sets/${id}/ratify`)).toMatchObject({ status: 200, body: { approvedBy: 'risk.officer', emergency: true } });
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${id}/ratify`)).body.error.code).toBe('CHANGE_SET_ILLEGAL_TRANSITION');
    expect((await op('admin', 'GET', '/v1/change-sets/awaiting-ratification')).body.changeSets.map((s: any) => s.id)).not.toContain(id);
    // A set applied the ordinary way needs no ratification.
    expect((await op('admin', 'POST', `/v1/change-sets/${id}/emergency`, { reason: 'again' })).body.error.code).toBe('CHANGE_SET_ILLEGAL_TRANSITION');
  });

  it('records a direct rule change for ratification, and raises a critical alert when it is overdue', async () => {
    const changed = await op('risk.officer', 'POST', '/v1/rules/high-risk-mcc-night/shadow');
    expect(changed.status).toBe(200);
    const waiting = (await op('admin', 'GET', '/v1/change-sets/awaiting-ratification')).body.changeSets as any[];
    const set = waiting.find((s) => s.direct && s.changes[0].ruleId === 'high-risk-mcc-night');
    expect(set).toMatchObject({ author: 'risk.officer', activatedBy: 'risk.officer', state: 'applied', ruleSetVersion: changed.body.ruleSetVersion, changes: [{ kind: 'mode', mode: 'shadow' }] });
    // Setting the mode it already has changes nothing and records nothing.
    expect((await op('risk.officer', 'POST', '/v1/rules/high-risk-mcc-night/shadow')).status).toBe(200);
    expect((await op('admin', 'GET', '/v1/change-sets/awaiting-ratification')).body.changeSets.length).toBe(waiting.length);

    // Its due time comes (the job promoted instead of waiting a day): the critical alert.
    const connection = new Redis(platform.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(ACTIVATION_QUEUE, { connection });
    try {
      await (await queue.getJob(`ratify-due-${set.id}`))!.promote();
      const overdue = await eventually(governanceAlerts, (alerts) => alerts.some((a) => a.severity === 'critical' && a.reasons[0]!.message.includes(set.id)), 10_000);
      expect(overdue.find((a) => a.severity === 'critical')!.reasons[0]!.message).toContain('is still not approved');
    } finally {
      await queue.close();
      connection.disconnect();
    }
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${set.id}/ratify`)).body.error.code).toBe('FOUR_EYES_REQUIRED');
    expect((await op('admin', 'POST', `/v1/change-sets/${set.id}/ratify`)).status).toBe(200);
  });
});
