import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from './support/signed-request.ts';
import { startTestPlatform } from './support/platform.ts';

/** A seeded generator, so a failure can be replayed. */
function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('malformed bodies and QR payloads', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  let validQr: string;
  beforeAll(async () => {
    platform = await startTestPlatform();
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    const { headers, raw } = signedHeaders({ participant: 'huaxia-acquiring', method: 'POST', path: '/v1/merchants/m-cn-0002/qr', body: {} });
    const r = await request(`${base}/v1/merchants/m-cn-0002/qr`, { method: 'POST', headers, body: raw });
    validQr = ((await r.body.json()) as { payload: string }).payload;
  });
  afterAll(async () => platform?.stop());

  it('answers 1,000 random malformed requests with 4xx only and stays up', async () => {
    const random = mulberry32(20261125);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const junkChars = ['\u0000', '"', '\\', '{', '}', '[', ']', ',', ':', 'é', '😀', '\u202e', ' ', '9', 'e', '-', '.', 'null'];
    const junk = (n: number) => Array.from({ length: n }, () => pick(junkChars)).join('');
    const mutateQr = (qr: string): string => {
      const mutant = mutateOnce(qr);
      return mutant === qr ? mutateQr(qr) : mutant;
    };
    const mutateOnce = (qr: string) => {
      const chars = Array.from(qr);
      const i = Math.floor(random() * chars.length);
      switch (Math.floor(random() * 5)) {
        case 0: chars.splice(i, 1); break;
        case 1: chars.splice(i, 0, pick(junkChars)); break;
        case 2: chars[i] = String(Math.floor(random() * 10)); break;
        case 3: return chars.slice(0, i).join('');
        default: return chars.join('') + chars.slice(i).join('');
      }
      return chars.join('');
    };
    const goodPayment = () => ({
      txnId: `t${Math.floor(random() * 1e12)}`,
      qr: { payload: validQr },
      amount: { value: '12.50', currency: 'CNY' },
      payer: { walletId: 'w1', deviceId: 'd1', ip: '198.51.100.4', country: 'SG', location: { lat: 1.3, lon: 103.8 } },
    });
    const bodies: Array<() => { path: string; raw: string }> = [
      () => ({ path: '/v1/payments', raw: junk(1 + Math.floor(random() * 40)) }),
      () => ({ path: '/v1/payments', raw: JSON.stringify({ ...goodPayment(), qr: { payload: mutateQr(validQr) } }) }),
      () => ({ path: '/v1/qr/decode', raw: JSON.stringify({ payload: mutateQr(validQr) }) }),
      () => ({ path: '/v1/qr/decode', raw: JSON.stringify({ payload: junk(Math.floor(random() * 600)) }) }),
      () => {
        const p: Record<string, unknown> = goodPayment();
        const field = pick(['txnId', 'qr', 'amount', 'payer']);
        p[field] = pick([null, 42, -1, '', [], {}, 'x'.repeat(5000), { value: '1e5', currency: 'CNY' }, true]);
        return { path: '/v1/payments', raw: JSON.stringify(p) };
      },
      () => {
        const p = goodPayment();
        const payer = p.payer as Record<string, unknown>;
        const invalid: Record<string, unknown[]> = {
          walletId: ['', 'x'.repeat(65), '../../etc/passwd', 7, "'; DROP TABLE x;--"],
          ip: ['999.1.1.1', 'abc', 7, ''],
          country: ['TOOLONG', 'th', '', 7],
          location: [{ lat: 100, lon: 0 }, { lat: 'x' }, {}, 'here'],
          deviceId: ['', 'x'.repeat(129), "'; DROP", 7],
        };
        const field = pick(Object.keys(invalid));
        payer[field] = pick(invalid[field]!);
        return { path: '/v1/payments', raw: JSON.stringify(p) };
      },
      () => ({ path: '/v1/payments', raw: JSON.stringify({ ...goodPayment(), amount: { value: pick(['0', '-5', '1.999', 'NaN', '١٢', '99999999999999999999']), currency: pick(['CNY', 'XXX', 'cny', '']) } }) }),
      // Amounts at the edges: settling to less than a fen in SGD, and past what the stores hold.
      () => ({ path: '/v1/payments', raw: JSON.stringify({ ...goodPayment(), amount: { value: pick(['0.01', '0.02', '90071992547409.92', '99999999999999.99', '999999999999999']), currency: 'CNY' } }) }),
      // Lone UTF-16 surrogates, which JSON.stringify writes as \ud800-style escapes.
      () => {
        const p: Record<string, unknown> = goodPayment();
        const lone = pick(['\ud800', '\udfff', 'a\udbff', '\udc00z']);
        if (random() < 0.5) p.qr = { payload: validQr.slice(0, 20) + lone };
        else p.txnId = lone;
        return { path: '/v1/payments', raw: JSON.stringify(p) };
      },
      () => ({ path: '/v1/payments', raw: JSON.stringify({ ...goodPayment(), extra: 'field' }) }),
      () => ({ path: `/v1/payments/${pick(['x', 'pay_', 'pay_0000000000000000000', '..%2f..', 'pay_aaaaaaaaaaaaaaaa'])}/refund`, raw: JSON.stringify({ amount: { value: '1.00', currency: 'CNY' } }) }),
      () => ({ path: '/v1/merchants/m-cn-0002/qr', raw: JSON.stringify({ amount: { value: pick(['0', 'abc', '1.234']), currency: pick(['CNY', 'USD']) } }) }),
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const make = pick(bodies);
      const { path, raw } = make();
      const participant = path.includes('merchants') || path.includes('refund') ? 'huaxia-acquiring' : 'merlion-pay';
      const { headers } = signedHeaders({ participant, method: 'POST', path, rawBody: raw });
      headers['content-type'] = 'application/json';
      const r = await request(`${base}${path}`, { method: 'POST', headers, body: raw });
      const text = await r.body.text();
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      if (r.statusCode < 400 || r.statusCode >= 500) {
        // A mutated QR can still be a valid QR of another (unknown) merchant, never a 2xx payment.
        expect.soft(r.statusCode === 200 && path === '/v1/qr/decode', `${r.statusCode} for ${path} ${raw.slice(0, 200)}: ${text}`).toBe(true);
      } else {
        const body = JSON.parse(text) as { error: { code: string } };
        expect(body.error.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      }
    }
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(0);
    const health = await request(`${base}/health`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
  });

  it('answers an oversized body with 413 and an unknown route with 404, both with codes', async () => {
    const big = JSON.stringify({ payload: 'x'.repeat(20_000) });
    const { headers } = signedHeaders({ participant: 'merlion-pay', method: 'POST', path: '/v1/qr/decode', rawBody: big });
    const r = await request(`${base}/v1/qr/decode`, { method: 'POST', headers, body: big });
    expect(r.statusCode).toBe(413);
    expect(((await r.body.json()) as { error: { code: string } }).error.code).toBe('BODY_TOO_LARGE');
    const nf = await request(`${base}/v1/nothing-here`);
    expect(nf.statusCode).toBe(404);
    expect(((await nf.body.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('answers a URL the router cannot take in the error shape, without echoing it', async () => {
    const long = await request(`${base}/v1/payments/${'p'.repeat(500)}`);
    expect(long.statusCode).toBe(414);
    const longBody = await long.body.text();
    expect(JSON.parse(longBody)).toEqual({ error: { code: 'URL_TOO_LONG', message: 'a path segment of the URL is too long' } });
    expect(longBody).not.toContain('ppppp');
    const bad = await request(`${base}/v1/payments/%E0%A4%A`);
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toEqual({ error: { code: 'URL_INVALID', message: 'the URL is not valid' } });
  });
});
