import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signed } from './support/signed-request.ts';
import { startTestPlatform } from './support/platform.ts';
import { eventually } from './support/traffic.ts';

type Platform = Awaited<ReturnType<typeof startTestPlatform>>;

describe('POST /v1/payments and its follow-ups', () => {
  let platform: Platform;
  const qr: Record<string, string> = {};
  beforeAll(async () => {
    platform = await startTestPlatform();
    for (const [acquirer, merchant] of [
      ['huaxia-acquiring', 'm-cn-0001'],
      ['huaxia-acquiring', 'm-cn-0004'],
      ['lion-city-acquiring', 'm-sg-0001'],
      ['lion-city-acquiring', 'm-kr-0001'],
      ['lion-city-acquiring', 'm-th-0001'],
    ] as const) {
      const r = await signed(platform.app, { participant: acquirer, method: 'POST', path: `/v1/merchants/${merchant}/qr`, body: {} });
      expect(r.status).toBe(200);
      qr[merchant] = r.body.payload;
    }
  });
  afterAll(async () => platform?.stop());

  const pay = (participant: string, body: Record<string, unknown>) =>
    signed(platform.app, { participant, method: 'POST', path: '/v1/payments', body });
  const payment = (merchant: string, value: string, currency: string, walletId = `w-${randomUUID()}`, txnId = randomUUID()) => ({
    txnId,
    qr: { payload: qr[merchant] },
    amount: { value, currency },
    // Each test payer has its own device and address, as ordinary travellers do.
    payer: { walletId, userId: `u-${walletId}`, deviceId: `d-${walletId}`, ip: '203.0.113.7', country: 'TH', location: { lat: 31.23, lon: 121.47 } },
  });

  it('routes an overseas wallet paying a Chinese merchant inbound and prices it exactly', async () => {
    const r = await pay('siam-wallet', payment('m-cn-0001', '100.00', 'CNY'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'APPROVED',
      direction: 'inbound',
      corridor: 'TH-CN',
      risk: { score: 0, decision: 'approve', reasons: [] },
      // 1 USD = 7.12 CNY = 35.80 THB: 1 CNY = 5.02808989 THB, so 100 CNY = 502.81 THB.
      settlement: { amount: '502.81', currency: 'THB', fxRate: '5.02808989' },
    });
    expect(r.body.paymentId).toMatch(/^pay_/);
  });

  it('reaches WeChat Pay merchants through the gateway template', async () => {
    const r = await pay('hangang-pay', payment('m-cn-0004', '60.00', 'CNY'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'APPROVED', direction: 'inbound', corridor: 'KR-CN', settlement: { currency: 'KRW' } });
    expect(r.body.settlement.amount).toMatch(/^\d+$/);
  });

  it('routes a Chinese wallet paying abroad outbound and an overseas wallet abroad cross-market', async () => {
    const out = await pay('panda-wallet', payment('m-kr-0001', '45000', 'KRW'));
    expect(out.body).toMatchObject({ status: 'APPROVED', direction: 'outbound', corridor: 'CN-KR', settlement: { currency: 'CNY' } });
    const cross = await pay('merlion-pay', payment('m-th-0001', '350.00', 'THB'));
    expect(cross.body).toMatchObject({ status: 'APPROVED', direction: 'cross-market', corridor: 'SG-TH', settlement: { currency: 'SGD' } });
  });

  it('routes a Thai wallet paying a Thai merchant local: in its answer, its status and its ClickHouse row', async () => {
    const local = await pay('siam-wallet', payment('m-th-0001', '350.00', 'THB'));
    expect(local.status).toBe(200);
    expect(local.body).toMatchObject({ status: 'APPROVED', direction: 'local', corridor: 'TH-TH', settlement: { amount: '350.00', currency: 'THB' } });
    const state = await signed(platform.app, { participant: 'siam-wallet', method: 'GET', path: `/v1/payments/${local.body.paymentId}` });
    expect(state.body).toMatchObject({ direction: 'local', corridor: 'TH-TH' });
    const row = await eventually(
      async () =>
        (
          await (
            await platform.clickhouse.client.query({
              query: 'SELECT direction, corridor, payer_market, merchant_country FROM cpg.transactions WHERE payment_id = {id:String}',
              query_params: { id: local.body.paymentId },
              format: 'JSONEachRow',
            })
          ).json<Record<string, string>>()
        )[0],
      (r) => r !== undefined,
    );
    expect(row).toEqual({ direction: 'local', corridor: 'TH-TH', payer_market: 'TH', merchant_country: 'TH' });
  });

  it('refuses a domestic payment, a payment from an acquirer, and an unknown merchant', async () => {
    const domestic = await pay('panda-wallet', payment('m-cn-0001', '10.00', 'CNY'));
    expect([domestic.status, domestic.body.error.code]).toEqual([422, 'DOMESTIC_PAYMENT_NOT_SUPPORTED']);
    const acquirer = await pay('huaxia-acquiring', payment('m-cn-0001', '10.00', 'CNY'));
    expect([acquirer.status, acquirer.body.error.code]).toEqual([403, 'PARTICIPANT_NOT_A_WALLET']);
    const unknown = await pay('siam-wallet', {
      ...payment('m-cn-0001', '10.00', 'CNY'),
      qr: { payload: '00020101021129370016A000000677010111011300668012345675802TH530376463046197' },
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([422, 'MERCHANT_UNKNOWN']);
  });

  it('refuses a QR whose details do not match the registered merchant', async () => {
    const { encodeQr } = await import('../switch/qr/index.ts');
    const forged = encodeQr({
      initiation: 'static',
      merchantAccounts: [{ tag: '15', value: '48021560' + '25001560' + '311565812000100' }],
      mcc: '5944', // the registered MCC is 5812
      currency: '156',
      countryCode: 'CN',
      merchantName: 'Jade Garden Restaurant',
      merchantCity: 'Shanghai',
    });
    expect(forged.ok).toBe(true);
    const r = await pay('siam-wallet', { ...payment('m-cn-0001', '10.00', 'CNY'), qr: { payload: forged.ok ? forged.value : '' } });
    expect([r.status, r.body.error.code]).toEqual([422, 'MERCHANT_MISMATCH']);
    const wrongAcquirer = encodeQr({
      initiation: 'static',
      merchantAccounts: [{ tag: '15', value: '99999999' + '25001560' + '311565812000100' }],
      mcc: '5812', currency: '156', countryCode: 'CN', merchantName: 'Jade Garden Restaurant', merchantCity: 'Shanghai',
    });
    const r2 = await pay('siam-wallet', { ...payment('m-cn-0001', '10.00', 'CNY'), qr: { payload: wrongAcquirer.ok ? wrongAcquirer.value : '' } });
    expect([r2.status, r2.body.error.code]).toEqual([422, 'MERCHANT_MISMATCH']);
  });

  it('takes the amount from a dynamic QR and refuses a different one', async () => {
    const dyn = await signed(platform.app, {
      participant: 'huaxia-acquiring', method: 'POST', path: '/v1/merchants/m-cn-0001/qr', body: { amount: { value: '88.8', currency: 'CNY' } },
    });
    expect(dyn.status).toBe(200);
    const body = payment('m-cn-0001', '88.80', 'CNY');
    const { amount: _omit, ...withoutAmount } = body;
    const ok = await pay('siam-wallet', { ...withoutAmount, qr: { payload: dyn.body.payload } });
    expect(ok.body).toMatchObject({ status: 'APPROVED', amount: { value: '88.80', currency: 'CNY' } });
    const differs = await pay('siam-wallet', { ...payment('m-cn-0001', '88.81', 'CNY'), qr: { payload: dyn.body.payload } });
    expect(differs.body.error.code).toBe('AMOUNT_MISMATCH');
    const staticNoAmount = await pay('siam-wallet', { ...withoutAmount, txnId: randomUUID() });
    expect(staticNoAmount.body.error.code).toBe('AMOUNT_REQUIRED');
    const wrongCurrency = await pay('siam-wallet', payment('m-cn-0001', '10.00', 'USD'));
    expect(wrongCurrency.body.error.code).toBe('AMOUNT_CURRENCY_MISMATCH');
    const tooPrecise = await pay('siam-wallet', payment('m-cn-0001', '10.001', 'CNY'));
    expect([tooPrecise.status, tooPrecise.body.error.code]).toEqual([422, 'AMOUNT_INVALID']);
  });

  it('answers a repeated txnId with the first answer and processes nothing twice', async () => {
    const walletId = `w-${randomUUID()}`;
    const body = payment('m-cn-0001', '1000.00', 'CNY', walletId);
    const first = await pay('siam-wallet', body);
    const balanceAfterFirst = await platform.redis.hget(`wallet:siam-wallet:${walletId}`, 'balance');
    const second = await pay('siam-wallet', { ...body, payer: { ...body.payer } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await platform.redis.hget(`wallet:siam-wallet:${walletId}`, 'balance')).toBe(balanceAfterFirst);
    // 2,000,000.00 THB opening balance less 100 x 50.2808989 x 100 = 5028.09 THB.
    expect(balanceAfterFirst).toBe(String(200_000_000 - 502_809));
  });

  it('answers 409 for the same txnId with a different body, and concurrent duplicates settle once', async () => {
    const body = payment('m-cn-0001', '20.00', 'CNY');
    expect((await pay('siam-wallet', body)).status).toBe(200);
    const conflict = await pay('siam-wallet', { ...body, amount: { value: '21.00', currency: 'CNY' } });
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'TXN_ID_CONFLICT']);

    const walletId = `w-${randomUUID()}`;
    const racing = payment('m-cn-0001', '30.00', 'CNY', walletId);
    const answers = await Promise.all(Array.from({ length: 8 }, () => pay('siam-wallet', racing)));
    const approved = answers.filter((a) => a.status === 200);
    expect(approved.length).toBeGreaterThanOrEqual(1);
    expect(new Set(approved.map((a) => a.body.paymentId)).size).toBe(1);
    expect(answers.every((a) => a.status === 200 || a.body.error.code === 'TXN_IN_PROGRESS')).toBe(true);
    expect(await platform.redis.hget(`wallet:siam-wallet:${walletId}`, 'balance')).toBe(String(200_000_000 - 15_084));
  });

  it('declines beyond the issuer limits and the wallet balance', async () => {
    // Large payments from a new device are risky: switch those rules off to reach the issuer.
    const login = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'risk.officer', password: 'risk-officer-dev' } });
    const auth = { authorization: `Bearer ${login.json().token}` };
    const before = platform.risk.stats().ruleSetVersion;
    for (const rule of ['new-device-high-amount', 'large-value-single', 'large-value-daily', 'structuring', 'amount-spike']) {
      const r = await platform.app.inject({ method: 'POST', url: `/v1/rules/${rule}/disable`, headers: auth });
      expect(r.statusCode, rule).toBe(200);
    }
    await eventually(async () => platform.risk.stats().ruleSetVersion, (v) => v !== before && Number(v.slice(3)) >= Number(before.slice(3)) + 5);
    const over = await pay('merlion-pay', payment('m-cn-0001', '80000.00', 'CNY'));
    expect(over.body).toMatchObject({ status: 'DECLINED', declineCode: 'ISSUER_LIMIT_PER_PAYMENT' });
    const walletId = `w-${randomUUID()}`;
    const daily = [];
    for (let i = 0; i < 4; i++) daily.push(await pay('merlion-pay', payment('m-cn-0001', '60000.00', 'CNY', walletId)));
    // 60,000 CNY = 11,292.13 SGD: three fit the 40,000 SGD daily limit, the fourth does not.
    expect(daily.map((d) => d.body.declineCode ?? d.body.status)).toEqual(['APPROVED', 'APPROVED', 'APPROVED', 'ISSUER_LIMIT_DAILY']);
  });

  it('changes nothing when it rejects a request', async () => {
    const walletId = `w-${randomUUID()}`;
    const txnId = randomUUID();
    const rejected = await pay('siam-wallet', payment('m-cn-0001', '10.00', 'USD', walletId, txnId));
    expect(rejected.status).toBe(422);
    expect(await platform.redis.exists(`wallet:siam-wallet:${walletId}`, `txn:siam-wallet:${txnId}`)).toBe(0);
    // The same txnId is still free for a correct request.
    const later = await pay('siam-wallet', payment('m-cn-0001', '10.00', 'CNY', walletId, txnId));
    expect(later.body.status).toBe('APPROVED');
  });

  it("shows a payment to its wallet and the merchant's acquirer, and to nobody else", async () => {
    const r = await pay('siam-wallet', payment('m-cn-0001', '12.34', 'CNY'));
    const path = `/v1/payments/${r.body.paymentId}`;
    const own = await signed(platform.app, { participant: 'siam-wallet', method: 'GET', path });
    expect(own.body).toMatchObject({ paymentId: r.body.paymentId, status: 'APPROVED', reversed: false, refunded: { value: '0.00' } });
    expect((await signed(platform.app, { participant: 'huaxia-acquiring', method: 'GET', path })).status).toBe(200);
    for (const stranger of ['merlion-pay', 'lion-city-acquiring']) {
      const other = await signed(platform.app, { participant: stranger, method: 'GET', path });
      expect([other.status, other.body.error.code]).toEqual([404, 'PAYMENT_NOT_FOUND']);
    }
  });

  it('refunds in parts up to the payment and credits the wallet at the original rate', async () => {
    const walletId = `w-${randomUUID()}`;
    const p = await pay('siam-wallet', payment('m-cn-0001', '100.00', 'CNY', walletId));
    const refund = (value: string, participant = 'huaxia-acquiring', txnId = randomUUID()) =>
      signed(platform.app, { participant, method: 'POST', path: `/v1/payments/${p.body.paymentId}/refund`, body: { txnId, amount: { value, currency: 'CNY' } } });
    expect((await refund('10.00', 'siam-wallet')).body.error.code).toBe('FOLLOW_UP_NOT_ALLOWED');
    const first = await refund('30.00');
    expect(first.body).toMatchObject({ type: 'refund', status: 'APPROVED', originalPaymentId: p.body.paymentId, settlement: { amount: '150.84', currency: 'THB' } });
    const tooMuch = await refund('70.01');
    expect([tooMuch.status, tooMuch.body.error.code]).toEqual([422, 'REFUND_EXCEEDS_PAYMENT']);
    const rest = await refund('70.00');
    expect(rest.body.status).toBe('APPROVED');
    // Everything debited came back, to the minor unit, despite rounding of the parts.
    expect(await platform.redis.hget(`wallet:siam-wallet:${walletId}`, 'balance')).toBe('200000000');
    const state = await signed(platform.app, { participant: 'siam-wallet', method: 'GET', path: `/v1/payments/${p.body.paymentId}` });
    expect(state.body.refunded).toEqual({ value: '100.00', currency: 'CNY' });
    const reverse = await signed(platform.app, { participant: 'siam-wallet', method: 'POST', path: `/v1/payments/${p.body.paymentId}/reverse` });
    expect(reverse.body.error.code).toBe('ALREADY_REFUNDED');
  });

  it('reverses a payment once, by its wallet only', async () => {
    const walletId = `w-${randomUUID()}`;
    const p = await pay('panda-wallet', payment('m-sg-0001', '25.50', 'SGD', walletId));
    const path = `/v1/payments/${p.body.paymentId}/reverse`;
    expect((await signed(platform.app, { participant: 'lion-city-acquiring', method: 'POST', path })).body.error.code).toBe('FOLLOW_UP_NOT_ALLOWED');
    const first = await signed(platform.app, { participant: 'panda-wallet', method: 'POST', path });
    expect(first.body).toMatchObject({ type: 'reversal', status: 'APPROVED', settlement: { currency: 'CNY' } });
    const second = await signed(platform.app, { participant: 'panda-wallet', method: 'POST', path });
    expect(second.body).toEqual(first.body);
    expect(await platform.redis.hget(`wallet:panda-wallet:${walletId}`, 'balance')).toBe('40000000');
  });
});
