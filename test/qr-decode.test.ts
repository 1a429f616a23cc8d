import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signed } from './support/signed-request.ts';
import { startTestPlatform } from './support/platform.ts';
import { eventually } from './support/traffic.ts';
import { payloadCrc } from '../switch/qr/crc.ts';
import { parseTlv } from '../switch/qr/tlv.ts';
import { readPublicVectors } from '../switch/qr/vectors/public-vectors.ts';
import { readWildVectors } from '../switch/qr/vectors/wild-vectors.ts';

const vectors = readPublicVectors();
const wild = readWildVectors();

/** `payload` with top-level `id` set to `value`, signed again: a QR as a third party might print it. */
function reprinted(payload: string, id: string, value: string): string {
  const fields = parseTlv(payload);
  if (!fields.ok) throw new Error(fields.error.message);
  const body = fields.value
    .filter((f) => f.id !== '63')
    .map((f) => (f.id === id ? { id, value } : f))
    .map((f) => f.id + String(Array.from(f.value).length).padStart(2, '0') + f.value)
    .join('');
  return body + '6304' + payloadCrc(body + '6304');
}

describe('POST /v1/qr/decode', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(async () => platform?.stop());

  it('has public vectors to check', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
    expect(vectors.some((v) => v.expected === 'invalid')).toBe(true);
  });

  it.each(vectors.map((v, i) => [i + 1, v.expected, v]))('vector %i is %s', async (_i, _expected, v) => {
    const r = await signed(platform.app, {
      participant: 'merlion-pay',
      method: 'POST',
      path: '/v1/qr/decode',
      body: { payload: v.payload },
    });
    if (v.expected === 'valid') {
      expect(r.status).toBe(200);
      expect(r.body.payloadFormatIndicator).toBe('01');
      expect(r.body.crc).toBe(v.payload.slice(-4).toUpperCase());
      expect(Array.isArray(r.body.warnings)).toBe(true);
    } else {
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('QR_CRC_MISMATCH');
    }
  });

  it('splits UnionPay tag 15 of a merchant QR issued by the gateway', async () => {
    const qr = await signed(platform.app, { participant: 'huaxia-acquiring', method: 'POST', path: '/v1/merchants/m-cn-0001/qr', body: {} });
    expect(qr.status).toBe(200);
    const r = await signed(platform.app, { participant: 'siam-wallet', method: 'POST', path: '/v1/qr/decode', body: { payload: qr.body.payload } });
    expect(r.status).toBe(200);
    expect(r.body.unionPay).toEqual({ acquirerIin: '48021560', forwardingIin: '25001560', merchantId: '311565812000100' });
    expect(r.body.alternateLanguage.merchantName).toBe('翡翠园餐厅');
    expect(r.body.currency).toBe('156');
    expect(r.body.warnings).toEqual([]);
  });

  it.each(wild.map((v) => [v.line, v] as const))('answers the QR from the wild of wild.tsv line %i with its warnings', async (_line, v) => {
    const r = await signed(platform.app, { participant: 'merlion-pay', method: 'POST', path: '/v1/qr/decode', body: { payload: v.payload } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((r.body.warnings as Array<{ code: string; field: string }>).map((w) => `${w.code}@${w.field}`)).toEqual(v.warnings);
    for (const w of r.body.warnings) expect(Object.keys(w).sort()).toEqual(['code', 'field', 'message']);
  });

  describe('a payment to a merchant whose printed QR strays from EMVCo', () => {
    let issued: string;
    beforeAll(async () => {
      const qr = await signed(platform.app, { participant: 'huaxia-acquiring', method: 'POST', path: '/v1/merchants/m-cn-0001/qr', body: {} });
      issued = qr.body.payload;
    });

    const pay = (payload: string) =>
      signed(platform.app, {
        participant: 'siam-wallet',
        method: 'POST',
        path: '/v1/payments',
        body: {
          txnId: `wild-${randomUUID()}`,
          qr: { payload },
          amount: { value: '88.00', currency: 'CNY' },
          payer: { walletId: `w-${randomUUID()}`, deviceId: `d-${randomUUID()}`, country: 'TH' },
        },
      });
    const warningsOf = (paymentId: string) =>
      eventually(
        async () =>
          (await (await platform.clickhouse.client.query({
            query: 'SELECT qr_warnings FROM cpg.transactions WHERE payment_id = {id:String}',
            query_params: { id: paymentId },
            format: 'JSONEachRow',
          })).json<{ qr_warnings: string[] }>())[0]?.qr_warnings,
        (w) => w !== undefined,
        20_000,
      );

    it('is carried out, its answer unchanged, and its record keeps the QR\'s warning codes', async () => {
      const printed = reprinted(issued, '60', 'Shanghai Pudong New Area');
      const decoded = await signed(platform.app, { participant: 'siam-wallet', method: 'POST', path: '/v1/qr/decode', body: { payload: printed } });
      expect(decoded.body.warnings.map((w: { code: string; field: string }) => `${w.code}@${w.field}`)).toEqual(['QR_FIELD_TOO_LONG@60']);

      const r = await pay(printed);
      const clean = await pay(issued);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(clean.status).toBe(200);
      // The answer is the contract's: the same keys as a clean QR's, no warnings in it.
      expect(Object.keys(r.body).sort()).toEqual(Object.keys(clean.body).sort());
      expect(JSON.stringify(r.body)).not.toContain('QR_FIELD_TOO_LONG');
      expect(await warningsOf(r.body.paymentId)).toEqual(['QR_FIELD_TOO_LONG']);
      expect(await warningsOf(clean.body.paymentId)).toEqual([]);
    });

    it('compares an over-long name whole with the registered one: a longer name is not the merchant\'s', async () => {
      const printed = reprinted(issued, '59', 'Jade Garden Restaurant Shanghai');
      const decoded = await signed(platform.app, { participant: 'siam-wallet', method: 'POST', path: '/v1/qr/decode', body: { payload: printed } });
      expect(decoded.body).toMatchObject({ merchantName: 'Jade Garden Restaurant Shanghai', warnings: [{ code: 'QR_FIELD_TOO_LONG', field: '59' }] });
      const r = await pay(printed);
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: 'MERCHANT_MISMATCH', message: "the QR's merchant name does not match the registered merchant" });
    });
  });
});
