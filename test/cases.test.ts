import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { webhookSignature } from '../analytics/alerts/webhook-delivery.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInEveryone, repoRoot, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs, muleFanIn } from './support/traffic.ts';

/*
 * Cases through HTTP on the real platform (its own redis-server, embedded ClickHouse): a mule
 * fan-in and a structuring payer open cases about the right subjects by themselves, later
 * alerts join them, an officer works one to its close, and its alerts take the disposition;
 * every change is in the timeline, in case_events and in the audit. Refusals carry codes.
 */

let platform: Awaited<ReturnType<typeof startTestPlatform>>;
/** The operators' webhook for escalations: what it received, in order. */
let hook: Server;
const posted: Array<{ body: string; headers: Record<string, unknown> }> = [];
const HOOK_SECRET = 'sla-webhook-secret-of-the-test-0123456789';
let configDir: string;
const tokens: Record<string, string> = {};
let qr: Record<string, string>;
const run = randomUUID().slice(0, 8);
const FAN_IN_MERCHANT = 'm-cn-0006';
const STRUCTURING_WALLET = `w-struct-${run}`;

const op = async (username: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
  const r = await platform.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[username]}` }, ...(payload ? { payload } : {}) });
  return { status: r.statusCode, body: r.json() as any };
};

beforeAll(async () => {
  // The development config with the default policy written out: a case for every decline,
  // for the alerts of the reportable typologies' rules, and for any critical alert.
  hook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      posted.push({ body, headers: request.headers });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/escalations`;
  configDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-cases-config-'));
  const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8'));
  config.cases = {
    policy: { enabled: true, onDecline: true, minSeverity: 'critical', rules: ['structuring', 'mule-fan-in'], alertsInWindow: { count: 3, minutes: 60 } },
    // Swept every second, so the test sees a due clock quickly.
    sla: { workingDays: 5, warnDays: 1, sweepSeconds: 1, webhookUrl: hookUrl, webhookSecret: HOOK_SECRET },
    // Cases the policy opens go round the risk officers; submitted STRs to the other compliance officer.
    assignment: { risk: ['risk.officer', 'admin'], compliance: ['compliance', 'compliance.second'] },
  };
  writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(config));
  platform = await startTestPlatform({ CONFIG: path.join(configDir, 'config.json') });
  Object.assign(tokens, await logInEveryone(platform.app));
  qr = await merchantQrs(platform.app);

  // A mule fan-in: 34 new payers of one participant pay one new merchant within minutes.
  await muleFanIn(platform.app, qr, FAN_IN_MERCHANT, run);
  // A structuring payer: three payments a day just under the large-value threshold (USD 8,989 each).
  for (let i = 0; i < 3; i++) {
    const r = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: `struct-${run}-${i}`, qr: { payload: qr['m-cn-0001'] }, amount: { value: '64000.00', currency: 'CNY' }, payer: { walletId: STRUCTURING_WALLET, deviceId: `d-struct-${run}`, ip: '10.78.0.1', country: 'TH' } },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  hook?.close();
  rmSync(configDir, { recursive: true, force: true });
});

describe('cases opened by the policy', () => {
  it('opens one case about the fan-in merchant, its payers grouped into one alert', async () => {
    const fanIn = await eventually(
      () => op('risk.officer', 'GET', `/v1/alerts?rule=mule-fan-in&participant=siam-wallet`),
      (r) => r.body.alerts?.length > 0,
      20_000,
    );
    // One alert for the merchant, not one per payer: the payments from the 30th payer on.
    expect(fanIn.body.alerts).toHaveLength(1);
    expect(fanIn.body.alerts[0]).toMatchObject({ subjectKind: 'merchant', subjectId: FAN_IN_MERCHANT, count: 5 });
    const cases = await eventually(
      () => op('risk.officer', 'GET', `/v1/cases?subjectKind=merchant&subjectId=${FAN_IN_MERCHANT}`),
      (r) => r.body.cases?.length > 0 && r.body.cases[0].paymentCount === 5,
      20_000,
    );
    expect(cases.body.cases).toHaveLength(1);
    expect(cases.body.cases[0]).toMatchObject({ state: 'open', openedBy: 'system', openedBecause: 'rule', assignee: 'risk.officer', alertCount: 1, paymentCount: 5, amountUsd: expect.stringMatching(/^5\d\d\.\d\d$/) });
    const one = await op('compliance', 'GET', `/v1/cases/${cases.body.cases[0].id}`);
    expect(one.body.alertIds).toEqual([fanIn.body.alerts[0].id]);
  });

  it('opens a case about the structuring wallet, within its participant', async () => {
    const cases = await eventually(
      () => op('risk.officer', 'GET', `/v1/cases?subjectKind=wallet&subjectId=${STRUCTURING_WALLET}`),
      (r) => r.body.cases?.length > 0,
      20_000,
    );
    expect(cases.body.cases).toHaveLength(1);
    expect(cases.body.cases[0].subject).toEqual({ kind: 'wallet', id: STRUCTURING_WALLET, participant: 'siam-wallet' });
    // The second case of the rotation.
    expect(cases.body.cases[0].assignee).toBe('admin');
    const alerts = await op('risk.officer', 'GET', '/v1/alerts?rule=structuring');
    const structuring = alerts.body.alerts.filter((a: any) => a.walletId === STRUCTURING_WALLET);
    expect(structuring).toHaveLength(1);
    const one = await op('risk.officer', 'GET', `/v1/cases/${cases.body.cases[0].id}`);
    expect(one.body.alertIds).toContain(structuring[0].id);
  });
});

describe('the investigation view', () => {
  it("shows the fan-in merchant's payments and its network of payers, each with its own device and IP", async () => {
    const [found] = (await op('risk.officer', 'GET', `/v1/cases?subjectKind=merchant&subjectId=${FAN_IN_MERCHANT}`)).body.cases;
    const history = await eventually(
      () => op('compliance', 'GET', `/v1/cases/${found.id}/investigation/history`),
      (r) => r.status === 200 && r.body.payments?.count >= 34,
      20_000,
    );
    expect(history.body.payments.count).toBe(34);
    expect(history.body.byCorridor).toEqual([expect.objectContaining({ corridor: 'TH-CN', payments: 34 })]);
    // Suspicious nodes come from alert_events, which lands on its own writer's schedule.
    const network = await eventually(
      () => op('risk.officer', 'GET', `/v1/cases/${found.id}/investigation/network?hops=2`),
      (r) => r.status !== 200 || r.body.nodes.filter((n: any) => n.suspicious).length >= 5,
      20_000,
    );
    expect(network.status).toBe(200);
    const kinds = (kind: string) => network.body.nodes.filter((n: any) => n.kind === kind);
    expect(kinds('merchant')).toEqual([expect.objectContaining({ id: `merchant:${FAN_IN_MERCHANT}`, subject: true, hop: 0 })]);
    expect(kinds('wallet')).toHaveLength(34);
    expect(kinds('device')).toHaveLength(34);
    expect(network.body.nodes.filter((n: any) => n.suspicious).length).toBeGreaterThanOrEqual(5);
    const counterparties = await op('risk.officer', 'GET', `/v1/cases/${found.id}/investigation/counterparties`);
    expect(counterparties.status).toBe(200);
    // Only the case's own subjects can be looked at, over a bounded window.
    expect(await op('risk.officer', 'GET', `/v1/cases/${found.id}/investigation/history?subject=${encodeURIComponent('wallet:panda-wallet:w-1')}`)).toMatchObject({ status: 400 });
    expect(await op('risk.officer', 'GET', `/v1/cases/${found.id}/investigation/history?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z`)).toMatchObject({ status: 400, body: { error: { code: 'ANALYTICS_WINDOW_TOO_LONG' } } });
    expect((await op('siam.analyst', 'GET', `/v1/cases/${found.id}/investigation/network`)).status).toBe(403);
  });
});

describe('working a case', () => {
  it('assign, start, note, close: the alerts take the disposition; timeline, case_events and audit have it all', async () => {
    const [found] = (await op('risk.officer', 'GET', `/v1/cases?subjectKind=merchant&subjectId=${FAN_IN_MERCHANT}`)).body.cases;
    const id = found.id as string;
    expect(await op('risk.officer', 'POST', `/v1/cases/${id}/assign`, { to: 'nobody.here' })).toMatchObject({ status: 422, body: { error: { code: 'UNKNOWN_ASSIGNEE' } } });
    expect(await op('risk.officer', 'POST', `/v1/cases/${id}/assign`, { to: 'compliance' })).toMatchObject({ status: 200, body: { assignee: 'compliance', state: 'open' } });
    expect(await op('compliance', 'POST', `/v1/cases/${id}/start`)).toMatchObject({ status: 200, body: { state: 'investigating' } });
    expect(await op('compliance', 'POST', `/v1/cases/${id}/start`)).toMatchObject({ status: 409, body: { error: { code: 'CASE_ILLEGAL_TRANSITION' } } });
    expect(await op('compliance', 'POST', `/v1/cases/${id}/notes`, { text: 'The merchant was registered four days ago; payers are all new wallets.' })).toMatchObject({ status: 200 });
    expect(await op('compliance', 'POST', `/v1/cases/${id}/close`, { outcome: 'str_filed', note: 'filed' })).toMatchObject({ status: 409, body: { error: { code: 'STR_NOT_APPROVED' } } });
    expect(await op('compliance', 'POST', `/v1/cases/${id}/close`, { outcome: 'false_positive', note: 'A university canteen at term start.' })).toMatchObject({
      status: 200,
      body: { state: 'closed', outcome: 'false_positive', closedBy: 'compliance' },
    });
    expect(await op('risk.officer', 'POST', `/v1/cases/${id}/notes`, { text: 'late' })).toMatchObject({ status: 409, body: { error: { code: 'CASE_CLOSED' } } });

    const alert = (await op('risk.officer', 'GET', `/v1/alerts?rule=mule-fan-in&participant=siam-wallet`)).body.alerts[0];
    expect(alert).toMatchObject({ status: 'resolved', disposition: 'legitimate', note: expect.stringContaining(`case ${id} closed as false_positive`) });

    const timeline = await op('risk.officer', 'GET', `/v1/cases/${id}/timeline`);
    expect(timeline.body.events.map((e: any) => `${e.kind}:${e.actor}`)).toEqual([
      'opened:system',
      'alert_attached:system',
      'assigned:system',
      'assigned:risk.officer',
      'started:compliance',
      'note:compliance',
      'closed:compliance',
    ]);
    const query = async (sql: string) => (await (await platform.clickhouse.client.query({ query: sql, query_params: { id }, format: 'JSONEachRow' })).json()) as any[];
    const events = await eventually(
      () => query('SELECT kind, actor, state FROM cpg.case_events WHERE case_id = {id:String} ORDER BY at, kind'),
      (rows) => rows.length === 7,
      20_000,
    );
    expect(events.map((e) => e.kind).sort()).toEqual(['alert_attached', 'assigned', 'assigned', 'closed', 'note', 'opened', 'started']);
    const audit = await eventually(
      () => query("SELECT action, actor, outcome FROM cpg.audit_log WHERE target = {id:String} AND action LIKE 'case.%' ORDER BY at"),
      (rows) => rows.length === 8,
      20_000,
    );
    expect(audit.map((a) => `${a.action}:${a.actor}:${a.outcome}`)).toEqual([
      'case.assign:risk.officer:denied',
      'case.assign:risk.officer:ok',
      'case.start:compliance:ok',
      'case.start:compliance:denied',
      'case.note:compliance:ok',
      'case.close:compliance:denied',
      'case.close:compliance:ok',
      'case.note:risk.officer:denied',
    ]);
  });

  it('an officer opens a case from an alert; a second one for the subject is refused with the case named', async () => {
    const alerts = (await op('risk.officer', 'GET', '/v1/alerts?participant=siam-wallet')).body.alerts as any[];
    const free = [];
    for (const a of alerts) if (!(await op('risk.officer', 'GET', `/v1/cases?subjectKind=${a.subjectKind}&subjectId=${encodeURIComponent(a.subjectId)}`)).body.cases.some((c: any) => c.state !== 'closed')) free.push(a);
    // The fan-in case is closed: its alert is free for a new case.
    const target = free.find((a) => a.ruleId === 'mule-fan-in');
    expect(target).toBeDefined();
    const opened = await op('risk.officer', 'POST', '/v1/cases', { alertIds: [target.id] });
    expect(opened).toMatchObject({ status: 201, body: { openedBy: 'risk.officer', openedBecause: 'officer', subject: { kind: 'merchant', id: FAN_IN_MERCHANT } } });
    const again = await op('admin', 'POST', '/v1/cases', { alertIds: [target.id] });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'CASE_OPEN_FOR_SUBJECT', message: expect.stringContaining(opened.body.id) } } });
  });
});

describe('the STR of a case', () => {
  it('drafted from the case, refused while incomplete, four eyes on approval, exported valid, and the case closed as filed', async () => {
    const [found] = (await op('compliance', 'GET', `/v1/cases?subjectKind=wallet&subjectId=${STRUCTURING_WALLET}`)).body.cases;
    const caseId = found.id as string;
    expect(await op('risk.officer', 'POST', '/v1/strs', { caseId })).toMatchObject({ status: 403 });
    const drafted = await op('compliance', 'POST', '/v1/strs', { caseId });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    const str = drafted.body;
    expect(str).toMatchObject({ state: 'draft', draftedBy: 'compliance', caseId });
    expect(str.document).toMatchObject({
      version: 1,
      subject: { kind: 'wallet', id: STRUCTURING_WALLET, participant: 'siam-wallet' },
      typologies: expect.arrayContaining(['structuring']),
      reportingInstitution: { country: 'CN' },
    });
    expect(str.document.transactions.length).toBeGreaterThanOrEqual(1);
    expect(str.document.transactions[0]).toMatchObject({ amount: '64000.00', currency: 'CNY', payerWalletId: STRUCTURING_WALLET });
    // The narrative is the officer's: until it is written, the draft says so and cannot be submitted.
    expect(str.problems.map((p: any) => p.field)).toEqual(expect.arrayContaining(['narrative', 'measuresTaken']));
    expect(await op('compliance', 'POST', '/v1/strs', { caseId })).toMatchObject({ status: 409, body: { error: { code: 'STR_IN_PROGRESS', message: expect.stringContaining(str.id) } } });
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/submit`)).toMatchObject({ status: 422, body: { error: { code: 'STR_INVALID', message: expect.stringContaining('narrative') } } });
    const edited = await op('compliance', 'PUT', `/v1/strs/${str.id}`, {
      narrative: 'Three payments of CNY 64,000 within minutes, each just under the large-value threshold, from a wallet opened the same day.',
      measuresTaken: 'Wallet placed under enhanced monitoring; participant informed.',
    } as object);
    expect(edited).toMatchObject({ status: 200, body: { problems: [] } });
    // Submitting needs the case under investigation.
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/submit`)).toMatchObject({ status: 409, body: { error: { code: 'CASE_ILLEGAL_TRANSITION' } } });
    await op('compliance', 'POST', `/v1/cases/${caseId}/start`);
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/submit`)).toMatchObject({ status: 200, body: { state: 'submitted' } });
    // Its approver is the other compliance officer: the rotation skips the drafter.
    expect((await op('compliance', 'GET', `/v1/cases/${caseId}`)).body).toMatchObject({ state: 'pending_approval', queue: 'compliance', assignee: 'compliance.second' });
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/approve`)).toMatchObject({ status: 403, body: { error: { code: 'FOUR_EYES_REQUIRED' } } });
    expect(await op('admin', 'POST', `/v1/strs/${str.id}/approve`)).toMatchObject({ status: 403 });
    expect(await op('compliance', 'GET', `/v1/strs/${str.id}/export?format=xml`)).toMatchObject({ status: 409, body: { error: { code: 'STR_ILLEGAL_TRANSITION' } } });
    // Sent back by the second officer, corrected, submitted again, approved.
    expect(await op('compliance.second', 'POST', `/v1/strs/${str.id}/return`, { comment: 'Name the merchant in the narrative.' })).toMatchObject({ status: 200, body: { state: 'returned' } });
    expect((await op('compliance', 'GET', `/v1/cases/${caseId}`)).body).toMatchObject({ state: 'investigating' });
    await op('compliance', 'PUT', `/v1/strs/${str.id}`, { narrative: `${edited.body.document.narrative} All three at Jade Garden Restaurant (m-cn-0001).` } as object);
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/submit`)).toMatchObject({ status: 200 });
    const approved = await op('compliance.second', 'POST', `/v1/strs/${str.id}/approve`);
    expect(approved).toMatchObject({ status: 200, body: { state: 'approved', approvedBy: 'compliance.second', problems: [] } });
    expect(approved.body.document.totals).toEqual([{ currency: 'CNY', amount: expect.stringMatching(/^\d+\.00$/), count: approved.body.document.transactions.length }]);
    expect(await op('compliance', 'PUT', `/v1/strs/${str.id}`, { narrative: 'changed after approval, which must not happen' } as object)).toMatchObject({ status: 409, body: { error: { code: 'STR_NOT_EDITABLE' } } });

    const xml = await platform.app.inject({ method: 'GET', url: `/v1/strs/${str.id}/export?format=xml`, headers: { authorization: `Bearer ${tokens.compliance}` } });
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toContain('application/xml');
    expect(xml.body).toContain('<narrative>Three payments of CNY 64,000');
    expect(xml.body).toContain('<approvedBy>compliance.second</approvedBy>');
    const html = await platform.app.inject({ method: 'GET', url: `/v1/strs/${str.id}/export?format=html`, headers: { authorization: `Bearer ${tokens.compliance}` } });
    expect(html.statusCode).toBe(200);
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/filing`, { reference: 'PBOC-2026-000123' })).toMatchObject({ status: 200, body: { filingReference: 'PBOC-2026-000123' } });
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/filing`, { reference: 'again' })).toMatchObject({ status: 409, body: { error: { code: 'STR_ALREADY_FILED' } } });

    expect(await op('compliance', 'POST', `/v1/cases/${caseId}/close`, { outcome: 'str_filed', note: 'Filed as PBOC-2026-000123.' })).toMatchObject({ status: 200, body: { state: 'closed', outcome: 'str_filed' } });
    const timeline = (await op('risk.officer', 'GET', `/v1/cases/${caseId}/timeline`)).body.events.map((e: any) => `${e.kind}:${e.actor}`);
    expect(timeline.slice(-12)).toEqual([
      'str_drafted:compliance',
      'str_edited:compliance',
      'started:compliance',
      'str_submitted:compliance',
      'assigned:system',
      'str_returned:compliance.second',
      'str_edited:compliance',
      'str_submitted:compliance',
      'assigned:system',
      'str_approved:compliance.second',
      'str_filed:compliance',
      'closed:compliance',
    ]);
    // A structuring payer's alerts are fraud once a report is filed.
    const alerts = (await op('risk.officer', 'GET', '/v1/alerts?rule=structuring')).body.alerts.filter((a: any) => a.walletId === STRUCTURING_WALLET);
    expect(alerts[0]).toMatchObject({ status: 'resolved', disposition: 'fraud' });

    // A correction after filing: a new version linked to the first, approved by four eyes; the
    // approved report stays as it was, marked superseded; the case stays closed.
    expect(await op('risk.officer', 'POST', `/v1/strs/${str.id}/correct`)).toMatchObject({ status: 403 });
    const corrected = await op('compliance.second', 'POST', `/v1/strs/${str.id}/correct`);
    expect(corrected.status, JSON.stringify(corrected.body)).toBe(201);
    const v2 = corrected.body;
    expect(v2).toMatchObject({ state: 'draft', draftedBy: 'compliance.second', caseId, filingReference: '', document: { version: 2, correctsStrId: str.id, narrative: approved.body.document.narrative } });
    expect(v2.id).not.toBe(str.id);
    expect(v2.document.approvedBy).toBeUndefined();
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/correct`)).toMatchObject({ status: 409, body: { error: { code: 'STR_IN_PROGRESS', message: expect.stringContaining(v2.id) } } });
    expect(await op('compliance.second', 'PUT', `/v1/strs/${v2.id}`, { measuresTaken: 'Wallet closed by the participant on 2026-12-07; funds frozen.' } as object)).toMatchObject({ status: 200, body: { problems: [] } });
    expect(await op('compliance.second', 'POST', `/v1/strs/${v2.id}/submit`)).toMatchObject({ status: 200, body: { state: 'submitted' } });
    expect((await op('compliance', 'GET', `/v1/cases/${caseId}`)).body).toMatchObject({ state: 'closed', outcome: 'str_filed' });
    expect(await op('compliance.second', 'POST', `/v1/strs/${v2.id}/approve`)).toMatchObject({ status: 403, body: { error: { code: 'FOUR_EYES_REQUIRED' } } });
    expect(await op('compliance', 'POST', `/v1/strs/${v2.id}/approve`)).toMatchObject({ status: 200, body: { state: 'approved', approvedBy: 'compliance' } });
    expect((await op('compliance', 'GET', `/v1/strs/${str.id}`)).body).toMatchObject({ state: 'approved', supersededBy: v2.id, filingReference: 'PBOC-2026-000123', document: { version: 1, measuresTaken: 'Wallet placed under enhanced monitoring; participant informed.' } });
    expect(await op('compliance', 'POST', `/v1/strs/${str.id}/correct`)).toMatchObject({ status: 409, body: { error: { code: 'STR_SUPERSEDED', message: expect.stringContaining(v2.id) } } });
    const v2xml = await platform.app.inject({ method: 'GET', url: `/v1/strs/${v2.id}/export?format=xml`, headers: { authorization: `Bearer ${tokens.compliance}` } });
    expect(v2xml.statusCode, v2xml.body).toBe(200);
    expect(v2xml.body).toMatch(/<version>2<\/version>/);
    expect(v2xml.body).toContain(`<correctsStrId>${str.id}</correctsStrId>`);
    expect((await op('compliance', 'GET', `/v1/cases/${caseId}`)).body).toMatchObject({ state: 'closed', outcome: 'str_filed' });
    expect((await op('risk.officer', 'GET', `/v1/cases/${caseId}/timeline`)).body.events.slice(-4).map((e: any) => [e.kind, e.details.strId, e.details.corrects ?? ''])).toEqual([
      ['str_drafted', v2.id, str.id],
      ['str_edited', v2.id, ''],
      ['str_submitted', v2.id, ''],
      ['str_approved', v2.id, str.id],
    ]);
  });
});

describe('attachments', () => {
  const upload = (username: string, caseId: string, type: string, name: string, payload: Buffer) =>
    platform.app.inject({ method: 'POST', url: `/v1/cases/${caseId}/attachments`, headers: { authorization: `Bearer ${tokens[username]}`, 'content-type': type, 'x-file-name': encodeURIComponent(name) }, payload });

  it('keeps a checked file on the case, served only as a download, and refuses disguised, oversized and unnamed ones', async () => {
    const [open] = (await op('risk.officer', 'GET', '/v1/cases?state=open')).body.cases;
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 0x20), Buffer.from('\n%%EOF\n')]);
    const added = await upload('risk.officer', open.id, 'application/pdf', 'bank statement 2026-11 (银行).pdf', pdf);
    expect(added.statusCode, added.body).toBe(201);
    const attachment = added.json();
    expect(attachment).toMatchObject({ name: 'bank statement 2026-11 (银行).pdf', type: 'application/pdf', bytes: pdf.length, addedBy: 'risk.officer' });
    expect(attachment.id).toMatch(/^[a-f0-9]{32}$/);
    const file = await platform.app.inject({ method: 'GET', url: `/v1/cases/${open.id}/attachments/${attachment.id}`, headers: { authorization: `Bearer ${tokens.compliance}` } });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(pdf)).toBe(true);
    expect(file.headers).toMatchObject({ 'content-type': 'application/pdf', 'x-content-type-options': 'nosniff' });
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename\*=UTF-8''/);

    const refused = [
      [await upload('risk.officer', open.id, 'application/pdf', 'invoice.pdf', Buffer.from('MZ\x90\x00 this is a windows program')), 422, 'ATTACHMENT_TYPE_MISMATCH'],
      [await upload('risk.officer', open.id, 'text/plain', 'notes.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])), 422, 'ATTACHMENT_TYPE_MISMATCH'],
      [await upload('risk.officer', open.id, 'text/csv', 'ledger.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])), 422, 'ATTACHMENT_TYPE_MISMATCH'],
      [await upload('risk.officer', open.id, 'image/png', 'empty.png', Buffer.alloc(0)), 422, 'ATTACHMENT_TYPE_MISMATCH'],
      [await upload('risk.officer', open.id, 'application/zip', 'all.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04])), 415, 'ATTACHMENT_TYPE_UNSUPPORTED'],
      [await upload('risk.officer', open.id, 'text/plain', '../../etc/passwd', Buffer.from('x')), 400, 'ATTACHMENT_NAME_INVALID'],
      [await upload('risk.officer', open.id, 'application/pdf', 'big.pdf', Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(10 * 1024 * 1024)])), 413, 'ATTACHMENT_TOO_LARGE'],
      [await upload('risk.officer', 'case_0123456789abcdef01234567', 'text/plain', 'a.txt', Buffer.from('text')), 404, 'CASE_NOT_FOUND'],
    ] as const;
    for (const [answer, status, code] of refused) expect([answer.statusCode, answer.json().error?.code], answer.body).toEqual([status, code]);
    expect((await upload('siam.analyst', open.id, 'text/plain', 'a.txt', Buffer.from('text'))).statusCode).toBe(403);

    // Only the accepted file is on the case, and on disk.
    expect((await op('risk.officer', 'GET', `/v1/cases/${open.id}/attachments`)).body.attachments.map((a: any) => a.id)).toEqual([attachment.id]);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(platform.dataDir, 'case-attachments'))).toEqual([`${attachment.id}.bin`]);
    expect((await op('risk.officer', 'GET', `/v1/cases/${open.id}/attachments/${'0'.repeat(32)}`)).status).toBe(404);
    const timeline = (await op('risk.officer', 'GET', `/v1/cases/${open.id}/timeline`)).body.events;
    expect(timeline.at(-1)).toMatchObject({ kind: 'attachment_added', actor: 'risk.officer', details: { id: attachment.id, sha256: attachment.sha256 } });
  });
});

describe('the live feed of cases', () => {
  it('tells case workers of changes, of an SLA warning and of an escalation, once each; a participant analyst hears nothing', async () => {
    const base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    const sockets: Socket[] = [];
    const heard = (username: string) => {
      const socket = connect(`${base}/console`, { auth: { token: tokens[username] }, transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      const events: Array<[string, any]> = [];
      for (const name of ['case', 'case:update', 'case:sla']) socket.on(name, (payload: unknown) => events.push([name, payload]));
      return { events, connected: new Promise<void>((resolve, reject) => { socket.on('connect', () => resolve()); socket.on('connect_error', reject); }) };
    };
    try {
      const officer = heard('risk.officer');
      const analyst = heard('siam.analyst');
      await Promise.all([officer.connected, analyst.connected]);
      const [open] = (await op('risk.officer', 'GET', '/v1/cases?state=open')).body.cases;
      await op('risk.officer', 'POST', `/v1/cases/${open.id}/notes`, { text: 'heard by the consoles' });
      // Its clock made due now: the next sweep warns, once.
      await platform.redis.hset(`case:${open.id}`, 'slaWarnAt', String(Date.now() - 1000));
      await platform.redis.zadd('cases:sla', Date.now() - 1000, open.id);
      await eventually(() => officer.events, (e) => e.some(([name]) => name === 'case:sla'), 20_000);
      await new Promise((r) => setTimeout(r, 2500));
      expect(officer.events.filter(([name]) => name === 'case:update').map(([, c]) => c.id)).toContain(open.id);
      expect(officer.events.filter(([name]) => name === 'case:sla')).toEqual([['case:sla', { kind: 'warning', case: expect.objectContaining({ id: open.id }) }]]);
      expect(analyst.events).toEqual([]);
      expect((await op('risk.officer', 'GET', `/v1/cases/${open.id}`)).body.slaWarnedAt).not.toBe('');
      expect(posted).toEqual([]);

      // Its deadline passes: escalated once, on the feed and to the operators' webhook, signed.
      await platform.redis.hset(`case:${open.id}`, 'slaDeadlineAt', String(Date.now() - 500));
      await platform.redis.zadd('cases:sla', Date.now() - 500, open.id);
      await eventually(() => posted, (p) => p.length > 0, 20_000);
      await new Promise((r) => setTimeout(r, 2500));
      expect(officer.events.filter(([name]) => name === 'case:sla').map(([, e]) => e.kind)).toEqual(['warning', 'escalated']);
      expect(posted).toHaveLength(1);
      expect(JSON.parse(posted[0]!.body)).toMatchObject({ type: 'case.sla', kind: 'escalated', caseId: open.id });
      const { headers, body } = posted[0]!;
      expect(headers['x-cpg-signature']).toBe(webhookSignature(HOOK_SECRET, String(headers['x-cpg-timestamp']), body));
      expect((await op('risk.officer', 'GET', `/v1/cases/${open.id}`)).body).toMatchObject({ state: 'escalated', queue: 'escalations' });
      // Taken back by an officer, it is investigated again.
      expect(await op('risk.officer', 'POST', `/v1/cases/${open.id}/start`)).toMatchObject({ status: 200, body: { state: 'investigating' } });
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });
});

describe('who may, and bad input', () => {
  it('keeps a participant analyst and anonymous callers out of every case route', async () => {
    const id = 'case_0123456789abcdef01234567';
    const routes: Array<['GET' | 'POST', string, object?]> = [
      ['GET', '/v1/cases'],
      ['GET', `/v1/cases/${id}`],
      ['GET', `/v1/cases/${id}/timeline`],
      ['POST', '/v1/cases', { alertIds: ['alt_0123456789ab'] }],
      ['POST', `/v1/cases/${id}/assign`, { to: 'admin' }],
      ['POST', `/v1/cases/${id}/start`],
      ['POST', `/v1/cases/${id}/escalate`, { reason: 'r' }],
      ['POST', `/v1/cases/${id}/notes`, { text: 't' }],
      ['POST', `/v1/cases/${id}/close`, { outcome: 'no_suspicion', note: 'n' }],
      ['POST', `/v1/cases/${id}/merge`, { from: id }],
    ];
    for (const [method, url, payload] of routes) {
      expect((await op('siam.analyst', method, url, payload)).status, `${method} ${url}`).toBe(403);
      const anonymous = await platform.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
    }
  });

  it('answers unknown ids, bad bodies and hostile values with a 4xx and a code', async () => {
    expect(await op('risk.officer', 'GET', '/v1/cases/case_0123456789abcdef01234567')).toMatchObject({ status: 404, body: { error: { code: 'CASE_NOT_FOUND' } } });
    expect(await op('risk.officer', 'POST', '/v1/cases/case_0123456789abcdef01234567/start')).toMatchObject({ status: 404, body: { error: { code: 'CASE_NOT_FOUND' } } });
    expect(await op('risk.officer', 'GET', "/v1/cases/case_'%3B%20DROP")).toMatchObject({ status: 400 });
    expect(await op('risk.officer', 'POST', '/v1/cases', { alertIds: [] })).toMatchObject({ status: 400 });
    expect(await op('risk.officer', 'POST', '/v1/cases', { alertIds: ['alt_0123456789ab'] })).toMatchObject({ status: 404, body: { error: { code: 'ALERT_NOT_FOUND' } } });
    const [open] = (await op('risk.officer', 'GET', '/v1/cases?state=investigating')).body.cases;
    expect(open).toBeDefined();
    expect(await op('risk.officer', 'POST', `/v1/cases/${open.id}/notes`, { text: 'x'.repeat(10_001) })).toMatchObject({ status: 400 });
    expect(await op('risk.officer', 'POST', `/v1/cases/${open.id}/close`, { outcome: 'fraud', note: 'n' })).toMatchObject({ status: 400 });
    expect(await op('risk.officer', 'POST', `/v1/cases/${open.id}/merge`, { from: open.id })).toMatchObject({ status: 400, body: { error: { code: 'CASE_MERGE_SELF' } } });
    expect(await op('risk.officer', 'GET', '/v1/cases?state=lost')).toMatchObject({ status: 400 });
    // Nothing of it changed the case.
    expect((await op('risk.officer', 'GET', `/v1/cases/${open.id}`)).body).toMatchObject({ state: 'investigating', updatedAt: open.updatedAt });
  });
});
