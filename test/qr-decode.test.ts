import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signed } from './support/signed-request.ts';
import { startTestPlatform } from './support/platform.ts';
import { readPublicVectors } from '../switch/qr/vectors/public-vectors.ts';

const vectors = readPublicVectors();

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
  });
});
