import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs, scalar } from './support/traffic.ts';

type Decision = 'approve' | 'review' | 'decline';
const DECISIONS: Decision[] = ['approve', 'review', 'decline'];

/** One payment the test sent, with what the live engine answered. */
interface Sent {
  wallet: string;
  /** 1 for the wallet's first payment, 2 for its second... (all within a few seconds). */
  n: number;
  paymentId: string;
  status: string;
  decision: Decision;
  score: number;
  reasons: string[];
}

/** Wallet plans: how many payments in a burst, and which device each comes from. */
const PLANS = [
  { prefix: 'two', wallets: 2, payments: 2, device: 'same' },
  { prefix: 'four', wallets: 2, payments: 4, device: 'same' },
  // No device: only the payer's burst rule can stop the sixth and seventh payments.
  { prefix: 'seven', wallets: 2, payments: 7, device: 'none' },
  // A new device each time: the fourth payment scores 300 (many-devices-per-wallet), approved but alerted.
  { prefix: 'devices', wallets: 2, payments: 4, device: 'each' },
] as const;
const MERCHANTS = ['m-cn-0001', 'm-cn-0004', 'm-cn-0006'];
const THRESHOLDS = { review: 400, decline: 700 };
const ALERT_SCORE = 300;
const PAYER_BURST = 'velocity-payer-burst';

describe('backtesting candidate rules against the transactions in ClickHouse', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  const tokens: Record<string, string> = {};
  const sent: Sent[] = [];
  let from = '';
  let to = '';
  let burstRule: Record<string, unknown>;
  const disposition = new Map<string, 'fraud' | 'legitimate' | 'open'>();

  const api = (method: 'GET' | 'POST', url: string, user: string | undefined, payload?: unknown) =>
    platform.app.inject({ method, url, ...(user ? { headers: { authorization: `Bearer ${tokens[user]}` } } : {}), ...(payload !== undefined ? { payload: payload as object } : {}) });

  beforeAll(async () => {
    platform = await startTestPlatform();
    const qr = await merchantQrs(platform.app);
    for (const u of devCredentials().users) {
      const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: u.username, password: u.password } });
      tokens[u.username] = r.json().token;
    }
    const { rule } = (await api('GET', `/v1/rules/${PAYER_BURST}`, 'risk.officer')).json();
    const { version: _v, createdAt: _c, createdBy: _b, ...editable } = rule;
    burstRule = editable;

    from = new Date(Date.now() - 1000).toISOString();
    const run = Date.now().toString(36);
    // Wallets run side by side; each wallet's payments one after another, so its counts are 1, 2, 3...
    await Promise.all(
      PLANS.flatMap((plan) =>
        Array.from({ length: plan.wallets }, async (_, w) => {
          const wallet = `bt-${plan.prefix}-${w}-${run}`;
          for (let n = 1; n <= plan.payments; n++) {
            const deviceId = plan.device === 'same' ? `${wallet}-d` : plan.device === 'each' ? `${wallet}-d${n}` : undefined;
            const r = await signed(platform.app, {
              participant: 'siam-wallet',
              method: 'POST',
              path: '/v1/payments',
              body: {
                txnId: randomUUID(),
                qr: { payload: qr[MERCHANTS[n % MERCHANTS.length]!] },
                amount: { value: '45.00', currency: 'CNY' },
                payer: { walletId: wallet, ...(deviceId ? { deviceId } : {}), country: 'TH' },
              },
            });
            expect(r.status).toBe(200);
            sent.push({
              wallet,
              n,
              paymentId: r.body.paymentId,
              status: r.body.status,
              decision: r.body.risk.decision,
              score: r.body.risk.score,
              reasons: r.body.risk.reasons.map((x: { ruleId: string }) => x.ruleId),
            });
          }
        }),
      ),
    );
    to = new Date(Date.now() + 1000).toISOString();
    // Only the two rules this test moves may have fired: the expectations below rely on it.
    for (const s of sent) for (const id of s.reasons) expect([PAYER_BURST, 'many-devices-per-wallet']).toContain(id);

    await eventually(
      () => scalar(platform.clickhouse.client, 'SELECT toUInt32(count()) FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: sent.map((s) => s.paymentId) }),
      (n) => n === sent.length,
    );

    // Resolve: the first "seven" wallet's burst as fraud, the "devices" wallets' alerts as fraud and legitimate.
    const alerted = sent.filter((s) => s.decision !== 'approve' || s.score >= ALERT_SCORE);
    const alerts = await eventually(
      async () => (await api('GET', '/v1/alerts?participant=siam-wallet&limit=100', 'risk.officer')).json().alerts as Array<{ id: string; paymentId: string; lastPaymentId: string; count: number; walletId: string }>,
      (list) => alerted.every((s) => list.some((a) => a.walletId === s.wallet && (a.paymentId === s.paymentId || a.lastPaymentId === s.paymentId)))
        && list.filter((a) => a.walletId.startsWith('bt-seven')).every((a) => a.count === 2),
    );
    for (const s of alerted) disposition.set(s.paymentId, 'open');
    const resolutions = [
      [`bt-seven-0-${run}`, 'fraud'],
      [`bt-devices-0-${run}`, 'fraud'],
      [`bt-devices-1-${run}`, 'legitimate'],
    ] as const;
    const resolvedIds: string[] = [];
    for (const [wallet, verdict] of resolutions) {
      const alert = alerts.find((a) => a.walletId === wallet)!;
      const r = await api('POST', `/v1/alerts/${alert.id}/resolve`, 'risk.officer', { disposition: verdict, note: 'backtest test' });
      expect(r.statusCode).toBe(200);
      resolvedIds.push(alert.id);
      for (const s of alerted.filter((x) => x.wallet === wallet)) disposition.set(s.paymentId, verdict);
    }
    await eventually(
      () => scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.alert_events WHERE kind = 'resolved' AND alert_id IN {ids:Array(String)}", { ids: resolvedIds }),
      (n) => n === resolvedIds.length,
    );
    await eventually(
      () => scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.alert_events WHERE kind IN ('created', 'grouped') AND JSONExtractString(details, 'paymentId') IN {ids:Array(String)}", { ids: alerted.map((s) => s.paymentId) }),
      (n) => n === alerted.length,
    );
  }, 90_000);
  afterAll(async () => platform?.stop());

  /** What a candidate with the payer's burst at "more than `limit`" decides, from what live answered. */
  function expected(limit: number) {
    const candidateOf = (s: Sent): Decision => {
      const fires = s.n > limit;
      const score = Math.min(1000, s.score - (s.reasons.includes(PAYER_BURST) ? 500 : 0) + (fires ? 500 : 0));
      if (fires) return 'decline'; // the rule's floor
      return score >= THRESHOLDS.decline ? 'decline' : score >= THRESHOLDS.review ? 'review' : 'approve';
    };
    const matrix = Object.fromEntries(DECISIONS.map((l) => [l, Object.fromEntries(DECISIONS.map((c) => [c, 0]))])) as Record<Decision, Record<Decision, number>>;
    const caught: string[] = [];
    const missed: string[] = [];
    const wronglyStopped: string[] = [];
    let legitimate = 0;
    for (const s of sent) {
      const c = candidateOf(s);
      matrix[s.decision][c]++;
      const liveFlagged = s.decision !== 'approve';
      const flagged = c !== 'approve';
      const d = disposition.get(s.paymentId);
      if (d === 'fraud' && flagged && !liveFlagged) caught.push(s.paymentId);
      if (d === 'fraud' && liveFlagged && !flagged) missed.push(s.paymentId);
      if (flagged && !liveFlagged && (d === 'legitimate' || (d === undefined && s.status === 'APPROVED'))) {
        wronglyStopped.push(s.paymentId);
        if (d === 'legitimate') legitimate++;
      }
    }
    return {
      matrix,
      burstHits: { live: sent.filter((s) => s.reasons.includes(PAYER_BURST)).length, candidate: sent.filter((s) => s.n > limit).length },
      caught: caught.sort(),
      missed: missed.sort(),
      wronglyStopped: wronglyStopped.sort(),
      legitimate,
    };
  }

  const burstAt = (limit: number) => ({
    ...burstRule,
    description: `More than ${limit} payments from one wallet within a minute`,
    when: { fact: 'velocity.payer.count.1m', gt: limit },
    then: { ...(burstRule.then as object), reason: `{{velocity.payer.count.1m}} payments from this wallet in 1 minute (limit ${limit})`, threshold: limit },
  });

  async function backtest(rules: unknown[], user = 'risk.officer') {
    const posted = await api('POST', '/v1/rules/backtest', user, { rules, from, to, maxExamples: 100 });
    expect(posted.statusCode, posted.body).toBe(202);
    const { jobId } = posted.json();
    const job = await eventually(
      async () => (await api('GET', `/v1/jobs/${jobId}`, user)).json(),
      (j) => j.state === 'completed' || j.state === 'failed',
    );
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ id: jobId, kind: 'backtest', state: 'completed' });
    return job;
  }

  it('reproduces every live decision when the candidate changes nothing', async () => {
    const job = await backtest([]);
    const r = job.result;
    // Nothing before the window: every row replayed is one of the payments sent, and progress reached the total.
    expect(job.progress).toEqual({ processed: sent.length, total: sent.length });
    expect(r.warmup.rows).toBe(0);
    expect(r.messages).toEqual({ total: sent.length, payment: sent.length, refund: 0, reversal: 0 });
    expect(r.changed.count).toBe(0);
    for (const live of DECISIONS) {
      for (const candidate of DECISIONS) {
        expect(r.matrix[live][candidate], `${live} -> ${candidate}`).toBe(live === candidate ? sent.filter((s) => s.decision === live).length : 0);
      }
    }
    for (const hits of r.rules) expect(hits.candidate, hits.ruleId).toBe(hits.live);
    expect(r.rules.find((h: { ruleId: string }) => h.ruleId === PAYER_BURST)?.live).toBe(expected(5).burstHits.live);
    expect(r.wouldHaveCaught.count + r.wouldHaveMissed.count + r.wouldHaveWronglyStopped.count).toBe(0);
  });

  it('shows what tightening the payer burst to more than 2 would have caught and wrongly stopped', async () => {
    const want = expected(2);
    const r = (await backtest([burstAt(2)])).result;
    expect(r.matrix).toEqual(want.matrix);
    expect(r.candidateRules).toEqual([{ id: PAYER_BURST, version: 2, mode: 'enforce', change: 'replaced' }]);
    const hits = r.rules.find((h: { ruleId: string }) => h.ruleId === PAYER_BURST);
    expect(hits).toMatchObject({ live: want.burstHits.live, candidate: want.burstHits.candidate });
    expect(want.caught.length).toBe(1); // the fourth payment of the fraudulent "devices" wallet
    expect(r.wouldHaveCaught).toEqual({ count: 1, paymentIds: want.caught });
    expect(r.wouldHaveMissed.count).toBe(0);
    expect(r.wouldHaveWronglyStopped.count).toBe(want.wronglyStopped.length);
    expect([...r.wouldHaveWronglyStopped.paymentIds].sort()).toEqual(want.wronglyStopped);
    expect(r.wouldHaveWronglyStopped.confirmedLegitimate).toBe(want.legitimate);
    expect(r.wouldHaveWronglyStopped.confirmedLegitimate).toBe(1);
    expect(r.dispositions.fraud).toEqual({ payments: 3, liveFlagged: 2, candidateFlagged: 3 });
    expect(r.dispositions.legitimate).toEqual({ payments: 1, liveFlagged: 0, candidateFlagged: 1 });
    expect(r.dispositions.open.payments).toBe(2);
  });

  it('shows what loosening it to more than 8 would have let through', async () => {
    const want = expected(8);
    const r = (await backtest([burstAt(8)])).result;
    expect(r.matrix).toEqual(want.matrix);
    expect(r.matrix.decline.approve).toBe(4);
    expect(r.rules.find((h: { ruleId: string }) => h.ruleId === PAYER_BURST)).toMatchObject({ live: 4, candidate: 0 });
    expect(r.wouldHaveCaught.count).toBe(0);
    expect(r.wouldHaveMissed).toEqual({ count: 2, paymentIds: expect.arrayContaining(want.missed) });
    expect(want.missed.length).toBe(2);
    expect(r.wouldHaveWronglyStopped.count).toBe(0);
  });

  it('lets admins run backtests, refuses other roles with a code, and audits every request', async () => {
    for (const user of ['compliance', 'siam.analyst']) {
      const r = await api('POST', '/v1/rules/backtest', user, { rules: [], from, to });
      expect([r.statusCode, r.json().error.code], user).toEqual([403, 'FORBIDDEN_ROLE']);
    }
    const anonymous = await api('POST', '/v1/rules/backtest', undefined, { rules: [], from, to });
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'AUTH_TOKEN_MISSING']);
    const job = await backtest([burstAt(3)], 'admin');
    // Who may not see backtests gets the answer an unknown job gets.
    for (const user of ['compliance', 'siam.analyst']) {
      const r = await api('GET', `/v1/jobs/${job.id}`, user);
      expect([r.statusCode, r.json().error.code], user).toEqual([404, 'JOB_NOT_FOUND']);
    }
    expect((await api('GET', `/v1/jobs/${job.id}`, 'risk.officer')).statusCode).toBe(200);
    const audited = await eventually(
      () => scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.audit_log WHERE action = 'rules.backtest' AND target = {job:String} AND actor = 'admin' AND outcome = 'ok'", { job: job.id }),
      (n) => n === 1,
      5000,
    );
    expect(audited).toBe(1);
  });

  it('refuses an invalid candidate rule with the path of the problem, and a window too long or reversed', async () => {
    const typo = { ...burstAt(2), when: { all: [{ fact: 'amount.usd', gt: 1 }, { fact: 'velocity.payer.count.1mm', gt: 2 }] } };
    const bad = await api('POST', '/v1/rules/backtest', 'risk.officer', { rules: [burstAt(3), typo], from, to });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'RULE_INVALID', path: '/rules/1/when/all/1/fact' });
    expect(bad.json().error.message).toContain('velocity.payer.count.1m');
    const notAnObject = await api('POST', '/v1/rules/backtest', 'risk.officer', { rules: ['velocity'], from, to });
    expect(notAnObject.json().error).toMatchObject({ code: 'RULE_INVALID', path: '/rules/0' });
    const twice = await api('POST', '/v1/rules/backtest', 'risk.officer', { rules: [burstAt(3), burstAt(4)], from, to });
    expect(twice.json().error).toMatchObject({ code: 'RULE_INVALID', path: '/rules/1/id' });

    const long = await api('POST', '/v1/rules/backtest', 'risk.officer', { rules: [], from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:01Z' });
    expect([long.statusCode, long.json().error.code]).toEqual([400, 'BACKTEST_WINDOW_TOO_LONG']);
    const reversed = await api('POST', '/v1/rules/backtest', 'risk.officer', { rules: [], from: to, to: from });
    expect([reversed.statusCode, reversed.json().error.code]).toEqual([400, 'BACKTEST_WINDOW_INVALID']);
    const notADate = await api('POST', '/v1/rules/backtest', 'risk.officer', { rules: [], from: "2025-01-01' OR 1=1", to });
    expect([notADate.statusCode, notADate.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);

    const denied = await eventually(
      () => scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.audit_log WHERE action = 'rules.backtest' AND outcome = 'denied'"),
      (n) => n >= 5,
      5000,
    );
    expect(denied).toBe(5);
  });

  it('documents both routes in the OpenAPI document', async () => {
    const doc = (await platform.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths['/v1/rules/backtest'])).toEqual(['post']);
    expect(doc.paths['/v1/rules/backtest'].post.responses['202']).toBeDefined();
    expect(doc.paths['/v1/jobs/{jobId}'].get.responses['200']).toBeDefined();
  });

  it('answers 404 for an unknown job', async () => {
    for (const id of [`backtest-${randomUUID()}`, `report-${randomUUID()}`]) {
      const r = await api('GET', `/v1/jobs/${id}`, 'risk.officer');
      expect([r.statusCode, r.json().error.code]).toEqual([404, 'JOB_NOT_FOUND']);
    }
  });

  it('answers 404, not 500, for a job kind that names a property every object has', async () => {
    for (const kind of ['constructor', 'valueof', 'tostring', 'hasownproperty', 'isprototypeof']) {
      for (const user of ['risk.officer', 'compliance', 'siam.analyst', 'admin']) {
        const r = await api('GET', `/v1/jobs/${kind}-${randomUUID()}`, user);
        expect([r.statusCode, r.json().error?.code], `${kind} as ${user}`).toEqual([404, 'JOB_NOT_FOUND']);
      }
    }
  });
});
