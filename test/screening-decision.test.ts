import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../server/config/schema.ts';
import { merchantQr } from '../switch/issued-qr.ts';
import { createRegistry } from '../switch/registry.ts';
import { signed } from './support/signed-request.ts';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * The parties' names screened inside the risk step, through POST /v1/payments on the whole
 * platform: the development config loads the repository's sample list (list "sample").
 */

type Reason = { ruleId: string; message: string; value?: number | string };

describe.each(['main', 'thread'] as const)('sanctions and PEP screening of a payment, names matched on the %s thread', (matchOn) => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let qr: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-screening-'));
    const config = JSON.parse(readFileSync(new URL('../config/development.json', import.meta.url), 'utf8')) as ConfigFile;
    config.screening = { ...config.screening, matchOn };
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: path.join(dir, 'config.json') });
    qr = await merchantQrs(platform.app);
    const compliance = devCredentials().users.find((u) => u.role === 'compliance')!;
    const login = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: compliance.username, password: compliance.password } });
    const lists = await platform.app.inject({ method: 'GET', url: '/v1/screening/lists', headers: { authorization: `Bearer ${login.json().token}` } });
    expect(lists.json()).toMatchObject({ matchedOn: matchOn, lists: [{ name: 'sample', installedVersion: expect.any(Number) }] });
  });
  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pay = (name: string | undefined, options: { walletId?: string; payload?: string; birthDate?: string; nationality?: string } = {}) =>
    signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: {
        txnId: randomUUID(),
        qr: { payload: options.payload ?? qr['m-cn-0001'] },
        amount: { value: '45.00', currency: 'CNY' },
        payer: {
          walletId: options.walletId ?? `w-${randomUUID()}`,
          ...(name === undefined ? {} : { name }),
          ...(options.birthDate ? { birthDate: options.birthDate } : {}),
          ...(options.nationality ? { nationality: options.nationality } : {}),
          deviceId: `d-${randomUUID()}`,
          country: 'TH',
        },
      },
    });
  const reason = (body: Record<string, any>, ruleId: string): Reason | undefined => (body.risk.reasons as Reason[]).find((r) => r.ruleId === ruleId);
  const row = (paymentId: string) =>
    eventually(
      async () =>
        (await (await platform.clickhouse.client.query({
          query: 'SELECT payer_name, merchant_name, merchant_alt_names, screening_lists, decision FROM cpg.transactions WHERE payment_id = {id:String}',
          query_params: { id: paymentId },
          format: 'JSONEachRow',
        })).json<Record<string, unknown>>())[0],
      (r) => r !== undefined,
      15_000,
    );

  it('declines a sanctioned payer, naming the matched entity and list version; the row and the alert carry the names', async () => {
    const r = await pay('Kim Jong Un');
    expect(r.body).toMatchObject({ status: 'DECLINED', declineCode: 'RISK_DECLINED', risk: { decision: 'decline', score: 1000 } });
    const hit = reason(r.body, 'screening-payer-sanctions');
    expect(hit?.value).toBe(1);
    const version = /^Payer name matches sanctioned cpg-sample-kim-jong-un in sample v(\d+) \(score 1\)$/.exec(hit?.message ?? '')?.[1];
    expect(version, hit?.message).toBeDefined();

    expect(await row(r.body.paymentId)).toEqual({
      payer_name: 'Kim Jong Un',
      merchant_name: 'Jade Garden Restaurant',
      // The registry's name in the merchant's language, screened with it.
      merchant_alt_names: ['翡翠园餐厅'],
      screening_lists: `sample:${version}`,
      decision: 'decline',
    });
    const alerts = await eventually(
      () => platform.alerting.alerts.list({ participant: 'siam-wallet' }),
      (list) => list.some((a) => a.paymentId === r.body.paymentId),
      5000,
    );
    expect(alerts.find((a) => a.paymentId === r.body.paymentId)).toMatchObject({
      ruleId: 'screening-payer-sanctions',
      payerName: 'Kim Jong Un',
      merchantName: 'Jade Garden Restaurant',
      severity: 'critical',
    });
  });

  it.each([
    ['Hangul', '김정은'],
    ['Hanzi', '金正恩'],
    ['pinyin', 'Jin Zhengen'],
    ['a joined given name', 'KIM JONGUN'],
  ])('declines the same payer named in %s', async (_script, name) => {
    const r = await pay(name);
    expect(r.body).toMatchObject({ status: 'DECLINED', risk: { decision: 'decline' } });
    expect(reason(r.body, 'screening-payer-sanctions')?.message).toMatch(/^Payer name matches sanctioned cpg-sample-kim-jong-un in sample v\d+/);
  });

  it('reviews a politically exposed payer, and approves a plain name sharing a token with a listed one', async () => {
    const pep = await pay('习近平');
    expect(pep.body).toMatchObject({ status: 'APPROVED', risk: { decision: 'review' } });
    expect(pep.body.risk.reasons.map((x: Reason) => x.ruleId)).toEqual(['screening-payer-pep']);
    expect(reason(pep.body, 'screening-payer-pep')?.message).toMatch(/^Payer name matches politically exposed person cpg-sample-xi-jinping in sample v\d+ \(score 1\)$/);
    expect(reason(pep.body, 'screening-payer-pep')?.value).toBe(1);

    const plain = await pay('  Kim Min-jun ');
    expect(plain.body).toMatchObject({ status: 'APPROVED', risk: { decision: 'approve', reasons: [] } });
    // Kept as screened: trimmed, in NFC.
    expect(await row(plain.body.paymentId)).toMatchObject({ payer_name: 'Kim Min-jun', screening_lists: expect.stringMatching(/^sample:\d+$/) });
  });

  it("declines a payment to a merchant whose QR names it, in its alternate language, as a sanctioned company", async () => {
    const config = JSON.parse(readFileSync(new URL('../config/development.json', import.meta.url), 'utf8')) as ConfigFile;
    const registry = createRegistry({ gateway: config.gateway, participants: config.participants, merchants: config.merchants });
    // The registered merchant's account, name and city; template 64 says 海康威视 (Hikvision).
    const presented = merchantQr(registry, { ...registry.merchant('m-cn-0001')!, localName: '海康威视' });
    if (!presented.ok) throw new Error(presented.error.message);
    const r = await pay('Somchai Jaidee', { payload: presented.value });
    expect(r.body).toMatchObject({ status: 'DECLINED', risk: { decision: 'decline' } });
    expect(reason(r.body, 'screening-merchant-sanctions')?.message).toMatch(/^Merchant name matches sanctioned cpg-sample-hikvision in sample v\d+/);
    // The name it was declined on is in its row.
    expect(await row(r.body.paymentId)).toMatchObject({ merchant_alt_names: expect.arrayContaining(['海康威视']), decision: 'decline' });
    // The registry's QR of the same merchant is not.
    expect((await pay('Somchai Jaidee')).body.risk.decision).toBe('approve');
  });

  it("carries the payer's name into a refund of the payment", async () => {
    const paid = await pay('สมชาย ใจดี');
    expect(paid.body.status).toBe('APPROVED');
    const refund = await signed(platform.app, {
      participant: 'huaxia-acquiring',
      method: 'POST',
      path: `/v1/payments/${paid.body.paymentId}/refund`,
      body: { txnId: randomUUID(), amount: { value: '5.00', currency: 'CNY' } },
    });
    expect(refund.body.status).toBe('APPROVED');
    expect(await row(refund.body.paymentId)).toMatchObject({ payer_name: 'สมชาย ใจดี' });
  });

  it('refuses a name holding a control character, or only spaces, as the other fields are refused', async () => {
    const control = await pay('Kim\u0000Jong Un');
    expect([control.status, control.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(control.body.error.message).toContain('/payer/name');
    const blank = await pay('   ');
    expect([blank.status, blank.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(blank.body.error.message).toContain('payer/name');
  });

  it("weighs the payer's year of birth and nationality when the wallet sends them, and keeps only the year", async () => {
    // Born 1984, North Korean: the listed Kim Jong Un. Born 1950: a namesake, below the threshold.
    const same = await pay('Kim Jong Un', { birthDate: '1984-01-08', nationality: 'KP' });
    expect(same.body.risk.decision).toBe('decline');
    const namesake = await pay('Kim Jong Un', { birthDate: '1950-03-02', nationality: 'KR' });
    expect(namesake.body).toMatchObject({ status: 'APPROVED', risk: { decision: 'approve' } });
    expect(await row(namesake.body.paymentId)).toMatchObject({ payer_name: 'Kim Jong Un', screening_lists: expect.stringMatching(/^sample:\d+$/) });
    const stored = await (await platform.clickhouse.client.query({
      query: 'SELECT payer_birth_year, payer_nationality FROM cpg.transactions WHERE payment_id = {id:String}',
      query_params: { id: namesake.body.paymentId },
      format: 'JSONEachRow',
    })).json<{ payer_birth_year: number; payer_nationality: string }>();
    expect(stored).toEqual([{ payer_birth_year: 1950, payer_nationality: 'KR' }]);
    // A weak alias alone scores below the threshold; with the listed year of birth it is a hit.
    expect((await pay('John Lee')).body.risk.decision).toBe('approve');
    expect((await pay('John Lee', { birthDate: '1957-12-07' })).body.risk.decision).toBe('decline');
  });

  it('refuses a date of birth that is no calendar day, before 1900 or in the future, and a nationality not in ISO form', async () => {
    for (const birthDate of ['1984-02-30', '1899-12-31', '2999-01-01', '1984-1-8']) {
      const r = await pay('Somchai Jaidee', { birthDate });
      expect([r.status, r.body.error.code], birthDate).toEqual([400, 'VALIDATION_FAILED']);
      expect(r.body.error.message, birthDate).toContain('birthDate');
    }
    const r = await pay('Somchai Jaidee', { nationality: 'kp' });
    expect([r.status, r.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
