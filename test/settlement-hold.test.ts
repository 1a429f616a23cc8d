import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../server/config/schema.ts';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * Hold on review through HTTP: a reviewed payment approved for the payer with its settlement
 * held, by the wallet's configuration or by the rule that reviewed it; the participant sees
 * the flag on the payment and in its analytics; its case holds it, and closing the case
 * without suspicion, or an officer, releases it.
 */

const PEP = '习近平';

describe('settlement held on review', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let dir: string;
  let qr: Record<string, string>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-hold-'));
    const config = JSON.parse(readFileSync(new URL('../config/development.json', import.meta.url), 'utf8')) as ConfigFile;
    config.participants.find((p) => p.id === 'siam-wallet')!.holdSettlement = true;
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: path.join(dir, 'config.json') });
    qr = await merchantQrs(platform.app);
    for (const role of ['risk_officer', 'participant_analyst'] as const) {
      const user = devCredentials().users.find((u) => u.role === role && (role !== 'participant_analyst' || u.participant === 'siam-wallet'))!;
      tokens[role] = (await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } })).json().token;
    }
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pay = (participant: string, name: string, walletId = `w-${randomUUID()}`) =>
    signed(platform.app, {
      participant,
      method: 'POST',
      path: '/v1/payments',
      body: {
        txnId: randomUUID(),
        qr: { payload: qr['m-cn-0001'] },
        amount: { value: '45.00', currency: 'CNY' },
        payer: { walletId, name, deviceId: `d-${walletId}`, country: participant === 'siam-wallet' ? 'TH' : 'SG' },
      },
    });
  const status = async (participant: string, paymentId: string) => (await signed(platform.app, { participant, method: 'GET', path: `/v1/payments/${paymentId}` })).body;
  const operator = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, role: keyof typeof tokens = 'risk_officer') => {
    const r = await platform.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[role]}` }, ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: r.json() as Record<string, any> };
  };
  /** The open case about a payer's wallet, once the payment's alert reached it. */
  const caseOf = (walletId: string) =>
    eventually(
      async () => (await operator('GET', `/v1/cases?subjectKind=wallet&subjectId=${encodeURIComponent(walletId)}`)).body.cases[0] as Record<string, any> | undefined,
      (c) => c !== undefined,
      10_000,
    );

  it("holds every review of a wallet configured to, until closing its case without suspicion releases it; the wallet sees both", async () => {
    const walletId = `w-${randomUUID()}`;
    const paid = await pay('siam-wallet', PEP, walletId);
    expect(paid.body).toMatchObject({ status: 'APPROVED', risk: { decision: 'review' }, settlementHeld: true });
    const paymentId = paid.body.paymentId as string;
    expect(await status('siam-wallet', paymentId)).toMatchObject({ paymentId, status: 'APPROVED', settlementHeld: true });

    // An approved payment of the same wallet is not held, nor is a review of another wallet.
    const plain = await pay('siam-wallet', 'Somchai Jaidee');
    expect(plain.body.risk.decision).toBe('approve');
    expect(plain.body.settlementHeld).toBeUndefined();
    expect((await status('siam-wallet', plain.body.paymentId)).settlementHeld).toBe(false);
    const elsewhere = await pay('merlion-pay', PEP);
    expect(elsewhere.body).toMatchObject({ status: 'APPROVED', risk: { decision: 'review' } });
    expect(elsewhere.body.settlementHeld).toBeUndefined();

    const held = await caseOf(walletId);
    const detail = await eventually(
      async () => (await operator('GET', `/v1/cases/${held!.id}`)).body,
      (c) => (c.heldSettlements as string[]).includes(paymentId),
      5000,
    );
    expect(detail.heldSettlements).toEqual([paymentId]);

    // The payment's row says it was held; the wallet's analytics count it as held.
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    const summary = () => signed(platform.app, { participant: 'siam-wallet', method: 'GET', path: `/v1/analytics/summary?from=${from}&to=${to}` });
    const before = await eventually(async () => (await summary()).body, (s) => s.settlementHeld?.payments >= 1, 15_000);
    expect(before.settlementHeld).toMatchObject({ payments: 1, released: 0 });
    expect(Number(before.settlementHeld.valueUsd)).toBeGreaterThan(0);

    const closed = await operator('POST', `/v1/cases/${held!.id}/close`, { outcome: 'no_suspicion', note: 'a namesake of the listed person' });
    expect(closed.status).toBe(200);
    const after = await status('siam-wallet', paymentId);
    expect(after).toMatchObject({ settlementHeld: false, settlementReleasedAt: expect.any(String) });
    const timeline = (await operator('GET', `/v1/cases/${held!.id}/timeline`)).body.events as Array<Record<string, any>>;
    expect(timeline.map((e) => e.kind).slice(-2)).toEqual(['closed', 'settlement_released']);
    expect(timeline.at(-1)!.details).toMatchObject({ paymentIds: [paymentId] });
    expect((await operator('GET', `/v1/cases/${held!.id}`)).body.heldSettlements).toEqual([]);
    const released = await eventually(async () => (await summary()).body, (s) => s.settlementHeld?.released >= 1, 15_000);
    expect(released.settlementHeld).toMatchObject({ payments: 0, valueUsd: '0', released: 1 });

    // Nothing of the case reaches the wallet's analyst.
    expect((await operator('GET', `/v1/cases/${held!.id}`, undefined, 'participant_analyst')).status).toBe(403);
  });

  it('holds a review by a rule that says so, and an officer releases it, refusing payments the case does not hold', async () => {
    const rule = (await operator('GET', '/v1/rules/screening-payer-pep')).body.rule;
    const { version: _v, createdAt: _c, createdBy: _b, ...definition } = rule;
    const put = await operator('PUT', '/v1/rules/screening-payer-pep', { ...definition, then: { ...definition.then, holdSettlement: true } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const walletId = `w-${randomUUID()}`;
    const paid = await eventually(
      () => pay('merlion-pay', PEP, walletId),
      (r) => r.body.settlementHeld === true,
      5000,
    );
    expect(paid.body).toMatchObject({ status: 'APPROVED', risk: { decision: 'review' }, settlementHeld: true });
    const paymentId = paid.body.paymentId as string;
    const held = await caseOf(walletId);
    await eventually(async () => (await operator('GET', `/v1/cases/${held!.id}`)).body.heldSettlements as string[], (ids) => ids.includes(paymentId), 5000);

    const other = (await pay('merlion-pay', 'Somchai Jaidee')).body.paymentId as string;
    const refused = await operator('POST', `/v1/cases/${held!.id}/settlement-release`, { paymentIds: [other], note: 'not this one' });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'SETTLEMENT_NOT_HELD']);
    expect(refused.body.error.message).toContain(other);
    expect((await status('merlion-pay', paymentId)).settlementHeld).toBe(true);
    const unknown = await operator('POST', '/v1/cases/case_ffffffffffffffffffffffff/settlement-release', { note: 'none' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'CASE_NOT_FOUND']);
    const noNote = await operator('POST', `/v1/cases/${held!.id}/settlement-release`, {});
    expect([noNote.status, noNote.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);

    const release = await operator('POST', `/v1/cases/${held!.id}/settlement-release`, { paymentIds: [paymentId], note: 'source of funds documented' });
    expect(release).toMatchObject({ status: 200, body: { released: [paymentId], heldSettlements: [] } });
    expect(await status('merlion-pay', paymentId)).toMatchObject({ settlementHeld: false, settlementReleasedAt: expect.any(String) });
    const again = await operator('POST', `/v1/cases/${held!.id}/settlement-release`, { note: 'again' });
    expect([again.status, again.body.error.code]).toEqual([409, 'SETTLEMENT_NOT_HELD']);
    const audit = await eventually(
      async () => (await platform.clickhouse.client.query({ query: "SELECT actor, outcome FROM cpg.audit_log WHERE action = 'case.settlement.release' ORDER BY at", format: 'JSONEachRow' })).json<{ actor: string; outcome: string }>(),
      (rows) => rows.length >= 4,
      10_000,
    );
    // The payment not held, the unknown case, the release, the second one (a body refused by its schema reaches no handler).
    expect(audit).toEqual(['denied', 'denied', 'ok', 'denied'].map((outcome) => ({ actor: expect.any(String), outcome })));
  });
});
