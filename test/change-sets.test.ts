import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRiskEngine, type RiskEngine } from '../rules/index.ts';
import { logInEveryone, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * Rule changes through change sets, over HTTP on the whole platform: drafted by one risk
 * officer, submitted, refused to its author, approved by another officer, and live at once as
 * one rule-set version on this process and on a second engine sharing its Redis.
 */

const PEP = '习近平';

describe('change sets: four eyes on rule changes', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let qr: Record<string, string>;
  let other: { redis: Redis; engine: RiskEngine };
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startTestPlatform();
    qr = await merchantQrs(platform.app);
    Object.assign(tokens, await logInEveryone(platform.app));
    // A second node's engine: the same Redis, its own rule set, following the rules channel.
    const redis = new Redis(platform.redisUrl, { maxRetriesPerRequest: 1 });
    const engine = await createRiskEngine({ redis, thresholds: { review: 400, decline: 700 }, deadlineMs: 1000, fallback: { approveBelowUsd: 50, otherwise: 'review' }, cnyPerUsd: '7.12' });
    other = { redis, engine };
  }, 120_000);
  afterAll(async () => {
    await other?.engine.close();
    other?.redis.disconnect();
    await platform?.stop();
  });

  const op = async (username: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const r = await platform.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[username]}` }, ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: r.json() as any };
  };
  /** An ordinary payment (a new wallet and device) at one merchant: its answer. */
  const payAt = async (merchant: string) =>
    (
      await signed(platform.app, {
        participant: 'siam-wallet',
        method: 'POST',
        path: '/v1/payments',
        body: { txnId: randomUUID(), qr: { payload: qr[merchant] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: `w-${randomUUID()}`, deviceId: `d-${randomUUID()}`, country: 'TH' } },
      })
    ).body;
  const payAsPep = async () =>
    (
      await signed(platform.app, {
        participant: 'siam-wallet',
        method: 'POST',
        path: '/v1/payments',
        body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: `w-${randomUUID()}`, name: PEP, deviceId: `d-${randomUUID()}`, country: 'TH' } },
      })
    ).body;

  it('goes live only once another officer approves it, as one rule-set version on every node within a second', async () => {
    const large = (await op('risk.officer', 'GET', '/v1/rules/large-value-single')).body.rule;
    const { version: largeVersion, createdAt: _c, createdBy: _b, ...largeBody } = large;
    const changes = [
      { kind: 'mode', ruleId: 'screening-payer-pep', mode: 'off' },
      { kind: 'rule', rule: { ...largeBody, description: `${largeBody.description} (reviewed in a change set)` } },
    ];
    const drafted = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'PEP hits to the case queue only; large-value wording', changes });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    const id = drafted.body.id as string;
    expect(drafted.body).toMatchObject({ state: 'draft', author: 'risk.officer', base: { 'screening-payer-pep': expect.any(Number), 'large-value-single': largeVersion } });

    // The approver's view: each change next to the live rule.
    const view = (await op('admin', 'GET', `/v1/change-sets/${id}`)).body;
    expect(view.diff.map((d: any) => [d.ruleId, d.kind, d.fields])).toEqual([
      ['screening-payer-pep', 'mode', ['mode']],
      ['large-value-single', 'rule', ['description']],
    ]);

    // Nothing is live before approval: a PEP payer is still reviewed.
    expect((await payAsPep()).risk.decision).toBe('review');
    expect(await op('risk.officer', 'POST', `/v1/change-sets/${id}/approve`)).toMatchObject({ status: 409, body: { error: { code: 'CHANGE_SET_ILLEGAL_TRANSITION' } } });
    expect(await op('admin', 'POST', `/v1/change-sets/${id}/submit`, {})).toMatchObject({ status: 403, body: { error: { code: 'CHANGE_SET_NOT_AUTHOR' } } });
    const submitted = await op('risk.officer', 'POST', `/v1/change-sets/${id}/submit`, { backtestJobId: 'job-of-the-author', window: { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' } });
    expect(submitted).toMatchObject({ status: 200, body: { state: 'submitted', evidence: { backtestJobId: 'job-of-the-author' } } });
    expect(await op('risk.officer', 'POST', `/v1/change-sets/${id}/approve`)).toMatchObject({ status: 403, body: { error: { code: 'FOUR_EYES_REQUIRED' } } });
    expect(await op('compliance', 'POST', `/v1/change-sets/${id}/approve`)).toMatchObject({ status: 403 });

    const before = Number(platform.risk.stats().ruleSetVersion.slice(3));
    const approved = await op('admin', 'POST', `/v1/change-sets/${id}/approve`);
    const approvedAt = Date.now();
    expect(approved).toMatchObject({ status: 200, body: { state: 'applied', approvedBy: 'admin', ruleSetVersion: `rs-${before + 1}` } });
    // Both changes in one version, on this node and the other within a second.
    await eventually(async () => [platform.risk.stats().ruleSetVersion, other.engine.stats().ruleSetVersion], (v) => v.every((x) => x === `rs-${before + 1}`), 1000);
    expect(Date.now() - approvedAt).toBeLessThan(1000);
    expect((await payAsPep()).risk.decision).toBe('approve');
    // Every rule the set wrote compiles into the running set: none left out.
    expect(platform.risk.stats().rejectedRules).toEqual([]);
    expect(other.engine.stats().rejectedRules).toEqual([]);
    const rule = (await op('risk.officer', 'GET', '/v1/rules/large-value-single')).body.rule;
    expect(rule).toMatchObject({ version: largeVersion + 1, createdBy: 'risk.officer', approvedBy: 'admin', changeSet: id });
    expect(await op('admin', 'POST', `/v1/change-sets/${id}/approve`)).toMatchObject({ status: 409, body: { error: { code: 'CHANGE_SET_ILLEGAL_TRANSITION' } } });
    const audit = await eventually(
      async () => (await platform.clickhouse.client.query({ query: "SELECT actor, action, outcome FROM cpg.audit_log WHERE target = {id:String} ORDER BY at", query_params: { id }, format: 'JSONEachRow' })).json<{ actor: string; action: string; outcome: string }>(),
      (rows) => rows.some((r) => r.action === 'changeset.approve' && r.outcome === 'ok'),
      10_000,
    );
    expect(audit.map((r) => `${r.action}:${r.actor}:${r.outcome}`)).toEqual(expect.arrayContaining(['changeset.draft:risk.officer:ok', 'changeset.submit:risk.officer:ok', 'changeset.approve:risk.officer:denied', 'changeset.approve:admin:ok']));
  });

  it('refuses a second open set on the same rule, a malformed rule, and a set whose rules moved since; changes nothing', async () => {
    const first = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'night MCC in shadow', changes: [{ kind: 'mode', ruleId: 'high-risk-mcc-night', mode: 'shadow' }] });
    expect(first.status).toBe(201);
    expect(await op('admin', 'POST', '/v1/change-sets', { title: 'night MCC off', changes: [{ kind: 'mode', ruleId: 'high-risk-mcc-night', mode: 'off' }] })).toMatchObject({
      status: 409,
      body: { error: { code: 'CHANGE_SET_CONFLICT', message: expect.stringContaining(first.body.id) } },
    });
    const count = (await op('risk.officer', 'GET', '/v1/change-sets')).body.changeSets.length;
    const malformed = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'bad', changes: [{ kind: 'rule', rule: { id: 'bad-rule', description: 'x', typology: 'x', priority: 5, mode: 'enforce', when: { fact: 'no.such.fact', gt: 1 }, then: { score: 10, reason: 'x' } } }] });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'RULE_INVALID']);
    expect(malformed.body.error.message).toContain('/changes/0/rule');
    expect((await op('risk.officer', 'POST', '/v1/change-sets', { title: 'twice', changes: [{ kind: 'mode', ruleId: 'structuring', mode: 'off' }, { kind: 'mode', ruleId: 'structuring', mode: 'shadow' }] })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await op('risk.officer', 'POST', '/v1/change-sets', { title: 'unknown', changes: [{ kind: 'mode', ruleId: 'no-such-rule', mode: 'off' }] })).body.error.code).toBe('RULE_NOT_FOUND');
    expect((await op('risk.officer', 'GET', '/v1/change-sets')).body.changeSets.length).toBe(count);

    // The rule moves under the submitted set (an emergency change through the rule routes): it cannot go live.
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${first.body.id}/submit`, {})).status).toBe(200);
    expect((await op('admin', 'POST', '/v1/rules/high-risk-mcc-night/disable')).status).toBe(200);
    const live = (await op('risk.officer', 'GET', '/v1/rules/high-risk-mcc-night')).body.rule;
    const put = await op('admin', 'PUT', '/v1/rules/high-risk-mcc-night', (({ version: _v, createdAt: _c, createdBy: _b, ...body }) => body)(live));
    expect(put.status).toBe(200);
    const stale = await op('admin', 'POST', `/v1/change-sets/${first.body.id}/approve`);
    expect([stale.status, stale.body.error.code]).toEqual([409, 'CHANGE_SET_STALE']);
    expect((await op('risk.officer', 'GET', '/v1/rules/high-risk-mcc-night')).body.rule.mode).toBe('off');
    // Sent back, discarded by its author: the rule is free for another set.
    expect(await op('admin', 'POST', `/v1/change-sets/${first.body.id}/return`, { comment: 'drafted against an older version' })).toMatchObject({ status: 200, body: { state: 'returned' } });
    expect(await op('risk.officer', 'POST', `/v1/change-sets/${first.body.id}/discard`)).toMatchObject({ status: 200, body: { state: 'discarded' } });
    expect((await op('admin', 'POST', '/v1/change-sets', { title: 'night MCC back on', changes: [{ kind: 'mode', ruleId: 'high-risk-mcc-night', mode: 'enforce' }] })).status).toBe(201);
    expect((await op('siam.analyst', 'GET', '/v1/change-sets')).status).toBe(403);
  });

  it('changes the decision thresholds through a change set, and decisions follow without a restart', async () => {
    const approveNow = async (title: string, changes: object[]) => {
      const drafted = await op('risk.officer', 'POST', '/v1/change-sets', { title, changes });
      expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
      expect((await op('risk.officer', 'POST', `/v1/change-sets/${drafted.body.id}/submit`, {})).status).toBe(200);
      const approved = await op('admin', 'POST', `/v1/change-sets/${drafted.body.id}/approve`);
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      await eventually(async () => platform.risk.stats().ruleSetVersion, (v) => v === approved.body.ruleSetVersion, 1000);
      return drafted.body.id as string;
    };
    // A rule worth 450 at one merchant: reviewed under the seeded thresholds (review 400, decline 700).
    await approveNow('probe rule', [
      { kind: 'rule', rule: { id: 'cs-probe-merchant', description: 'a probe for the thresholds', typology: 'probe', priority: 5, mode: 'enforce', when: { fact: 'merchant.id', eq: 'm-cn-0004' }, then: { score: 450, reason: 'probe' } } },
    ]);
    expect((await payAt('m-cn-0004')).risk).toMatchObject({ score: 450, decision: 'review' });
    expect(platform.risk.stats().rejectedRules).toEqual([]);

    const drafted = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'stricter decline', changes: [{ kind: 'thresholds', review: 300, decline: 450 }] });
    expect(drafted.status).toBe(201);
    const view = (await op('admin', 'GET', `/v1/change-sets/${drafted.body.id}`)).body;
    expect(view.diff).toEqual([{ ruleId: '@thresholds', kind: 'thresholds', live: { review: 400, decline: 700 }, proposed: { review: 300, decline: 450 }, fields: ['review', 'decline'] }]);
    expect((await op('admin', 'POST', '/v1/change-sets', { title: 'other thresholds', changes: [{ kind: 'thresholds', review: 500, decline: 800 }] })).body.error.code).toBe('CHANGE_SET_CONFLICT');
    expect((await op('admin', 'POST', '/v1/change-sets', { title: 'bad thresholds', changes: [{ kind: 'thresholds', review: 800, decline: 500 }] })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${drafted.body.id}/submit`, {})).status).toBe(200);
    const approved = await op('admin', 'POST', `/v1/change-sets/${drafted.body.id}/approve`);
    expect(approved.status).toBe(200);
    await eventually(async () => [platform.risk.stats().ruleSetVersion, other.engine.stats().ruleSetVersion], (v) => v.every((x) => x === approved.body.ruleSetVersion), 1000);
    // The same payment is now declined, on this node; the other engine decides with the same thresholds.
    expect((await payAt('m-cn-0004')).risk).toMatchObject({ score: 450, decision: 'decline' });
    expect(await platform.redis.hgetall('risk:thresholds')).toEqual({ review: '300', decline: '450' });

    // The deadline and the failure policy, from the configuration until a change set sets them.
    expect(platform.risk.stats()).toMatchObject({ deadlineMs: 1000, fallback: { approveBelowUsd: 500, otherwise: 'review' } });
    const policy = { kind: 'thresholds', review: 300, decline: 450, deadlineMs: 150, fallback: { approveBelowUsd: 20, otherwise: 'decline' } };
    expect((await op('risk.officer', 'POST', '/v1/change-sets', { title: 'bad deadline', changes: [{ ...policy, deadlineMs: 0 }] })).body.error.message).toContain('/deadlineMs');
    expect((await op('risk.officer', 'POST', '/v1/change-sets', { title: 'bad fallback', changes: [{ ...policy, fallback: { approveBelowUsd: 20, otherwise: 'approve' } }] })).body.error.message).toContain('/fallback');
    const policySet = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'tighter deadline, declining fallback', changes: [policy] });
    expect((await op('admin', 'GET', `/v1/change-sets/${policySet.body.id}`)).body.diff[0]).toMatchObject({ live: { review: 300, decline: 450 }, fields: ['deadlineMs', 'fallback'] });
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${policySet.body.id}/submit`, {})).status).toBe(200);
    const policyLive = await op('admin', 'POST', `/v1/change-sets/${policySet.body.id}/approve`);
    expect(policyLive.status).toBe(200);
    await eventually(async () => [platform.risk.stats(), other.engine.stats()], (s) => s.every((x) => x.ruleSetVersion === policyLive.body.ruleSetVersion), 1000);
    for (const engine of [platform.risk, other.engine]) expect(engine.stats()).toMatchObject({ deadlineMs: 150, fallback: { approveBelowUsd: 20, otherwise: 'decline' } });
    // A later thresholds change that leaves them out leaves them as they are.
    await approveNow('thresholds restated', [{ kind: 'thresholds', review: 300, decline: 450 }]);
    expect(platform.risk.stats()).toMatchObject({ deadlineMs: 150, fallback: { approveBelowUsd: 20, otherwise: 'decline' } });
    expect((await payAt('m-cn-0004')).risk).toMatchObject({ score: 450, decision: 'decline' });
  });

  it('rolls back to an earlier rule-set version through a change set, and the same payments are decided as then', async () => {
    const payAt = async () =>
      (
        await signed(platform.app, {
          participant: 'siam-wallet',
          method: 'POST',
          path: '/v1/payments',
          body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0004'] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: `w-${randomUUID()}`, deviceId: `d-${randomUUID()}`, country: 'TH' } },
        })
      ).body.risk;
    const then = platform.risk.stats().ruleSetVersion;
    expect(await payAt()).toMatchObject({ score: 450, decision: 'decline' });
    const probe = (await op('risk.officer', 'GET', '/v1/rules/cs-probe-merchant')).body.rule;
    const { version: _v, createdAt: _c, createdBy: _b, approvedBy: _a, changeSet: _s, ...probeBody } = probe;
    // A set that lowers the probe's weight and restores the default thresholds: the same payment is approved.
    const set = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'probe lighter, default thresholds', changes: [{ kind: 'rule', rule: { ...probeBody, then: { ...probeBody.then, score: 100 } } }, { kind: 'thresholds', review: 400, decline: 700 }] });
    expect(set.status, JSON.stringify(set.body)).toBe(201);
    await op('risk.officer', 'POST', `/v1/change-sets/${set.body.id}/submit`, {});
    const applied = await op('admin', 'POST', `/v1/change-sets/${set.body.id}/approve`);
    await eventually(async () => platform.risk.stats().ruleSetVersion, (v) => v === applied.body.ruleSetVersion, 1000);
    expect(await payAt()).toMatchObject({ score: 100, decision: 'approve' });

    // The rollback is a change set like any other: drafted, refused to its author, approved by another.
    const rollback = await op('admin', 'POST', '/v1/change-sets/rollback', { toVersion: then });
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(201);
    expect(rollback.body).toMatchObject({ title: `Roll back to ${then}`, state: 'draft' });
    expect(rollback.body.changes).toEqual([
      { kind: 'rule', rule: expect.objectContaining({ id: 'cs-probe-merchant', then: expect.objectContaining({ score: 450 }) }) },
      // The version's deadline and failure policy come back with its thresholds.
      { kind: 'thresholds', review: 300, decline: 450, deadlineMs: 150, fallback: { approveBelowUsd: 20, otherwise: 'decline' } },
    ]);
    await op('admin', 'POST', `/v1/change-sets/${rollback.body.id}/submit`, {});
    expect((await op('admin', 'POST', `/v1/change-sets/${rollback.body.id}/approve`)).body.error.code).toBe('FOUR_EYES_REQUIRED');
    const restored = await op('risk.officer', 'POST', `/v1/change-sets/${rollback.body.id}/approve`);
    expect(restored.status).toBe(200);
    await eventually(async () => [platform.risk.stats().ruleSetVersion, other.engine.stats().ruleSetVersion], (v) => v.every((x) => x === restored.body.ruleSetVersion), 1000);
    expect(await payAt()).toMatchObject({ score: 450, decision: 'decline' });
    expect((await op('admin', 'POST', '/v1/change-sets/rollback', { toVersion: restored.body.ruleSetVersion })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await op('admin', 'POST', '/v1/change-sets/rollback', { toVersion: 'rs-999999' })).body.error.code).toBe('RULE_SET_VERSION_NOT_FOUND');
  });
  it('submitting with a window backtests the set over it and attaches the job; a set of thresholds only needs none', async () => {
    const burst = (await op('risk.officer', 'GET', '/v1/rules/velocity-payer-burst')).body.rule;
    const { version: _v, createdAt: _c, createdBy: _b, approvedBy: _a, changeSet: _s, ...burstBody } = burst;
    const changes = [
      { kind: 'rule', rule: { ...burstBody, when: { fact: 'velocity.payer.count.1m', gt: 3 }, then: { ...burstBody.then, threshold: 3 } } },
      { kind: 'mode', ruleId: 'velocity-ip-burst', mode: 'shadow' },
    ];
    const drafted = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'tighter payer burst, IP burst in shadow', changes });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    const id = drafted.body.id as string;

    // A window the backtest route refuses is refused here, with its path in this body; nothing is submitted.
    const to = new Date();
    const from = new Date(to.getTime() - 3600_000);
    const reversed = await op('risk.officer', 'POST', `/v1/change-sets/${id}/submit`, { window: { from: to.toISOString(), to: from.toISOString() } });
    expect(reversed).toMatchObject({ status: 400, body: { error: { code: 'BACKTEST_WINDOW_INVALID', path: '/window/to' } } });
    const malformed = await op('risk.officer', 'POST', `/v1/change-sets/${id}/submit`, { window: { from: 'yesterday', to: to.toISOString() } });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await op('risk.officer', 'GET', `/v1/change-sets/${id}`)).body.changeSet.state).toBe('draft');
    // Another officer's submission runs nothing: the store refuses it.
    expect(await op('risk.second', 'POST', `/v1/change-sets/${id}/submit`, { window: { from: from.toISOString(), to: to.toISOString() } })).toMatchObject({ status: 403, body: { error: { code: 'CHANGE_SET_NOT_AUTHOR' } } });

    const window = { from: from.toISOString(), to: to.toISOString() };
    const submitted = await op('risk.officer', 'POST', `/v1/change-sets/${id}/submit`, { window, note: 'fewer bursts let through' });
    expect(submitted).toMatchObject({ status: 200, body: { state: 'submitted', evidence: { window, note: 'fewer bursts let through', backtestJobId: expect.stringMatching(/^backtest-/) } } });
    const jobId = submitted.body.evidence.backtestJobId as string;
    // The approver reads the job: the set's rule and the live IP burst rule in shadow, replayed over the window.
    const job = await eventually(async () => (await op('risk.second', 'GET', `/v1/jobs/${jobId}`)).body, (j) => j.state === 'completed' || j.state === 'failed', 60_000);
    expect(job.state, job.error).toBe('completed');
    expect(job.result.window).toEqual({ from: window.from, to: window.to });
    expect(job.result.candidateRules).toEqual([
      { id: 'velocity-payer-burst', version: burst.version + 1, mode: 'enforce', change: 'replaced' },
      { id: 'velocity-ip-burst', version: expect.any(Number), mode: 'shadow', change: 'replaced' },
    ]);
    expect(await op('risk.second', 'POST', `/v1/change-sets/${id}/return`, { comment: 'and the hourly limit?' })).toMatchObject({ status: 200, body: { state: 'returned' } });

    // Only the thresholds: nothing to replay, and the evidence says so.
    const thresholds = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'review a little earlier', changes: [{ kind: 'thresholds', review: 380, decline: 700 }] });
    expect(thresholds.status, JSON.stringify(thresholds.body)).toBe(201);
    const alone = await op('risk.officer', 'POST', `/v1/change-sets/${thresholds.body.id}/submit`, { window });
    expect(alone).toMatchObject({ status: 200, body: { state: 'submitted', evidence: { window, backtestSkipped: expect.stringContaining('no rule or mode changes') } } });
    expect(alone.body.evidence.backtestJobId).toBeUndefined();
    const audit = await eventually(
      async () => (await platform.clickhouse.client.query({ query: "SELECT actor, outcome FROM cpg.audit_log WHERE action = 'rules.backtest' AND target = {jobId:String}", query_params: { jobId }, format: 'JSONEachRow' })).json<{ actor: string; outcome: string }>(),
      (rows) => rows.length > 0,
      10_000,
    );
    expect(audit).toEqual([{ actor: 'risk.officer', outcome: 'ok' }]);
  }, 120_000);

  it('a shadow period runs the changed rules live in shadow, counts their hits, and ends when the set is sent back', async () => {
    const rule = { id: 'cs-shadow-probe', description: 'a probe for the shadow period', typology: 'probe', priority: 5, mode: 'enforce', when: { fact: 'merchant.id', eq: 'm-cn-0006' }, then: { score: 900, reason: 'probe' } };
    const drafted = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'a heavy probe, tried in shadow first', changes: [{ kind: 'rule', rule }] });
    expect(drafted.status).toBe(201);
    const id = drafted.body.id as string;
    const before = platform.risk.stats();
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${id}/submit`, { shadowHours: 200 })).status).toBe(400);
    const submitted = await op('risk.officer', 'POST', `/v1/change-sets/${id}/submit`, { shadowHours: 2, note: 'two hours in shadow' });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    const shadow = submitted.body.evidence.shadow;
    expect(shadow).toMatchObject({ hours: 2, rules: { [`trial-${id.slice(3, 15)}-1`]: 'cs-shadow-probe' } });
    expect(Date.parse(shadow.until) - Date.parse(shadow.from)).toBe(2 * 3600_000);
    // Both engines run the trial beside the live set; nothing is decided by it.
    await eventually(async () => [platform.risk.stats(), other.engine.stats()], (s) => s.every((x) => x.rules === before.rules + 1), 1000);
    const answers = [await payAt('m-cn-0006'), await payAt('m-cn-0006'), await payAt('m-cn-0006'), await payAt('m-cn-0001')];
    for (const a of answers) expect(a.risk.reasons.map((r: { ruleId: string }) => r.ruleId)).not.toContain('cs-shadow-probe');
    expect(answers.map((a) => a.risk.decision)).toEqual(['approve', 'approve', 'approve', 'approve']);
    const hits = await eventually(
      async () => (await op('compliance', 'GET', `/v1/change-sets/${id}/shadow-hits`)).body,
      (h) => h.rules?.[0]?.trialHits === 3,
      15_000,
    );
    expect(hits).toMatchObject({ running: true, rules: [{ ruleId: 'cs-shadow-probe', trialHits: 3, liveHits: 0 }] });
    expect(hits.payments).toBeGreaterThanOrEqual(4);
    // Sent back: the shadow period ends at once, on every node.
    expect((await op('admin', 'POST', `/v1/change-sets/${id}/return`, { comment: 'too heavy' })).status).toBe(200);
    await eventually(async () => [platform.risk.stats(), other.engine.stats()], (s) => s.every((x) => x.rules === before.rules), 1000);
    expect(await platform.redis.hexists('risk:rules:trials', id)).toBe(0);
    const ended = (await op('admin', 'GET', `/v1/change-sets/${id}`)).body.changeSet.evidence.shadow.endedAt;
    expect(Date.parse(ended)).toBeLessThan(Date.parse(shadow.until));
    expect((await op('admin', 'GET', `/v1/change-sets/${id}/shadow-hits`)).body).toMatchObject({ running: false, to: ended, rules: [{ trialHits: 3 }] });
    const plain = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'no shadow', changes: [{ kind: 'mode', ruleId: 'cs-probe-merchant', mode: 'shadow' }] });
    expect((await op('admin', 'GET', `/v1/change-sets/${plain.body.id}/shadow-hits`)).body.error.code).toBe('SHADOW_PERIOD_NOT_FOUND');
    await op('risk.officer', 'POST', `/v1/change-sets/${plain.body.id}/discard`);
  });
});
