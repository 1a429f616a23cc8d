import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAmountMinor } from '../domain/amount-limits.ts';
import { currencyByCode } from '../switch/currency.ts';
import { convert, crossRate, formatAmount, parseDecimal } from '../switch/money.ts';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually } from './support/traffic.ts';

/**
 * The largest amounts the API takes, followed through the whole pipeline on a real platform:
 * the answer, the ledger's Redis hashes and Lua arithmetic, the risk facts' profile, the tap,
 * the ClickHouse row and a report, each to the last minor unit. One wallet has issuer limits
 * as large as the largest amount, so such a payment can be approved.
 */

const CNY = currencyByCode('CNY')!;
const KRW = currencyByCode('KRW')!;
const SGD = currencyByCode('SGD')!;
const USD = currencyByCode('USD')!;

const devConfig = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as {
  fx: { rates: Record<string, string> };
  participants: Array<{ id: string; issuer?: Record<string, string> }>;
};
const rate = (from: string, to: string) => crossRate(parseDecimal(devConfig.fx.rates[from]!)!, parseDecimal(devConfig.fx.rates[to]!)!);
/** Minor units of a decimal text at `scale` places: exact, whatever trailing zeros ClickHouse prints. */
const unitsAt = (text: string, scale: number) => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole! + fraction.padEnd(scale, '0'));
};

const LARGEST_CNY = maxAmountMinor(CNY.minorUnits); // 90,071,992,547,409.91
const LARGEST_KRW = maxAmountMinor(KRW.minorUnits); // 99,999,999,999,999
const OPENING_SGD = maxAmountMinor(SGD.minorUnits);

describe('the largest amounts, from the API to a report', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let dir: string;
  let token: string;
  const qr: Record<string, string> = {};
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-amount-limits-'));
    const config = structuredClone(devConfig);
    const merlion = config.participants.find((p) => p.id === 'merlion-pay')!;
    const sgd = formatAmount(OPENING_SGD, SGD);
    merlion.issuer = { openingBalance: sgd, perPaymentLimit: sgd, dailyLimit: sgd };
    const configPath = path.join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: configPath });
    for (const [acquirer, merchant] of [['huaxia-acquiring', 'm-cn-0001'], ['lion-city-acquiring', 'm-kr-0001']] as const) {
      qr[merchant] = (await signed(platform.app, { participant: acquirer, method: 'POST', path: `/v1/merchants/${merchant}/qr`, body: {} })).body.payload;
    }
    // Rules that look at large amounts would decline these: switched off to reach the issuer and the stores.
    const officer = devCredentials().users.find((u) => u.role === 'risk_officer')!;
    const login = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: officer.username, password: officer.password } });
    const auth = { authorization: `Bearer ${login.json().token}` };
    const before = platform.risk.stats().ruleSetVersion;
    for (const rule of ['new-device-high-amount', 'large-value-single', 'large-value-daily', 'structuring', 'amount-spike']) {
      expect((await platform.app.inject({ method: 'POST', url: `/v1/rules/${rule}/disable`, headers: auth })).statusCode, rule).toBe(200);
    }
    await eventually(() => platform.risk.stats().ruleSetVersion, (v) => Number(v.slice(3)) >= Number(before.slice(3)) + 5);
    const compliance = devCredentials().users.find((u) => u.role === 'compliance')!;
    token = (await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: compliance.username, password: compliance.password } })).json().token;
  });
  afterAll(async () => {
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const pay = (merchant: string, value: string, currency: string, walletId = `w-${randomUUID()}`) =>
    signed(platform.app, {
      participant: 'merlion-pay',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr[merchant] }, amount: { value, currency }, payer: { walletId, deviceId: `d-${walletId}`, ip: '198.51.100.20', country: 'SG' } },
    });
  const row = async (paymentId: string): Promise<Record<string, string>> =>
    (await eventually(
      async () =>
        (await (await platform.clickhouse.client.query({
          query: `SELECT status, toString(amount) AS amount, currency, toString(amount_usd) AS amount_usd, toString(settlement_amount) AS settlement_amount,
                    toString(fx_rate) AS fx_rate FROM cpg.transactions WHERE payment_id = {id:String}`,
          query_params: { id: paymentId },
          format: 'JSONEachRow',
        })).json<Record<string, string>>())[0],
      (r) => r !== undefined,
    ))!;

  it('refuses the reported amounts, and amounts whose conversion does not fit, with 422 AMOUNT_OUT_OF_RANGE', async () => {
    for (const [merchant, value, currency] of [['m-kr-0001', '999999999999999', 'KRW'], ['m-cn-0001', '99999999999999.99', 'CNY']] as const) {
      const r = await pay(merchant, value, currency);
      expect([r.status, r.body.error?.code], `${value} ${currency}`).toEqual([422, 'AMOUNT_OUT_OF_RANGE']);
    }
    // The largest CNY amount is 4.5e14 THB in a Thai wallet's currency: more than the column holds.
    const thb = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: formatAmount(LARGEST_CNY, CNY), currency: 'CNY' }, payer: { walletId: 'w-thb' } },
    });
    expect([thb.status, thb.body.error.code]).toEqual([422, 'AMOUNT_OUT_OF_RANGE']);
    expect(thb.body.error.message).toMatch(/settlement amount/);
  });

  it('refuses a payment that settles to less than a minor unit with 422 SETTLEMENT_ROUNDS_TO_ZERO', async () => {
    const r = await pay('m-kr-0001', '5', 'KRW');
    expect([r.status, r.body.error.code]).toEqual([422, 'SETTLEMENT_ROUNDS_TO_ZERO']);
  });

  it('carries the largest CNY and KRW amounts exactly through Redis, the risk facts, ClickHouse and a report', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const walletId = `w-${randomUUID()}`;
    const cny = await pay('m-cn-0001', formatAmount(LARGEST_CNY, CNY), 'CNY', walletId);
    const krw = await pay('m-kr-0001', formatAmount(LARGEST_KRW, KRW), 'KRW');
    const expected = [
      { answer: cny, amount: LARGEST_CNY, currency: CNY, settle: convert(LARGEST_CNY, CNY, SGD, rate('CNY', 'SGD')), usd: convert(LARGEST_CNY, CNY, USD, rate('CNY', 'USD')) },
      { answer: krw, amount: LARGEST_KRW, currency: KRW, settle: convert(LARGEST_KRW, KRW, SGD, rate('KRW', 'SGD')), usd: convert(LARGEST_KRW, KRW, USD, rate('KRW', 'USD')) },
    ];
    for (const e of expected) {
      // The answer.
      expect(e.answer.status).toBe(200);
      expect(e.answer.body).toMatchObject({
        status: 'APPROVED',
        amount: { value: formatAmount(e.amount, e.currency), currency: e.currency.code },
        settlement: { amount: formatAmount(e.settle, SGD), currency: 'SGD' },
      });
      // The ledger's compact state, written by its Lua script: status, amount, settlement, ...
      const paymentId = e.answer.body.paymentId as string;
      expect((await platform.redis.get(`paystate:${paymentId}`))?.split('|').slice(0, 3)).toEqual(['A', String(e.amount), String(e.settle)]);
      // The ClickHouse row.
      const r = await row(paymentId);
      expect({ ...r, amount: unitsAt(r.amount!, 2), amount_usd: unitsAt(r.amount_usd!, 2), settlement_amount: unitsAt(r.settlement_amount!, 2) }).toEqual({
        status: 'APPROVED',
        amount: e.amount * 10n ** BigInt(2 - e.currency.minorUnits),
        currency: e.currency.code,
        amount_usd: e.usd,
        settlement_amount: e.settle,
        fx_rate: r.fx_rate,
      });
      expect(unitsAt(r.fx_rate!, 8)).toBe(rate(e.currency.code, 'SGD').units);
    }
    // The wallet was debited exactly, in Lua's HINCRBY.
    expect(BigInt((await platform.redis.hget(`wallet:merlion-pay:${walletId}`, 'balance'))!)).toBe(OPENING_SGD - expected[0]!.settle);
    // The velocity state's payer profile holds the payment's US cents as a double: exact.
    const profile = platform.risk.snapshot().state.payerProfiles.get(`merlion-pay:${walletId}`);
    expect(Math.max(...[...profile!.days.values()].map((d) => d.m))).toBe(Number(expected[0]!.usd));

    const report = await platform.app.inject({
      method: 'POST',
      url: '/v1/reports/participant-activity',
      headers: { authorization: `Bearer ${token}` },
      payload: { params: { from, to: new Date(Date.now() + 60_000).toISOString(), participant: 'merlion-pay' }, format: 'json' },
    });
    expect(report.statusCode).toBe(200);
    const line = report.json().rows[0] as { approved: number; approved_usd: string };
    expect(line.approved).toBe(2);
    expect(unitsAt(line.approved_usd, 2)).toBe(expected[0]!.usd + expected[1]!.usd);
  });

  it('refunds the largest payment in full, crediting exactly what was debited', async () => {
    const walletId = `w-${randomUUID()}`;
    const paid = await pay('m-cn-0001', formatAmount(LARGEST_CNY, CNY), 'CNY', walletId);
    expect(paid.body.status).toBe('APPROVED');
    const refund = await signed(platform.app, {
      participant: 'huaxia-acquiring',
      method: 'POST',
      path: `/v1/payments/${paid.body.paymentId}/refund`,
      body: { txnId: randomUUID(), amount: { value: formatAmount(LARGEST_CNY, CNY), currency: 'CNY' } },
    });
    expect(refund.body).toMatchObject({ type: 'refund', status: 'APPROVED', settlement: { amount: paid.body.settlement.amount } });
    expect(BigInt((await platform.redis.hget(`wallet:merlion-pay:${walletId}`, 'balance'))!)).toBe(OPENING_SGD);
    const r = await row(refund.body.paymentId);
    expect([r.status, unitsAt(r.amount!, 2), r.settlement_amount && unitsAt(r.settlement_amount, 2)]).toEqual(['APPROVED', LARGEST_CNY, unitsAt(paid.body.settlement.amount, 2)]);
  });
});
