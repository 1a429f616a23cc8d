import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TAP_STREAM } from '../ingest/tap-stream.ts';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually } from './support/traffic.ts';

/**
 * Redis keeps a compact state per payment for its follow-up window and the record only as
 * the tap's entry until the writer has moved it; the status, the repeat's answer and the
 * operator's view come from ClickHouse after that, for the whole retention.
 */
describe('payments whose records have left Redis', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let dir: string;
  let qr: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-payment-records-'));
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as { payments: Record<string, number> };
    config.payments.followUpWindowMinutes = 1;
    const configPath = path.join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: configPath });
    qr = (await signed(platform.app, { participant: 'huaxia-acquiring', method: 'POST', path: '/v1/merchants/m-cn-0001/qr', body: {} })).body.payload;
  });
  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const paymentBody = (walletId: string, txnId = randomUUID()) => ({
    txnId,
    qr: { payload: qr },
    amount: { value: '100.00', currency: 'CNY' },
    payer: { walletId, userId: `u-${walletId}`, deviceId: `d-${walletId}`, ip: '203.0.113.7', country: 'TH', location: { lat: 31.23, lon: 121.47 } },
  });
  const pay = (body: ReturnType<typeof paymentBody>) => signed(platform.app, { participant: 'siam-wallet', method: 'POST', path: '/v1/payments', body });
  const status = (paymentId: string, participant = 'siam-wallet') => signed(platform.app, { participant, method: 'GET', path: `/v1/payments/${paymentId}` });
  const landed = () => eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 60_000);
  /** Every key a message left in Redis but its wallet's: its compact state and its txnId's done marker. */
  const keysOf = (paymentId: string, participant: string, txnId: string) => [`paystate:${paymentId}`, `txn:${participant}:${txnId}`];
  const operator = async (username: string) => {
    const user = devCredentials().users.find((u) => u.username === username)!;
    const login = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: user.password } });
    return { authorization: `Bearer ${login.json().token}` };
  };

  it('keeps the compact state for the configured follow-up window, not the retention', async () => {
    const paid = await pay(paymentBody(`w-${randomUUID()}`));
    expect(paid.body.status).toBe('APPROVED');
    const ttl = await platform.redis.pttl(`paystate:${paid.body.paymentId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('answers GET, the operator view and a repeat the same once the hot state expired and the record landed', async () => {
    const walletId = `w-${randomUUID()}`;
    const body = paymentBody(walletId);
    const paid = await pay(body);
    const paymentId = paid.body.paymentId as string;
    const refundTxn = randomUUID();
    const refund = await signed(platform.app, {
      participant: 'huaxia-acquiring',
      method: 'POST',
      path: `/v1/payments/${paymentId}/refund`,
      body: { txnId: refundTxn, amount: { value: '30.00', currency: 'CNY' } },
    });
    expect(refund.body).toMatchObject({ type: 'refund', status: 'APPROVED' });
    const before = await status(paymentId);
    expect(before.body).toMatchObject({ status: 'APPROVED', refunded: { value: '30.00', currency: 'CNY' }, reversed: false });
    const refundBefore = await status(refund.body.paymentId, 'huaxia-acquiring');
    const ops = await operator('risk.officer');
    const opsBefore = await platform.app.inject({ method: 'GET', url: `/v1/ops/payments/${paymentId}`, headers: ops });
    expect(opsBefore.statusCode).toBe(200);

    await landed();
    // The follow-up window passes and the writer has moved the entries: nothing of either is left in Redis.
    const entries = [before, refundBefore].map(() => '');
    const stream = await platform.redis.xrange(DEFAULT_TAP_STREAM, '-', '+');
    for (const [id, fields] of stream) if (fields.some((f) => f.includes(paymentId))) entries.push(id);
    await platform.redis.xdel(DEFAULT_TAP_STREAM, ...entries.filter(Boolean));
    await platform.redis.del(`paystate:${paymentId}`, `paystate:${refund.body.paymentId}`);

    const after = await status(paymentId);
    expect([after.status, after.body]).toEqual([200, before.body]);
    expect([(await status(refund.body.paymentId, 'huaxia-acquiring')).body]).toEqual([refundBefore.body]);
    // The merchant's acquirer is party to it too; another wallet is not.
    expect((await status(paymentId, 'huaxia-acquiring')).body).toEqual(before.body);
    expect((await status(paymentId, 'merlion-pay')).status).toBe(404);
    // A repeat of the payment gets its first answer, from ClickHouse.
    const repeat = await pay(body);
    expect([repeat.status, repeat.body]).toEqual([200, paid.body]);
    const opsAfter = await platform.app.inject({ method: 'GET', url: `/v1/ops/payments/${paymentId}`, headers: ops });
    expect(opsAfter.json()).toEqual({ ...opsBefore.json(), shadowHits: opsAfter.json().shadowHits });
    // Past its follow-up window it is refused before it is scored.
    const late = await signed(platform.app, { participant: 'huaxia-acquiring', method: 'POST', path: `/v1/payments/${paymentId}/refund`, body: { txnId: randomUUID() } });
    expect([late.status, late.body.error?.code]).toEqual([404, 'PAYMENT_NOT_FOUND']);
  });

  it('keeps at most 300 bytes in Redis per payment once its record landed', async () => {
    const body = paymentBody(`w-${randomUUID()}`);
    const paid = await pay(body);
    const paymentId = paid.body.paymentId as string;
    await landed();
    const entryId = (await platform.redis.get(`paystate:${paymentId}`))!.split('|').at(-1)!;
    // The writer's trim of what it moved.
    await platform.redis.xdel(DEFAULT_TAP_STREAM, entryId);
    let bytes = 0;
    for (const key of keysOf(paymentId, 'siam-wallet', body.txnId)) bytes += Number(await platform.redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    console.log(`Redis bytes per retained payment: ${bytes}`);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(300);
    // And it is still answered.
    expect((await status(paymentId)).body).toMatchObject({ paymentId, status: 'APPROVED' });
  });
});
