import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payer } from '../domain/transaction.ts';
import { createStreamTap } from '../ingest/tap-stream.ts';
import { createApproveAllScorer } from '../rules/test-support/approve-all-scorer.ts';
import { usdCents } from '../rules/facts/gather.ts';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import type { ConfigFile } from '../server/config/schema.ts';
import { authorize } from './authorize.ts';
import type { SwitchDeps } from './deps.ts';
import { followUp } from './follow-up.ts';
import { createFxTable } from './fx.ts';
import { createLedger } from './ledger.ts';
import { merchantQr } from './issued-qr.ts';
import { newPaymentId } from './payment-id.ts';
import { preparePayment } from './prepare-payment.ts';
import { createRegistry } from './registry.ts';

/**
 * Amounts at the edges of what the gateway holds, through the switch with the development
 * config's participants, merchants and rates, on a real Redis (the ledger's Lua scripts).
 */

const config = JSON.parse(readFileSync(new URL('../config/development.json', import.meta.url), 'utf8')) as ConfigFile;
const registry = createRegistry({ gateway: config.gateway, participants: config.participants, merchants: config.merchants });

function staticQr(merchantId: string): string {
  const qr = merchantQr(registry, registry.merchant(merchantId)!);
  if (!qr.ok) throw new Error(qr.error.message);
  return qr.value;
}

const payer = (): Payer => ({ walletId: `w-${randomUUID()}`, deviceId: 'd-1', ip: '203.0.113.9', country: 'SG' });
const request = (merchantId: string, value: string, currency: string, p: Payer = payer()) => ({
  txnId: randomUUID(),
  qr: { payload: staticQr(merchantId) },
  amount: { value, currency },
  payer: p,
});
const codeOf = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);

describe('amounts the switch refuses before they reach a store', () => {
  const deps = { registry, fx: createFxTable(config.fx.rates) } as unknown as SwitchDeps;

  it('refuses a settlement that does not fit the store, and a USD amount that does not', () => {
    // The largest CNY amount is 4.5e14 THB in the wallet's currency: more than 14 whole digits.
    const thb = preparePayment(deps, 'siam-wallet', request('m-cn-0001', '90071992547409.91', 'CNY'));
    expect(codeOf(thb)).toBe('AMOUNT_OUT_OF_RANGE');
    expect(thb.ok ? '' : thb.error.message).toMatch(/^the settlement amount \d+\.\d\d THB is above/);
    // The same amount fits an SGD wallet (1.7e13 SGD).
    expect(codeOf(preparePayment(deps, 'merlion-pay', request('m-cn-0001', '90071992547409.91', 'CNY')))).toBe('ok');
    // Were KRW worth two dollars, the largest KRW amount would be 2e14 USD.
    const strongWon = { registry, fx: createFxTable({ ...config.fx.rates, KRW: '0.5' }) } as unknown as SwitchDeps;
    const usd = preparePayment(strongWon, 'hangang-pay', request('m-kr-0001', '99999999999999', 'KRW'));
    expect(codeOf(usd)).toBe('AMOUNT_OUT_OF_RANGE');
    expect(usd.ok ? '' : usd.error.message).toMatch(/^the USD amount 199999999999998\.00 USD is above/);
  });

  it('refuses a rate the rate column cannot hold', () => {
    const apart = { registry, fx: createFxTable({ ...config.fx.rates, KRW: '99999999999999' }) } as unknown as SwitchDeps;
    // 1 SGD would be 7.5e13 KRW: past Decimal(18, 8).
    expect(codeOf(preparePayment(apart, 'hangang-pay', request('m-sg-0001', '1.00', 'SGD')))).toBe('FX_RATE_OUT_OF_RANGE');
  });
});

describe('the largest amounts in the risk facts', () => {
  it('reads every USD amount up to the largest to the cent, as the Lua scripts add them', () => {
    // Number(x) * 100 is a cent off for some amounts above about 2^50 cents.
    for (const [text, cents] of [['90071992547409.90', 9_007_199_254_740_990], ['45035996273704.95', 4_503_599_627_370_495], ['90071992547409.91', 9_007_199_254_740_991], ['0.05', 5]] as const) {
      expect(usdCents(text), text).toBe(cents);
    }
  });
});

describe('amounts that round to nothing in the wallet', () => {
  let server: TestRedis;
  let redis: Redis;
  let deps: SwitchDeps;
  beforeAll(async () => {
    server = await startTestRedis();
    redis = server.connect();
    deps = {
      registry,
      fx: createFxTable(config.fx.rates),
      ledger: createLedger(redis, { idempotencyTtlMs: 3_600_000, retentionMs: 3_600_000, tapStream: 'tap:amount-range' }),
      scorer: createApproveAllScorer(),
      tap: createStreamTap(redis, 'tap:amount-range'),
      now: () => Date.now(),
      newPaymentId: (type) => newPaymentId(type),
      reversalWindowMs: 3_600_000,
    };
  });
  afterAll(async () => server?.stop());

  it('refuses 5 KRW from an SGD wallet (0.0048 SGD) with SETTLEMENT_ROUNDS_TO_ZERO and writes nothing', async () => {
    const p = payer();
    const body = request('m-kr-0001', '5', 'KRW', p);
    const r = await authorize(deps, 'merlion-pay', body);
    expect(codeOf(r)).toBe('SETTLEMENT_ROUNDS_TO_ZERO');
    expect(await redis.exists(`txn:merlion-pay:${body.txnId}`, `wallet:merlion-pay:${p.walletId}`)).toBe(0);
    // 7 KRW is 0.0068 SGD: one cent, the smallest settlement there is.
    const seven = await authorize(deps, 'merlion-pay', request('m-kr-0001', '7', 'KRW', p));
    expect(seven.ok && [seven.value.status, seven.value.settlement.amount]).toEqual(['APPROVED', '0.01']);
  });

  it('refuses a refund that would credit less than a minor unit, and credits nothing for it', async () => {
    const p = payer();
    const paid = await authorize(deps, 'merlion-pay', request('m-kr-0001', '1385', 'KRW', p));
    expect(paid.ok && [paid.value.status, paid.value.settlement.amount]).toEqual(['APPROVED', '1.34']);
    const paymentId = paid.ok ? paid.value.paymentId : '';
    const balance = await redis.hget(`wallet:merlion-pay:${p.walletId}`, 'balance');
    const txnId = randomUUID();
    const tiny = await followUp(deps, 'lion-city-acquiring', 'refund', paymentId, { txnId, amount: { value: '5', currency: 'KRW' } });
    expect(codeOf(tiny)).toBe('SETTLEMENT_ROUNDS_TO_ZERO');
    expect(await redis.hget(`wallet:merlion-pay:${p.walletId}`, 'balance')).toBe(balance);
    expect((await deps.ledger.load(paymentId))?.refundedMinor).toBe(0n);
    // Nothing holds the txnId: the same id with an amount that settles goes through.
    const refund = await followUp(deps, 'lion-city-acquiring', 'refund', paymentId, { txnId, amount: { value: '1000', currency: 'KRW' } });
    expect(refund.ok && [refund.value.status, refund.value.settlement.amount]).toEqual(['APPROVED', '0.97']);
  });
});
