import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import type { Subject } from '../domain/subject.ts';
import { CASE_EVENTS_STREAM, CASE_REFUSALS, createCaseStore, type AlertForCase } from './case-store.ts';
import { DEFAULT_CASE_POLICY, type CasePolicy } from './case-policy.ts';
import { STR_REFUSALS } from './str-store.ts';
import { createSlaSweeper, slaClockOf } from './case-sla.ts';
import { DEFAULT_CALENDAR } from './sla-calendar.ts';

/* The case scripts on a real redis-server: opening by policy, attaching, the workflow's refusals, merging. */

let redis: TestRedis;
let conn: Redis;
let clock = Date.parse('2026-12-07T08:00:00Z');
const now = () => clock;

const merchant: Subject = { kind: 'merchant', id: 'm-cn-0001', participant: 'siam-wallet' };
const wallet = (id: string, participant = 'siam-wallet'): Subject => ({ kind: 'wallet', id, participant });
let seq = 0;
const alert = (subject: Subject, over: Partial<AlertForCase> = {}): AlertForCase => ({
  alertId: `alt_${String(++seq).padStart(12, '0')}`,
  subject,
  severity: 'medium',
  amountUsd: '100.00',
  paymentId: `pay_${String(seq).padStart(12, '0')}`,
  decision: 'review',
  ruleIds: ['velocity-payer-burst'],
  newAlert: true,
  ...over,
});
/** A 5-working-day clock in Shanghai: 2026-12-07 is a Monday, so warn at Mon 14 00:00 and escalate at Tue 15 00:00 local. */
const sla = slaClockOf({ workingDays: 5, warnDays: 1, calendar: DEFAULT_CALENDAR });
const store = (policy: CasePolicy = DEFAULT_CASE_POLICY) => createCaseStore({ redis: conn, policy, sla, now });

beforeAll(async () => {
  redis = await startTestRedis();
  conn = redis.connect();
});
afterAll(async () => {
  await redis.stop();
});
beforeEach(async () => {
  await conn.flushall();
  clock = Date.parse('2026-12-07T08:00:00Z');
});

describe('cases opened by the policy', () => {
  it('opens a case for a decline, and later alerts about the subject join it, counted once each', async () => {
    const cases = store();
    const first = alert(merchant, { decision: 'decline', severity: 'high', amountUsd: '1200.50' });
    const opened = await cases.consider(first);
    expect(opened).toMatchObject({ kind: 'opened', case: { subject: merchant, state: 'open', openedBecause: 'decline', alertCount: 1, paymentCount: 1, amountUsd: '1200.50', priority: 'P2', openedBy: 'system' } });
    if (opened.kind !== 'opened') throw new Error('not opened');
    const id = opened.case.id;

    const second = alert(merchant, { severity: 'critical', amountUsd: '10.25' });
    expect(await cases.consider(second)).toMatchObject({ kind: 'attached', case: { id, alertCount: 2, paymentCount: 2, amountUsd: '1210.75', severity: 'critical', priority: 'P1' } });
    // A later payment of the same alert: counted, not a new alert of the case.
    expect(await cases.consider({ ...second, newAlert: false, paymentId: 'pay_again', amountUsd: '1' })).toEqual({ kind: 'counted', caseId: id });
    expect(await cases.get(id)).toMatchObject({ alertCount: 2, paymentCount: 3, amountUsd: '1211.75' });
    expect((await cases.alertIds(id)).sort()).toEqual([first.alertId, second.alertId].sort());
    expect(await cases.caseOfAlert(second.alertId)).toBe(id);
    expect((await cases.timeline(id)).map((e) => [e.kind, e.details.alertId])).toEqual([
      ['opened', first.alertId],
      ['alert_attached', first.alertId],
      ['alert_attached', second.alertId],
    ]);
    // The same events went to the stream the ingest writer moves into case_events.
    expect(await conn.xlen(CASE_EVENTS_STREAM)).toBe(3);
  });

  it('opens on the Nth alert about one subject within the window, gathering the alerts before it', async () => {
    const cases = store({ enabled: true, onDecline: false, minSeverity: '', alertsInWindow: { count: 3, minutes: 60 } });
    const s = wallet('w-000001');
    const a1 = alert(s, { amountUsd: '5' });
    const a2 = alert(s, { amountUsd: '6' });
    expect(await cases.consider(a1)).toEqual({ kind: 'none' });
    // A grouped payment of an alert already counted does not count again.
    expect(await cases.consider({ ...a1, newAlert: false })).toEqual({ kind: 'none' });
    expect(await cases.consider(a2)).toEqual({ kind: 'none' });
    const a3 = alert(s, { amountUsd: '7' });
    const opened = await cases.consider(a3);
    expect(opened).toMatchObject({ kind: 'opened', case: { openedBecause: 'alerts_in_window', alertCount: 3, amountUsd: '18.00' } });
    if (opened.kind !== 'opened') throw new Error('not opened');
    expect((await cases.alertIds(opened.case.id)).sort()).toEqual([a1.alertId, a2.alertId, a3.alertId].sort());
    // Another participant's wallet of the same id is another subject.
    expect(await cases.consider(alert(wallet('w-000001', 'kakao-wallet')))).toEqual({ kind: 'none' });
  });

  it('counts only alerts within the window: the count expires a window after the last alert', async () => {
    const cases = store({ enabled: true, onDecline: false, minSeverity: '', alertsInWindow: { count: 2, minutes: 1 } });
    const s = wallet('w-000002');
    expect(await cases.consider(alert(s))).toEqual({ kind: 'none' });
    const ttl = await conn.pttl('casecandidates:wallet:siam-wallet:w-000002');
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // What Redis does when the minute has passed.
    await conn.del('casecandidates:wallet:siam-wallet:w-000002');
    expect(await cases.consider(alert(s))).toEqual({ kind: 'none' });
    expect((await cases.consider(alert(s))).kind).toBe('opened');
  });

  it('opens for any hit of the rules the policy names, first reason or not', async () => {
    const byRule = store({ enabled: true, onDecline: false, minSeverity: '', rules: ['structuring'] });
    expect(await byRule.consider(alert(wallet('w-4'), { ruleIds: ['amount-spike'] }))).toEqual({ kind: 'none' });
    expect(await byRule.consider(alert(wallet('w-4'), { ruleIds: ['amount-spike', 'structuring'], severity: 'low' }))).toMatchObject({ kind: 'opened', case: { openedBecause: 'rule' } });
  });

  it('opens nothing with the policy off, and by severity when asked', async () => {
    expect(await store({ ...DEFAULT_CASE_POLICY, enabled: false }).consider(alert(merchant, { decision: 'decline' }))).toEqual({ kind: 'none' });
    const bySeverity = store({ enabled: true, onDecline: false, minSeverity: 'high' });
    expect(await bySeverity.consider(alert(wallet('w-3'), { severity: 'medium' }))).toEqual({ kind: 'none' });
    expect(await bySeverity.consider(alert(wallet('w-3'), { severity: 'high' }))).toMatchObject({ kind: 'opened', case: { openedBecause: 'severity' } });
  });

  it('makes one case of a burst considered by many callers at once', async () => {
    const cases = store();
    const results = await Promise.all(Array.from({ length: 40 }, () => cases.consider(alert(merchant, { decision: 'decline' }))));
    expect(results.filter((r) => r.kind === 'opened')).toHaveLength(1);
    expect(new Set(results.map((r) => (r.kind === 'none' ? '' : r.kind === 'counted' ? r.caseId : r.case.id))).size).toBe(1);
    expect((await cases.list()).length).toBe(1);
    expect((await cases.list())[0]).toMatchObject({ alertCount: 40, paymentCount: 40 });
  });
});

describe('the workflow', () => {
  async function openedCase() {
    const cases = store();
    const opened = await cases.consider(alert(merchant, { decision: 'decline' }));
    if (opened.kind !== 'opened') throw new Error('not opened');
    return { cases, id: opened.case.id };
  }

  it('goes open -> investigating -> closed, and refuses what its state does not allow', async () => {
    const { cases, id } = await openedCase();
    expect(await cases.act(id, 'close', 'risk.officer', { outcome: 'str_filed', note: 'filed' })).toMatchObject({ ok: false, error: { code: 'STR_NOT_APPROVED' } });
    expect(await cases.act(id, 'start', 'risk.officer')).toMatchObject({ ok: true, value: { state: 'investigating', assignee: 'risk.officer' } });
    expect(await cases.act(id, 'start', 'risk.officer')).toMatchObject({ ok: false, error: { code: 'CASE_ILLEGAL_TRANSITION' } });
    expect(await cases.act(id, 'note', 'risk.officer', { note: 'the merchant opened last week' })).toMatchObject({ ok: true });
    expect(await cases.act(id, 'assign', 'risk.officer', { assignee: 'compliance' })).toMatchObject({ ok: true, value: { assignee: 'compliance' } });
    expect(await cases.act(id, 'escalate', 'compliance', { note: 'amounts keep rising' })).toMatchObject({ ok: true, value: { state: 'escalated', queue: 'escalations' } });
    expect(await cases.act(id, 'start', 'admin')).toMatchObject({ ok: true, value: { state: 'investigating', queue: 'risk', assignee: 'compliance' } });
    expect(await cases.act(id, 'close', 'compliance', { outcome: 'maybe', note: 'x' })).toMatchObject({ ok: false, error: { code: 'CASE_OUTCOME_UNKNOWN' } });
    expect(await cases.act(id, 'close', 'compliance', { outcome: 'false_positive', note: 'a school canteen' })).toMatchObject({
      ok: true,
      value: { state: 'closed', outcome: 'false_positive', closedBy: 'compliance', closingNote: 'a school canteen' },
    });
    for (const action of ['start', 'note', 'assign', 'escalate', 'close'] as const) {
      expect(await cases.act(id, action, 'admin', { outcome: 'no_suspicion', note: 'n', assignee: 'admin' }), action).toMatchObject({ ok: false, error: { code: 'CASE_CLOSED' } });
    }
    expect(await cases.act('case_000000000000000000000000', 'start', 'admin')).toMatchObject({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect((await cases.timeline(id)).map((e) => `${e.kind}:${e.state}:${e.actor}`)).toEqual([
      'opened:open:system',
      'alert_attached:open:system',
      'started:investigating:risk.officer',
      'note:investigating:risk.officer',
      'assigned:investigating:risk.officer',
      'escalated:escalated:compliance',
      'started:investigating:admin',
      'closed:closed:compliance',
    ]);
    // Closed, the subject's next alert opens a new case.
    const next = await cases.consider(alert(merchant, { decision: 'decline' }));
    expect(next).toMatchObject({ kind: 'opened' });
    expect(next.kind === 'opened' && next.case.id).not.toBe(id);
  });

  it('lets an officer open a case from alerts, but not a second one for the subject or an alert already in a case', async () => {
    const cases = store({ ...DEFAULT_CASE_POLICY, enabled: false });
    const a = alert(wallet('w-9'), { severity: 'high', amountUsd: '20000' });
    const opened = await cases.open([a, alert(wallet('w-10'))], 'risk.officer');
    expect(opened).toMatchObject({ ok: true, value: { subject: wallet('w-9'), openedBy: 'risk.officer', openedBecause: 'officer', alertCount: 2, priority: 'P1' } });
    expect(await cases.open([alert(wallet('w-9'))], 'risk.officer')).toMatchObject({ ok: false, error: { code: 'CASE_OPEN_FOR_SUBJECT' } });
    expect(await cases.open([alert(wallet('w-11')), a], 'risk.officer')).toMatchObject({ ok: false, error: { code: 'ALERT_IN_CASE' } });
    expect(await cases.list()).toHaveLength(1);
  });

  it('merges a case into another: alerts, counts and subjects move, and the merged subject feeds the kept case', async () => {
    const cases = store();
    const m = await cases.consider(alert(merchant, { decision: 'decline', amountUsd: '10' }));
    const w = await cases.consider(alert(wallet('w-20'), { decision: 'decline', amountUsd: '5', severity: 'critical' }));
    if (m.kind !== 'opened' || w.kind !== 'opened') throw new Error('not opened');
    expect(await cases.merge(m.case.id, m.case.id, 'admin')).toMatchObject({ ok: false, error: { code: 'CASE_MERGE_SELF' } });
    const merged = await cases.merge(m.case.id, w.case.id, 'risk.officer');
    expect(merged).toMatchObject({ ok: true, value: { alertCount: 2, amountUsd: '15.00', severity: 'critical', mergedSubjects: [wallet('w-20')] } });
    expect(await cases.get(w.case.id)).toMatchObject({ state: 'closed', mergedInto: m.case.id, outcome: '' });
    // The wallet's next alert joins the case it was merged into.
    expect(await cases.consider(alert(wallet('w-20')))).toMatchObject({ kind: 'attached', case: { id: m.case.id, alertCount: 3 } });
    expect(await cases.merge(m.case.id, w.case.id, 'risk.officer')).toMatchObject({ ok: false, error: { code: 'CASE_CLOSED' } });
    // Closing the kept case frees both subjects.
    await cases.act(m.case.id, 'close', 'admin', { outcome: 'no_suspicion', note: 'ok' });
    expect((await cases.consider(alert(wallet('w-20'), { decision: 'decline' }))).kind).toBe('opened');
    expect((await cases.consider(alert(merchant, { decision: 'decline' }))).kind).toBe('opened');
  });

  it('lists by state, queue, assignee and subject', async () => {
    const cases = store();
    const a = await cases.consider(alert(merchant, { decision: 'decline' }));
    const b = await cases.consider(alert(wallet('w-30'), { decision: 'decline' }));
    if (a.kind !== 'opened' || b.kind !== 'opened') throw new Error('not opened');
    await cases.act(b.case.id, 'start', 'risk.officer');
    expect((await cases.list({ state: 'open' })).map((c) => c.id)).toEqual([a.case.id]);
    expect((await cases.list({ assignee: 'risk.officer' })).map((c) => c.id)).toEqual([b.case.id]);
    expect((await cases.list({ subjectKind: 'merchant', subjectId: 'm-cn-0001' })).map((c) => c.id)).toEqual([a.case.id]);
    expect(await cases.list({ queue: 'escalations' })).toEqual([]);
  });
});

describe('settlement holds', () => {
  const released = async (paymentId: string) => conn.hget('settlement:released', paymentId);

  it('opens a case for a held payment whatever the policy, gathers held payments counted in a window, and moves them with a merge', async () => {
    const cases = store({ ...DEFAULT_CASE_POLICY, enabled: false });
    const first = alert(wallet('w-h1'), { held: true });
    const opened = await cases.consider(first);
    expect(opened).toMatchObject({ kind: 'opened', case: { openedBecause: 'settlement_held' } });
    if (opened.kind !== 'opened') throw new Error('not opened');
    expect(await cases.heldSettlements(opened.case.id)).toEqual([first.paymentId]);
    // With the policy off, an alert that holds nothing opens nothing.
    expect(await cases.consider(alert(wallet('w-h2')))).toEqual({ kind: 'none' });

    // Where the policy waits for a count, a held payment's alert opens its case at once.
    const counting = store({ ...DEFAULT_CASE_POLICY, rules: [], minSeverity: '', onDecline: false, alertsInWindow: { count: 3, minutes: 60 } });
    expect(await counting.consider(alert(wallet('w-h3')))).toEqual({ kind: 'none' });
    const a2 = alert(wallet('w-h3'), { held: true });
    const second = await counting.consider(a2);
    if (second.kind !== 'opened') throw new Error('not opened');
    expect(second.case).toMatchObject({ openedBecause: 'settlement_held', alertCount: 1 });
    expect(await counting.heldSettlements(second.case.id)).toEqual([a2.paymentId]);

    const merged = await cases.merge(opened.case.id, second.case.id, 'risk.officer');
    expect(merged.ok).toBe(true);
    expect(await cases.heldSettlements(opened.case.id)).toEqual([first.paymentId, a2.paymentId].sort());
    expect(await cases.heldSettlements(second.case.id)).toEqual([]);
    expect(await conn.hget('settlement:holdcase', a2.paymentId)).toBe(opened.case.id);
  });

  it('keeps the settlements held through a closing with an STR filed, until an officer releases them', async () => {
    const cases = store();
    const held = alert(wallet('w-h4'), { decision: 'decline', held: true });
    const opened = await cases.consider(held);
    if (opened.kind !== 'opened') throw new Error('not opened');
    const id = opened.case.id;
    await conn.hset(`case:${id}`, 'strApproved', '1');
    expect((await cases.act(id, 'close', 'compliance.officer', { outcome: 'str_filed', note: 'filed' })).ok).toBe(true);
    expect(await cases.heldSettlements(id)).toEqual([held.paymentId]);
    expect(await released(held.paymentId)).toBeNull();
    expect((await cases.timeline(id)).at(-1)!.kind).toBe('closed');

    expect(await cases.releaseSettlements(id, ['pay_not_held_here'], 'risk.officer', 'x')).toMatchObject({ ok: false, error: { code: 'SETTLEMENT_NOT_HELD', message: expect.stringContaining('pay_not_held_here') } });
    expect(await cases.releaseSettlements('case_ffffffffffffffffffffffff', [], 'risk.officer', 'x')).toMatchObject({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect(await cases.releaseSettlements(id, [], 'risk.officer', 'the report is filed; the regulator raised no objection')).toEqual({ ok: true, value: [held.paymentId] });
    expect(JSON.parse((await released(held.paymentId))!)).toEqual({ at: clock, by: 'risk.officer', caseId: id, note: 'the report is filed; the regulator raised no objection' });
    expect(await conn.hget('settlement:holdcase', held.paymentId)).toBeNull();
    expect((await cases.timeline(id)).at(-1)).toMatchObject({ kind: 'settlement_released', actor: 'risk.officer', details: { paymentIds: [held.paymentId] } });
    expect(await cases.releaseSettlements(id, [], 'risk.officer', 'again')).toMatchObject({ ok: false, error: { code: 'SETTLEMENT_NOT_HELD' } });
  });

  it('releases everything a case holds when it closes without suspicion or as a false positive', async () => {
    for (const outcome of ['no_suspicion', 'false_positive'] as const) {
      await conn.flushall();
      const cases = store();
      const a = alert(wallet(`w-${outcome}`), { decision: 'decline', held: true });
      const opened = await cases.consider(a);
      if (opened.kind !== 'opened') throw new Error('not opened');
      const b = alert(wallet(`w-${outcome}`), { held: true });
      await cases.consider(b);
      expect((await cases.act(opened.case.id, 'close', 'risk.officer', { outcome, note: 'cleared' })).ok).toBe(true);
      expect(await cases.heldSettlements(opened.case.id)).toEqual([]);
      const last = (await cases.timeline(opened.case.id)).slice(-2);
      expect(last.map((e) => e.kind)).toEqual(['closed', 'settlement_released']);
      expect(last[1]!.details).toEqual({ paymentIds: [a.paymentId, b.paymentId].sort(), note: `case closed as ${outcome}` });
      expect(JSON.parse((await released(a.paymentId))!)).toMatchObject({ by: 'risk.officer', caseId: opened.case.id });
    }
  });
});

describe('the SLA clock', () => {
  it('warns and escalates each case once, at its times, whoever sweeps and across a restart', async () => {
    const cases = store();
    const opened = await cases.consider(alert(merchant, { decision: 'decline' }));
    if (opened.kind !== 'opened') throw new Error('not opened');
    const id = opened.case.id;
    // Opened Monday 2026-12-07 16:00 in Shanghai: five working days end with Monday the 14th.
    expect(opened.case).toMatchObject({ slaWarnAt: '2026-12-13T16:00:00.000Z', slaDeadlineAt: '2026-12-14T16:00:00.000Z', slaWarnedAt: '', slaEscalatedAt: '' });
    const closedOne = await cases.consider(alert(wallet('w-sla'), { decision: 'decline' }));
    if (closedOne.kind !== 'opened') throw new Error('not opened');
    await cases.act(closedOne.case.id, 'close', 'admin', { outcome: 'no_suspicion', note: 'n' });

    const sweeper = createSlaSweeper(conn);
    expect(await sweeper.sweep(Date.parse('2026-12-13T15:59:59.999Z'))).toEqual([]);
    const at = Date.parse('2026-12-13T16:00:00Z');
    // Two nodes sweep at once: one warning.
    const both = await Promise.all([sweeper.sweep(at), createSlaSweeper(conn).sweep(at)]);
    expect(both.flat()).toEqual([{ caseId: id, kind: 'warning' }]);
    expect(await sweeper.sweep(at + 60_000)).toEqual([]);
    expect(await cases.get(id)).toMatchObject({ state: 'open', slaWarnedAt: '2026-12-13T16:00:00.000Z' });

    // A restart: new connections, new sweeper, the clock in Redis.
    const after = redis.connect();
    const restarted = createSlaSweeper(after);
    expect(await restarted.sweep(Date.parse('2026-12-14T15:59:00Z'))).toEqual([]);
    expect(await restarted.sweep(Date.parse('2026-12-14T16:00:00Z'))).toEqual([{ caseId: id, kind: 'escalated' }]);
    expect(await restarted.sweep(Date.parse('2026-12-20T00:00:00Z'))).toEqual([]);
    const escalated = await createCaseStore({ redis: after, policy: DEFAULT_CASE_POLICY, sla, now }).get(id);
    expect(escalated).toMatchObject({ state: 'escalated', queue: 'escalations', slaEscalatedAt: '2026-12-14T16:00:00.000Z' });
    expect((await cases.timeline(id)).map((e) => e.kind).filter((k) => k.startsWith('sla_'))).toEqual(['sla_warning', 'sla_escalated']);
    // The closed case's clock stopped: it never warned.
    expect(await cases.get(closedOne.case.id)).toMatchObject({ slaWarnedAt: '', slaEscalatedAt: '' });
  });

  it('escalates at once a case whose warning and deadline have both passed, warning first', async () => {
    const cases = store();
    const opened = await cases.open([alert(wallet('w-late'))], 'risk.officer');
    if (!opened.ok) throw new Error('not opened');
    expect(await createSlaSweeper(conn).sweep(Date.parse('2027-01-01T00:00:00Z'))).toEqual([
      { caseId: opened.value.id, kind: 'warning' },
      { caseId: opened.value.id, kind: 'escalated' },
    ]);
  });
});

it('every code a case or STR script refuses with is one the stores know', () => {
  const dir = new URL('./lua/', import.meta.url);
  const refused = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.lua'))) {
    for (const m of readFileSync(new URL(file, dir), 'utf8').matchAll(/\{'error', '([A-Z_]+)'/g)) refused.add(m[1]!);
  }
  const known = new Set<string>([...CASE_REFUSALS, ...STR_REFUSALS]);
  expect([...refused].filter((c) => !known.has(c))).toEqual([]);
  expect(refused.size).toBeGreaterThan(5);
});
