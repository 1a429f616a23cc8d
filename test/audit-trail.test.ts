import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/*
 * Who did what, in ClickHouse's audit_log: each operator action leaves a row with
 * actor, role, action, target and outcome. Covered elsewhere, and not repeated here:
 * report runs (test/reports.test.ts, "writes every run to the audit log..."), SQL
 * (test/sql.test.ts, the sql.query rows), participant analytics (test/analytics.test.ts),
 * backtests (test/backtest.test.ts) and report schedules (test/report-schedules.test.ts).
 */

interface AuditRow {
  actor: string;
  actor_role: string;
  action: string;
  target: string;
  outcome: string;
  details: Record<string, any>;
}

describe('audit trail', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  const tokens: Record<string, string> = {};
  const passwordOf = (username: string) => devCredentials().users.find((u) => u.username === username)!.password;
  const run = randomUUID().slice(0, 8);

  const login = (username: string, password: string) => platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } });
  const op = (username: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    platform.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[username]}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });

  /** The audit rows of `action` on `target`, oldest first, once there are `count` of them. */
  const rows = async (action: string, target: string, count: number): Promise<AuditRow[]> =>
    eventually(
      async () =>
        (await (await platform.clickhouse.client.query({
          query: 'SELECT actor, actor_role, action, target, outcome, details FROM cpg.audit_log WHERE action = {action:String} AND target = {target:String} ORDER BY at, event_id',
          query_params: { action, target },
          format: 'JSONEachRow',
        })).json<Omit<AuditRow, 'details'> & { details: string }>()).map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, any> })),
      (found) => found.length >= count,
      10_000,
    );

  beforeAll(async () => {
    platform = await startTestPlatform();
    for (const username of ['risk.officer', 'admin']) tokens[username] = (await login(username, passwordOf(username))).json().token;
  });
  afterAll(async () => platform?.stop());

  it('records every login with who tried: allowed, a wrong password, an unknown user, a throttled one', async () => {
    expect((await login('compliance', passwordOf('compliance'))).statusCode).toBe(200);
    expect((await login('compliance', 'not-the-password')).statusCode).toBe(401);
    const stranger = `stranger-${run}`;
    for (let i = 0; i < 5; i++) expect((await login(stranger, 'guess')).statusCode).toBe(401);
    expect((await login(stranger, 'guess')).json().error.code).toBe('LOGIN_THROTTLED');

    const compliance = await rows('login', 'compliance', 2);
    expect(compliance.map(({ actor, actor_role, outcome }) => ({ actor, actor_role, outcome }))).toEqual([
      { actor: 'compliance', actor_role: 'compliance', outcome: 'ok' },
      { actor: 'compliance', actor_role: '', outcome: 'denied' },
    ]);
    const strangers = await rows('login', stranger, 6);
    expect(strangers.every((r) => r.actor === stranger && r.actor_role === '' && r.outcome === 'denied')).toBe(true);
    expect(strangers.map((r) => r.details.reason ?? 'wrong').sort()).toEqual(['throttled', 'wrong', 'wrong', 'wrong', 'wrong', 'wrong']);
  });

  it('records a new rule version and each change of mode, by whom', async () => {
    const id = 'velocity-pair-repeat';
    const { rule } = (await op('risk.officer', 'GET', `/v1/rules/${id}`)).json();
    const { version, createdAt: _c, createdBy: _b, ...editable } = rule;
    const put = await op('risk.officer', 'PUT', `/v1/rules/${id}`, { ...editable, description: `${editable.description} (audit trail ${run})` });
    expect(put.statusCode, put.body).toBe(200);
    for (const [action, by] of [['shadow', 'risk.officer'], ['disable', 'admin'], ['enable', 'admin']] as const) {
      expect((await op(by, 'POST', `/v1/rules/${id}/${action}`)).statusCode).toBe(200);
    }

    const [written] = await rows('rule.put', `rule:${id}`, 1);
    expect(written).toMatchObject({ actor: 'risk.officer', actor_role: 'risk_officer', outcome: 'ok', details: { version: version + 1 } });
    const modes = await rows('rule.mode', `rule:${id}`, 3);
    // Rows of one millisecond come back in any order: compare as a set.
    const seen = modes.map(({ actor, actor_role, outcome, details }) => ({ actor, actor_role, outcome, from: details.from, to: details.to }));
    expect(seen).toHaveLength(3);
    expect(seen).toEqual(expect.arrayContaining([
      { actor: 'risk.officer', actor_role: 'risk_officer', outcome: 'ok', from: 'enforce', to: 'shadow' },
      { actor: 'admin', actor_role: 'admin', outcome: 'ok', from: 'shadow', to: 'off' },
      { actor: 'admin', actor_role: 'admin', outcome: 'ok', from: 'off', to: 'enforce' },
    ]));
  });

  it('records list changes with the values added and removed', async () => {
    const device = `siam-wallet:audit-device-${run}`;
    expect((await op('risk.officer', 'POST', '/v1/lists/blocked-devices', { values: [device] })).statusCode).toBe(200);
    expect((await op('admin', 'POST', '/v1/lists/blocked-devices/remove', { values: [device] })).statusCode).toBe(200);

    const [added] = (await rows('risk-list.add', 'list:blocked-devices', 1)).filter((r) => r.details.values.includes(device));
    expect(added).toMatchObject({ actor: 'risk.officer', actor_role: 'risk_officer', outcome: 'ok', details: { values: [device], added: 1 } });
    const [removed] = (await rows('risk-list.remove', 'list:blocked-devices', 1)).filter((r) => r.details.values.includes(device));
    expect(removed).toMatchObject({ actor: 'admin', actor_role: 'admin', outcome: 'ok', details: { values: [device], removed: 1 } });
  });

  it('records refused changes and reaches beyond a role as denied, with the code and who', async () => {
    const invalid = await op('risk.officer', 'PUT', `/v1/rules/audit-bad-${run}`, { id: `audit-bad-${run}`, priority: 0 });
    expect(invalid.statusCode).toBe(400);
    const [rule] = await rows('rule.put', `rule:audit-bad-${run}`, 1);
    expect(rule).toMatchObject({ actor: 'risk.officer', actor_role: 'risk_officer', outcome: 'denied', details: { code: invalid.json().error.code } });

    const badValue = await op('admin', 'POST', '/v1/lists/sanctioned-countries', { values: ['not a country'] });
    expect(badValue.statusCode).toBe(400);
    const [list] = (await rows('risk-list.add', 'list:sanctioned-countries', 1)).filter((r) => r.outcome === 'denied');
    expect(list).toMatchObject({ actor: 'admin', outcome: 'denied', details: { code: badValue.json().error.code } });

    tokens.compliance = (await login('compliance', passwordOf('compliance'))).json().token;
    const forbidden = await op('compliance', 'PUT', '/v1/rules/velocity-device-burst', {});
    expect(forbidden.statusCode).toBe(403);
    const [reach] = await rows('forbidden', 'PUT /v1/rules/:id', 1);
    expect(reach).toMatchObject({ actor: 'compliance', actor_role: 'compliance', outcome: 'denied', details: { needs: ['risk_officer', 'admin'] } });
  });

  it('records acknowledging, assigning and resolving an alert, and a refused action as denied', async () => {
    // A payment from a blocked wallet is declined and raises an alert.
    const wallet = `audit-wallet-${run}`;
    expect((await op('risk.officer', 'POST', '/v1/lists/blocked-wallets', { values: [`siam-wallet:${wallet}`] })).statusCode).toBe(200);
    const qr = await merchantQrs(platform.app);
    const paid = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: `audit-${run}`, qr: { payload: qr['m-cn-0001'] }, amount: { value: '30.00', currency: 'CNY' }, payer: { walletId: wallet, country: 'TH' } },
    });
    expect(paid.body.status).toBe('DECLINED');
    const alert = await eventually(
      async () => ((await op('risk.officer', 'GET', '/v1/alerts?participant=siam-wallet&limit=100')).json().alerts as Array<{ id: string; paymentId: string }>).find((a) => a.paymentId === paid.body.paymentId),
      (a) => a !== undefined,
      15_000,
    );
    const id = alert!.id;
    expect((await op('risk.officer', 'POST', `/v1/alerts/${id}/ack`)).statusCode).toBe(200);
    expect((await op('risk.officer', 'POST', `/v1/alerts/${id}/assign`, { to: 'admin' })).statusCode).toBe(200);
    expect((await op('admin', 'POST', `/v1/alerts/${id}/resolve`, { disposition: 'fraud', note: 'audit trail' })).statusCode).toBe(200);
    const again = await op('risk.officer', 'POST', `/v1/alerts/${id}/resolve`, { disposition: 'legitimate', note: 'too late' });
    expect(again.json().error.code).toBe('ALERT_ALREADY_RESOLVED');

    const trail = (await Promise.all(['alert.ack', 'alert.assign', 'alert.resolve'].map((action) => rows(action, id, action === 'alert.resolve' ? 2 : 1)))).flat();
    const seen = trail.map(({ actor, actor_role, action, outcome, details }) => ({ actor, actor_role, action, outcome, details }));
    expect(seen).toHaveLength(4);
    expect(seen).toEqual(expect.arrayContaining([
      { actor: 'risk.officer', actor_role: 'risk_officer', action: 'alert.ack', outcome: 'ok', details: {} },
      { actor: 'risk.officer', actor_role: 'risk_officer', action: 'alert.assign', outcome: 'ok', details: { to: 'admin' } },
      { actor: 'admin', actor_role: 'admin', action: 'alert.resolve', outcome: 'ok', details: { disposition: 'fraud', note: 'audit trail' } },
      {
        actor: 'risk.officer', actor_role: 'risk_officer', action: 'alert.resolve', outcome: 'denied',
        details: expect.objectContaining({ code: 'ALERT_ALREADY_RESOLVED' }),
      },
    ]));
  });

  it('answers an audited action while ClickHouse does not take its entry, and lands the entry once it does', async () => {
    const ch = platform.clickhouse.client;
    const away = `away-${run}`;
    await ch.command({ query: 'RENAME TABLE cpg.audit_log TO cpg.audit_log_away' });
    let answered: number[];
    try {
      answered = [(await login(away, 'guess')).statusCode, (await login(away, 'guess-again')).statusCode];
    } finally {
      await ch.command({ query: 'RENAME TABLE cpg.audit_log_away TO cpg.audit_log' });
    }
    // Refused as a wrong password, not failed for want of an audit table.
    expect(answered).toEqual([401, 401]);
    const landed = await rows('login', away, 2);
    expect(landed.map(({ actor, outcome }) => ({ actor, outcome }))).toEqual([
      { actor: away, outcome: 'denied' },
      { actor: away, outcome: 'denied' },
    ]);
  });
});
