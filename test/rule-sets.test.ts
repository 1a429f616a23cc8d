import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInEveryone, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * Rule-set versions over HTTP on the whole platform: the seed, a change set that lowers the
 * payer's burst limit from 5 to 3, a rule written and a mode set through the direct rule
 * routes, each a version listed with what made it; one read in full; the rollback drafted
 * from a version; and the two burst limits compared over the payments each decided live.
 */

type Decision = 'approve' | 'review' | 'decline';
const DECISIONS: Decision[] = ['approve', 'review', 'decline'];
const BURST = 'velocity-payer-burst';
const THRESHOLDS = { review: 400, decline: 700 };
const MERCHANTS = ['m-cn-0001', 'm-cn-0004', 'm-cn-0006'];

/** One payment the test sent, with what the live engine answered and the version it ran. */
interface Sent {
  paymentId: string;
  /** Its place in its wallet's burst: 1, 2, 3... */
  n: number;
  version: string;
  decision: Decision;
  score: number;
  reasons: string[];
}

describe('rule-set versions: list, read, roll back, compare', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let qr: Record<string, string>;
  const tokens: Record<string, string> = {};
  const sent: Sent[] = [];
  let from = '';
  let to = '';
  let changeSetId = '';
  let burstRule: Record<string, unknown>;

  const op = async (username: string | undefined, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const r = await platform.app.inject({ method, url, ...(username ? { headers: { authorization: `Bearer ${tokens[username]}` } } : {}), ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: r.json() as any };
  };
  const editable = (rule: Record<string, unknown>) => {
    const { version: _v, createdAt: _c, createdBy: _b, approvedBy: _a, changeSet: _s, ...body } = rule;
    return body;
  };
  const liveVersion = () => platform.risk.stats().ruleSetVersion;

  /** `count` payments of a new wallet one after another, no device or IP, over three merchants: only the payer's burst can fire. */
  async function burst(count: number) {
    const wallet = `rsv-${randomUUID()}`;
    const version = liveVersion();
    for (let n = 1; n <= count; n++) {
      const r = await signed(platform.app, {
        participant: 'siam-wallet',
        method: 'POST',
        path: '/v1/payments',
        body: { txnId: randomUUID(), qr: { payload: qr[MERCHANTS[n % MERCHANTS.length]!] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: wallet, country: 'TH' } },
      });
      expect(r.status).toBe(200);
      sent.push({ paymentId: r.body.paymentId, n, version, decision: r.body.risk.decision, score: r.body.risk.score, reasons: r.body.risk.reasons.map((x: { ruleId: string }) => x.ruleId) });
    }
  }

  beforeAll(async () => {
    platform = await startTestPlatform();
    qr = await merchantQrs(platform.app);
    Object.assign(tokens, await logInEveryone(platform.app));
    burstRule = editable((await op('risk.officer', 'GET', `/v1/rules/${BURST}`)).body.rule);
  }, 120_000);
  afterAll(async () => platform?.stop());

  it('lists the versions newest first with what made each: the seed, an approved change set with its author, approver and evidence, the direct rule routes', async () => {
    expect(liveVersion()).toBe('rs-1');
    from = new Date(Date.now() - 1000).toISOString();
    // Under rs-1 (the burst at more than 5 a minute): a wallet paying seven times, another four.
    await burst(7);
    await burst(4);

    const lower = { ...burstRule, description: 'More than three payments from one wallet within a minute', when: { fact: 'velocity.payer.count.1m', gt: 3 }, then: { ...(burstRule.then as object), threshold: 3 } };
    const drafted = await op('risk.officer', 'POST', '/v1/change-sets', { title: 'Burst limit 3', changes: [{ kind: 'rule', rule: lower }] });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    changeSetId = drafted.body.id;
    const evidence = { backtestJobId: 'job-of-the-author', note: 'fewer mule bursts slip through' };
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${changeSetId}/submit`, evidence)).status).toBe(200);
    const approved = await op('admin', 'POST', `/v1/change-sets/${changeSetId}/approve`);
    expect(approved.body).toMatchObject({ state: 'applied', ruleSetVersion: 'rs-2' });
    await eventually(liveVersion, (v) => v === 'rs-2', 1000);

    // Under rs-2 (more than 3): a wallet paying five times, another three.
    await burst(5);
    await burst(3);
    to = new Date(Date.now() + 1000).toISOString();

    // The direct rule routes: a new version of a rule (rs-3), a mode (rs-4).
    const large = editable((await op('risk.officer', 'GET', '/v1/rules/large-value-single')).body.rule);
    expect((await op('admin', 'PUT', '/v1/rules/large-value-single', { ...large, description: `${String(large.description)} (reworded)` })).status).toBe(200);
    expect((await op('admin', 'POST', '/v1/rules/high-risk-mcc-night/shadow')).status).toBe(200);
    await eventually(liveVersion, (v) => v === 'rs-4', 1000);

    const listed = await op('compliance', 'GET', '/v1/rule-sets');
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    const rules = (await op('risk.officer', 'GET', '/v1/rules')).body.rules.length;
    expect(listed.body.versions.map((v: any) => [v.version, v.live, v.by, v.rules])).toEqual([
      ['rs-4', true, 'mode high-risk-mcc-night', rules],
      ['rs-3', false, 'rule large-value-single', rules],
      ['rs-2', false, `change set ${changeSetId}`, rules],
      ['rs-1', false, 'seed', rules],
    ]);
    const byChangeSet = listed.body.versions[2];
    expect(byChangeSet).toMatchObject({ thresholds: THRESHOLDS, changeSet: { id: changeSetId, title: 'Burst limit 3', author: 'risk.officer', approvedBy: 'admin', approvedAt: approved.body.approvedAt, evidence } });
    expect(Date.parse(byChangeSet.at)).toBeGreaterThanOrEqual(Date.parse(approved.body.approvedAt) - 1000);
    expect(listed.body.versions.filter((v: any) => v.changeSet)).toHaveLength(1);
    expect(listed.body.next).toBeUndefined();

    // Pages of two: the second starts before the first's last, and the last page says nothing follows.
    const first = await op('risk.officer', 'GET', '/v1/rule-sets?limit=2');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect([first.body.versions.map((v: any) => v.version), first.body.next]).toEqual([['rs-4', 'rs-3'], 'rs-3']);
    const second = await op('risk.officer', 'GET', `/v1/rule-sets?limit=2&before=${first.body.next}`);
    expect((await op('risk.officer', 'GET', '/v1/rule-sets?limit=101')).status).toBe(400);
    expect([second.body.versions.map((v: any) => v.version), second.body.next]).toEqual([['rs-2', 'rs-1'], undefined]);
  });

  it('reads one version in full: each rule at the version and in the mode it had then', async () => {
    const rs2 = await op('compliance', 'GET', '/v1/rule-sets/rs-2');
    expect(rs2.status, JSON.stringify(rs2.body)).toBe(200);
    expect(rs2.body).toMatchObject({ version: 'rs-2', live: false, by: `change set ${changeSetId}`, thresholds: THRESHOLDS, changeSet: { id: changeSetId, author: 'risk.officer', approvedBy: 'admin' } });
    const rule = (v: any, id: string) => v.rules.find((r: any) => r.id === id);
    expect(rule(rs2.body, BURST)).toMatchObject({ version: 2, mode: 'enforce', when: { fact: 'velocity.payer.count.1m', gt: 3 }, createdBy: 'risk.officer', approvedBy: 'admin', changeSet: changeSetId });
    expect(rule(rs2.body, 'high-risk-mcc-night')).toMatchObject({ version: 1, mode: 'enforce' });
    expect(rs2.body.rules.map((r: any) => r.id)).toEqual([...rs2.body.rules.map((r: any) => r.id)].sort());

    const rs1 = (await op('risk.officer', 'GET', '/v1/rule-sets/rs-1')).body;
    expect(rs1).toMatchObject({ by: 'seed', live: false });
    expect(rs1.changeSet).toBeUndefined();
    expect(rule(rs1, BURST)).toMatchObject({ version: 1, when: { gt: 5 } });
    // A mode change makes no rule version: rs-4 runs version 1 of the night rule, in shadow.
    const rs4 = (await op('admin', 'GET', '/v1/rule-sets/rs-4')).body;
    expect([rs4.live, rule(rs4, 'high-risk-mcc-night')]).toEqual([true, expect.objectContaining({ version: 1, mode: 'shadow' })]);
    expect(rule(rs4, 'large-value-single').version).toBe(2);

    expect(await op('risk.officer', 'GET', '/v1/rule-sets/rs-999999')).toMatchObject({ status: 404, body: { error: { code: 'RULE_SET_VERSION_NOT_FOUND' } } });
    expect((await op('siam.analyst', 'GET', '/v1/rule-sets/rs-1')).status).toBe(403);
    expect((await op(undefined, 'GET', '/v1/rule-sets')).status).toBe(401);
  });

  it('compares the two burst limits over the payments each decided live: a version keeps its own decisions, the other side is replayed', async () => {
    await eventually(
      async () => (await platform.clickhouse.client.query({ query: 'SELECT payment_id, rule_set_version FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', query_params: { ids: sent.map((s) => s.paymentId) }, format: 'JSONEachRow' })).json<{ payment_id: string; rule_set_version: string }>(),
      (rows) => rows.length === sent.length && rows.every((r) => sent.find((s) => s.paymentId === r.payment_id)?.version === r.rule_set_version),
    );
    // Only the burst may have fired live: the expectations below rely on it.
    for (const s of sent) for (const id of s.reasons) expect(id).toBe(BURST);
    expect(sent.filter((s) => s.decision === 'decline').map((s) => `${s.version}#${s.n}`)).toEqual(['rs-1#6', 'rs-1#7', 'rs-2#4', 'rs-2#5']);

    /** What the burst at more than `limit` decides for a payment, from what live answered it. */
    const replayed = (s: Sent, limit: number): Decision => {
      if (s.n > limit) return 'decline'; // the rule's floor
      const score = s.score - (s.reasons.includes(BURST) ? 500 : 0);
      return score >= THRESHOLDS.decline ? 'decline' : score >= THRESHOLDS.review ? 'review' : 'approve';
    };
    const sideA = (s: Sent) => (s.version === 'rs-1' ? s.decision : replayed(s, 5));
    const sideB = (s: Sent) => (s.version === 'rs-2' ? s.decision : replayed(s, 3));
    const matrix = Object.fromEntries(DECISIONS.map((a) => [a, Object.fromEntries(DECISIONS.map((b) => [b, sent.filter((s) => sideA(s) === a && sideB(s) === b).length]))]));
    const differing = sent.filter((s) => sideA(s) !== sideB(s)).map((s) => s.paymentId);
    // Worked out: the 4th and 5th of rs-1's seven, the 4th of its four, the 4th and 5th of rs-2's five.
    expect(differing).toHaveLength(5);

    const posted = await op('compliance', 'POST', '/v1/rule-sets/compare', { a: 'rs-1', b: 'rs-2', from, to });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    const { jobId } = posted.body;
    expect(jobId).toMatch(/^comparison-/);
    const job = (await eventually(() => op('compliance', 'GET', `/v1/jobs/${jobId}`), (j) => j.body.state === 'completed' || j.body.state === 'failed', 60_000)).body;
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ id: jobId, kind: 'comparison', state: 'completed', progress: { processed: sent.length, total: sent.length } });
    const r = job.result;
    expect(r.messages).toEqual({ total: sent.length, payment: sent.length, refund: 0, reversal: 0 });
    expect(r.a).toMatchObject({ version: 'rs-1', thresholds: THRESHOLDS, recorded: 11, rejectedRules: [] });
    expect(r.b).toMatchObject({ version: 'rs-2', thresholds: THRESHOLDS, recorded: 8, rejectedRules: [] });
    expect(r.otherVersions).toBe(0);
    expect(r.matrix).toEqual(matrix);
    expect(r.totals.a).toEqual(Object.fromEntries(DECISIONS.map((d) => [d, sent.filter((s) => sideA(s) === d).length])));
    expect(r.totals.b).toEqual(Object.fromEntries(DECISIONS.map((d) => [d, sent.filter((s) => sideB(s) === d).length])));
    expect({ count: r.changed.count, ids: [...r.changed.paymentIds].sort() }).toEqual({ count: differing.length, ids: [...differing].sort() });
    expect(r.rules).toEqual([{ ruleId: BURST, a: sent.filter((s) => sideA(s) === 'decline').length, aShadow: 0, b: sent.filter((s) => sideB(s) === 'decline').length, bShadow: 0 }]);

    // Its readers only: a participant's analyst finds no such job; the request itself is refused it.
    expect((await op('siam.analyst', 'GET', `/v1/jobs/${jobId}`)).status).toBe(404);
    expect((await op('siam.analyst', 'POST', '/v1/rule-sets/compare', { a: 'rs-1', b: 'rs-2', from, to })).status).toBe(403);
    expect((await op('risk.officer', 'GET', `/v1/jobs/${jobId}`)).body.state).toBe('completed');
  });

  it('refuses a comparison of one version with itself, of an unknown version, or over more than 31 days', async () => {
    const ask = (body: object) => op('risk.officer', 'POST', '/v1/rule-sets/compare', { a: 'rs-1', b: 'rs-2', from, to, ...body });
    expect(await ask({ b: 'rs-1' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await ask({ b: 'rs-999999' })).toMatchObject({ status: 404, body: { error: { code: 'RULE_SET_VERSION_NOT_FOUND', path: '/b' } } });
    expect(await ask({ from: '2026-01-01T00:00:00Z', to: '2026-02-02T00:00:01Z' })).toMatchObject({ status: 400, body: { error: { code: 'BACKTEST_WINDOW_TOO_LONG' } } });
    expect(await ask({ from: to, to: from })).toMatchObject({ status: 400, body: { error: { code: 'BACKTEST_WINDOW_INVALID' } } });
  });

  it('drafts the rollback to a version as a change set, approved with four eyes, which makes a new version equal to it', async () => {
    expect((await op('compliance', 'POST', '/v1/rule-sets/rs-1/rollback')).status).toBe(403);
    const drafted = await op('admin', 'POST', '/v1/rule-sets/rs-1/rollback');
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    expect(drafted.body).toMatchObject({ title: 'Roll back to rs-1', state: 'draft', author: 'admin' });
    const large = (await op('risk.officer', 'GET', '/v1/rule-sets/rs-1')).body.rules.find((r: any) => r.id === 'large-value-single');
    expect(drafted.body.changes).toEqual([
      { kind: 'mode', ruleId: 'high-risk-mcc-night', mode: 'enforce' },
      { kind: 'rule', rule: expect.objectContaining({ id: 'large-value-single', description: large.description }) },
      { kind: 'rule', rule: expect.objectContaining({ id: BURST, when: { fact: 'velocity.payer.count.1m', gt: 5 } }) },
    ]);
    expect((await op('admin', 'POST', `/v1/change-sets/${drafted.body.id}/submit`, {})).status).toBe(200);
    expect((await op('admin', 'POST', `/v1/change-sets/${drafted.body.id}/approve`)).body.error.code).toBe('FOUR_EYES_REQUIRED');
    const applied = await op('risk.officer', 'POST', `/v1/change-sets/${drafted.body.id}/approve`);
    expect(applied.body).toMatchObject({ state: 'applied', ruleSetVersion: 'rs-5' });

    const rs5 = (await op('risk.officer', 'GET', '/v1/rule-sets/rs-5')).body;
    const rs1 = (await op('risk.officer', 'GET', '/v1/rule-sets/rs-1')).body;
    expect(rs5).toMatchObject({ live: true, by: `change set ${drafted.body.id}`, changeSet: { author: 'admin', approvedBy: 'risk.officer' } });
    // The same rules, modes and bodies as rs-1, each changed one at its next version.
    const shape = (v: any) => v.rules.map((r: any) => editable(r));
    expect(shape(rs5)).toEqual(shape(rs1));
    expect(rs5.rules.find((r: any) => r.id === BURST).version).toBe(3);
    // Nothing to roll back to the version that is live, through either route.
    expect(await op('admin', 'POST', '/v1/rule-sets/rs-5/rollback')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await op('admin', 'POST', '/v1/change-sets/rollback', { toVersion: 'rs-5' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect((await op('admin', 'POST', '/v1/rule-sets/rs-999999/rollback')).body.error.code).toBe('RULE_SET_VERSION_NOT_FOUND');
  });
});
