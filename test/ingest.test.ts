import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { signed } from './support/signed-request.ts';
import { insertFailures } from './support/insert-failures.ts';
import { startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs, scalar, sendPayments } from './support/traffic.ts';

describe('ingest: the tap stream into ClickHouse', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let qr: Record<string, string>;
  // The client boundary where ClickHouse failures are injected.
  const clickhouse = insertFailures();

  beforeAll(async () => {
    platform = await startTestPlatform({}, { wrapInsert: clickhouse.wrapInsert });
    qr = await merchantQrs(platform.app);
  });
  afterAll(async () => platform?.stop());

  const ch = () => platform.clickhouse.client;
  const caughtUp = () => eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 60_000);

  it('records payments, refunds, reversals and rejected requests with their details', async () => {
    const txnId = randomUUID();
    const pay = await signed(platform.app, {
      participant: 'siam-wallet', method: 'POST', path: '/v1/payments',
      body: { txnId, qr: { payload: qr['m-cn-0001'] }, amount: { value: '100.00', currency: 'CNY' }, payer: { walletId: 'w-detail', userId: 'u-9', deviceId: 'd-9', ip: '203.0.113.5', country: 'TH', location: { lat: 31.23, lon: 121.47 } } },
    });
    const refund = await signed(platform.app, {
      participant: 'huaxia-acquiring', method: 'POST', path: `/v1/payments/${pay.body.paymentId}/refund`, body: { amount: { value: '30.00', currency: 'CNY' } },
    });
    const rejected = await signed(platform.app, {
      participant: 'siam-wallet', method: 'POST', path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: '5.00', currency: 'USD' }, payer: { walletId: 'w-detail' } },
    });
    expect([pay.status, refund.status, rejected.status]).toEqual([200, 200, 422]);
    await caughtUp();
    const rows = await (
      await ch().query({
        query: `SELECT message_type, status, decline_code, direction, corridor, participant, initiator, wallet_id, device_id, merchant_id, mcc, acquirer,
                       toString(amount) AS amount, currency, toString(amount_usd) AS amount_usd, toString(settlement_amount) AS settlement_amount,
                       settlement_currency, toString(fx_rate) AS fx_rate, lat, original_payment_id, rule_set_version
                FROM cpg.transactions WHERE wallet_id = {w:String} ORDER BY received_at`,
        query_params: { w: 'w-detail' },
        format: 'JSONEachRow',
      })
    ).json<Record<string, unknown>>();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      message_type: 'payment', status: 'APPROVED', direction: 'inbound', corridor: 'TH-CN', participant: 'siam-wallet',
      wallet_id: 'w-detail', device_id: 'd-9', merchant_id: 'm-cn-0001', mcc: '5812', acquirer: 'huaxia-acquiring',
      amount: '100', currency: 'CNY', amount_usd: '14.04', settlement_amount: '502.81', settlement_currency: 'THB',
      fx_rate: '5.02808989', lat: 31.23, rule_set_version: expect.stringMatching(/^rs-\d+$/),
    });
    expect(rows[1]).toMatchObject({ message_type: 'refund', initiator: 'huaxia-acquiring', amount: '30', settlement_amount: '150.84', original_payment_id: pay.body.paymentId });
    expect(rows[2]).toMatchObject({ message_type: 'rejected', status: 'REJECTED', decline_code: 'AMOUNT_CURRENCY_MISMATCH', merchant_id: 'm-cn-0001' });
  });

  it('lands 10,000 payments as exactly 10,000 rows, and the per-minute aggregates agree', async () => {
    const before = await scalar(ch(), "SELECT count() FROM cpg.transactions WHERE message_type = 'payment'");
    const answers = await sendPayments(platform.app, qr, 10_000, 48);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(10_000);
    await caughtUp();
    const ids = ok.map((a) => a.body.paymentId as string);
    const rows = await scalar(ch(), 'SELECT count() FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids });
    const distinct = await scalar(ch(), 'SELECT uniqExact(payment_id) FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids });
    expect([rows, distinct]).toEqual([10_000, 10_000]);
    expect(await scalar(ch(), "SELECT count() FROM cpg.transactions WHERE message_type = 'payment'")).toBe(before + 10_000);
    const direct = await (await ch().query({
      query: `SELECT participant, corridor, decision, toString(count()) AS n FROM cpg.transactions GROUP BY participant, corridor, decision ORDER BY participant, corridor, decision`,
      format: 'JSONEachRow',
    })).json();
    const aggregated = await (await ch().query({
      query: `SELECT participant, corridor, decision, toString(sum(messages)) AS n FROM cpg.transactions_per_minute GROUP BY participant, corridor, decision ORDER BY participant, corridor, decision`,
      format: 'JSONEachRow',
    })).json();
    expect(aggregated).toEqual(direct);
  }, 180_000);

  it('keeps authorising while ClickHouse fails, then catches up exactly once', async () => {
    const before = await scalar(ch(), 'SELECT count() FROM cpg.transactions');
    const minuteTotal = async () => Number(await scalar(ch(), 'SELECT toString(sum(messages)) FROM cpg.transactions_per_minute'));
    expect(await minuteTotal()).toBe(before);
    clickhouse.failing = true;
    clickhouse.attemptsWhileFailing = 0;
    const during = await sendPayments(platform.app, qr, 1500, 24, 20_000);
    expect(during.every((a) => a.status === 200)).toBe(true);
    await eventually(async () => clickhouse.attemptsWhileFailing, (n) => n >= 2);
    const lag = await platform.writer!.lag();
    expect(lag.pending + lag.streamLength).toBeGreaterThan(0);
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions')).toBe(before);
    clickhouse.failing = false;
    await caughtUp();
    const ids = during.map((a) => a.body.paymentId as string);
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids })).toBe(1500);
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions')).toBe(before + 1500);
    expect(await scalar(ch(), 'SELECT count() - uniqExact(payment_id) FROM cpg.transactions')).toBe(0);
    expect(await minuteTotal()).toBe(before + 1500);
  }, 120_000);

  it('reports ingest lag and figures in /health and /metrics', async () => {
    const health = (await platform.app.inject({ method: 'GET', url: '/health', headers: monitoringHeaders() })).json();
    expect(health.ingest).toMatchObject({ lagMs: 0, pending: 0, failures: expect.any(Number) });
    expect(health.ingest.rows).toBeGreaterThanOrEqual(11_503);
    const metrics = (await platform.app.inject({ method: 'GET', url: '/metrics', headers: monitoringHeaders() })).body;
    expect(metrics).toMatch(/cpg_ingest_rows_total \d+/);
    expect(metrics).toMatch(/cpg_ingest_lag_seconds 0/);
    expect(metrics).toMatch(/cpg_ingest_insert_failures_total [1-9]/);
  });
});
