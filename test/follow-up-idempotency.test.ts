import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signed } from './support/signed-request.ts';
import { startTestPlatform } from './support/platform.ts';

type Platform = Awaited<ReturnType<typeof startTestPlatform>>;

/** The opening balance of a test wallet of siam-wallet: 2,000,000.00 THB. */
const OPENING_THB = '200000000';

/**
 * A refund or a reversal sent again with the same txnId gets its first answer and moves
 * nothing twice, whatever became of the payment since: refunded in full, reversed, or
 * past its retention.
 */
describe('follow-ups repeated with the same txnId', () => {
  let platform: Platform;
  let qr: string;
  beforeAll(async () => {
    platform = await startTestPlatform();
    const r = await signed(platform.app, { participant: 'huaxia-acquiring', method: 'POST', path: '/v1/merchants/m-cn-0001/qr', body: {} });
    expect(r.status).toBe(200);
    qr = r.body.payload;
  });
  afterAll(async () => platform?.stop());

  const pay = async (walletId: string, value = '100.00') => {
    const r = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: {
        txnId: randomUUID(),
        qr: { payload: qr },
        amount: { value, currency: 'CNY' },
        payer: { walletId, userId: `u-${walletId}`, deviceId: `d-${walletId}`, ip: '203.0.113.7', country: 'TH', location: { lat: 31.23, lon: 121.47 } },
      },
    });
    expect(r.body.status).toBe('APPROVED');
    return r.body.paymentId as string;
  };
  const refund = (paymentId: string, txnId: string, value?: string, participant = 'huaxia-acquiring') =>
    signed(platform.app, {
      participant,
      method: 'POST',
      path: `/v1/payments/${paymentId}/refund`,
      body: { txnId, ...(value ? { amount: { value, currency: 'CNY' } } : {}) },
    });
  const reverse = (paymentId: string, txnId: string, participant = 'siam-wallet') =>
    signed(platform.app, { participant, method: 'POST', path: `/v1/payments/${paymentId}/reverse`, body: { txnId } });
  const balance = (walletId: string) => platform.redis.hget(`wallet:siam-wallet:${walletId}`, 'balance');
  const refunded = async (paymentId: string) =>
    (await signed(platform.app, { participant: 'siam-wallet', method: 'GET', path: `/v1/payments/${paymentId}` })).body.refunded;

  it('answers a refund of everything left, sent again after it was committed, with its first answer', async () => {
    const walletId = `w-${randomUUID()}`;
    const paymentId = await pay(walletId);
    const txnId = randomUUID();
    const first = await refund(paymentId, txnId);
    expect(first.body).toMatchObject({ type: 'refund', status: 'APPROVED', amount: { value: '100.00', currency: 'CNY' } });
    const again = await refund(paymentId, txnId);
    expect([again.status, again.body]).toEqual([200, first.body]);
    expect(await balance(walletId)).toBe(OPENING_THB);
    expect(await refunded(paymentId)).toEqual({ value: '100.00', currency: 'CNY' });
  });

  it('answers a refund of what was left after a partial one with its first answer once the payment is fully refunded', async () => {
    const walletId = `w-${randomUUID()}`;
    const paymentId = await pay(walletId);
    const part = randomUUID();
    const rest = randomUUID();
    const firstPart = await refund(paymentId, part, '30.00');
    const firstRest = await refund(paymentId, rest);
    expect(firstRest.body).toMatchObject({ status: 'APPROVED', amount: { value: '70.00', currency: 'CNY' } });
    // Both, in either order, now that nothing is left to refund.
    expect((await refund(paymentId, rest)).body).toEqual(firstRest.body);
    expect((await refund(paymentId, part, '30.00')).body).toEqual(firstPart.body);
    expect(await balance(walletId)).toBe(OPENING_THB);
  });

  it('answers every kind of follow-up with its first answer after the payment it followed is gone', async () => {
    const walletId = `w-${randomUUID()}`;
    const refundedPayment = await pay(walletId);
    const reversedPayment = await pay(walletId, '20.00');
    const sent = [
      { txnId: randomUUID(), send: (txnId: string) => refund(refundedPayment, txnId, '10.00') },
      { txnId: randomUUID(), send: (txnId: string) => refund(refundedPayment, txnId) },
      { txnId: randomUUID(), send: (txnId: string) => reverse(reversedPayment, txnId) },
    ];
    const firsts = [];
    for (const s of sent) firsts.push(await s.send(s.txnId));
    expect(firsts.map((f) => [f.body.type, f.body.status])).toEqual([['refund', 'APPROVED'], ['refund', 'APPROVED'], ['reversal', 'APPROVED']]);
    const credited = await balance(walletId);
    expect(credited).toBe(OPENING_THB);
    // A follow-up sent late in its payment's retention outlives it: the payment's record
    // expires while the follow-up's first answer is still owed to repeats.
    await platform.redis.del(`paystate:${refundedPayment}`, `paystate:${reversedPayment}`);
    for (const [i, s] of sent.entries()) {
      const again = await s.send(s.txnId);
      expect([again.status, again.body], firsts[i]!.body.type).toEqual([200, firsts[i]!.body]);
    }
    expect(await balance(walletId)).toBe(credited);
  });

  it('gives concurrent repeats of a refund of everything left one answer and credits the wallet once', async () => {
    const walletId = `w-${randomUUID()}`;
    const paymentId = await pay(walletId);
    const txnId = randomUUID();
    // Eight at once while the first is in flight, then eight more at once once it is committed.
    const during = await Promise.all(Array.from({ length: 8 }, () => refund(paymentId, txnId)));
    const after = await Promise.all(Array.from({ length: 8 }, () => refund(paymentId, txnId)));
    const answers = [...during, ...after];
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
    expect(new Set(answers.map((a) => a.body.paymentId)).size).toBe(1);
    expect(await balance(walletId)).toBe(OPENING_THB);
  });

  it('leaves the txnId free when it refuses a follow-up, whatever the reason', async () => {
    const walletId = `w-${randomUUID()}`;
    const paymentId = await pay(walletId);
    const claimed = (participant: string, txnId: string) => platform.redis.exists(`txn:${participant}:${txnId}`);

    const txnId = randomUUID();
    const wrongCurrency = await signed(platform.app, {
      participant: 'huaxia-acquiring',
      method: 'POST',
      path: `/v1/payments/${paymentId}/refund`,
      body: { txnId, amount: { value: '10.00', currency: 'THB' } },
    });
    expect([wrongCurrency.status, wrongCurrency.body.error.code]).toEqual([422, 'AMOUNT_CURRENCY_MISMATCH']);
    const stranger = await reverse(paymentId, txnId, 'merlion-pay');
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'PAYMENT_NOT_FOUND']);
    const notAllowed = await refund(paymentId, txnId, '10.00', 'siam-wallet');
    expect(notAllowed.body.error.code).toBe('FOLLOW_UP_NOT_ALLOWED');
    expect([await claimed('huaxia-acquiring', txnId), await claimed('merlion-pay', txnId), await claimed('siam-wallet', txnId)]).toEqual([0, 0, 0]);
    // The same txnId, corrected, is processed.
    expect((await refund(paymentId, txnId)).body).toMatchObject({ status: 'APPROVED', amount: { value: '100.00' } });

    // Nothing left: refused, and the new txnId stays free too.
    const late = randomUUID();
    const nothingLeft = await refund(paymentId, late);
    expect([nothingLeft.status, nothingLeft.body.error.code]).toEqual([422, 'REFUND_EXCEEDS_PAYMENT']);
    const tooMuch = await refund(paymentId, late, '0.01');
    expect([tooMuch.status, tooMuch.body.error.code]).toEqual([422, 'REFUND_EXCEEDS_PAYMENT']);
    expect(await claimed('huaxia-acquiring', late)).toBe(0);
    expect(await balance(walletId)).toBe(OPENING_THB);
  });
});
