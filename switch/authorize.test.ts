import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payer, RiskAssessment } from '../domain/transaction.ts';
import { createStreamTap } from '../ingest/tap-stream.ts';
import { createApproveAllScorer } from '../rules/test-support/approve-all-scorer.ts';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import type { ConfigFile } from '../server/config/schema.ts';
import { authorize } from './authorize.ts';
import type { SwitchDeps } from './deps.ts';
import { createFxTable } from './fx.ts';
import { createLedger, type Ledger } from './ledger.ts';
import { merchantQr } from './issued-qr.ts';
import { newPaymentId } from './payment-id.ts';
import { createRegistry } from './registry.ts';

/**
 * Two switch nodes on one Redis whose configurations differ, as during a rolling change:
 * the second no longer knows the merchant the first took a payment for. A repeat that
 * reaches the second still gets the first answer, and the payment is processed once.
 */

const config = JSON.parse(readFileSync(new URL('../config/development.json', import.meta.url), 'utf8')) as ConfigFile;
const registry = createRegistry({ gateway: config.gateway, participants: config.participants, merchants: config.merchants });
const withoutMerchant = createRegistry({
  gateway: config.gateway,
  participants: config.participants,
  merchants: config.merchants.filter((m) => m.id !== 'm-cn-0001'),
});
const qr = merchantQr(registry, registry.merchant('m-cn-0001')!);
if (!qr.ok) throw new Error(qr.error.message);

const payer = (): Payer => ({ walletId: `w-${randomUUID()}`, deviceId: 'd-1', ip: '203.0.113.9', country: 'TH' });
const request = (p: Payer, value = '100.00', txnId = randomUUID()) => ({ txnId, qr: { payload: qr.value }, amount: { value, currency: 'CNY' }, payer: p });

describe('a payment sent again to a node that would refuse it', () => {
  let server: TestRedis;
  let redis: Redis;
  let ledger: Ledger;
  const node = (overrides: Partial<SwitchDeps>): SwitchDeps => ({
    registry,
    fx: createFxTable(config.fx.rates),
    ledger,
    scorer: createApproveAllScorer(),
    tap: createStreamTap(redis, 'tap:authorize-test'),
    now: () => Date.now(),
    newPaymentId: (type) => newPaymentId(type),
    reversalWindowMs: 3_600_000,
    ...overrides,
  });
  beforeAll(async () => {
    server = await startTestRedis();
    redis = server.connect();
    ledger = createLedger(redis, { idempotencyTtlMs: 3_600_000, retentionMs: 3_600_000, tapStream: 'tap:authorize-test' });
  });
  afterAll(async () => server?.stop());

  const balance = (p: Payer) => redis.hget(`wallet:siam-wallet:${p.walletId}`, 'balance');

  it('gets the first answer once the first node committed it', async () => {
    const p = payer();
    const body = request(p);
    const first = await authorize(node({}), 'siam-wallet', body);
    expect(first.ok && first.value.status).toBe('APPROVED');
    const debited = await balance(p);
    for (const elsewhere of [node({ registry: withoutMerchant }), node({ fx: createFxTable({ USD: '1' }) })]) {
      expect(await authorize(elsewhere, 'siam-wallet', { ...body, payer: { ...p } })).toEqual(first);
    }
    expect(await balance(p)).toBe(debited);
  });

  it('waits for the first attempt still running on the other node and gets its answer', async () => {
    let scoring!: () => void;
    const scoringStarted = new Promise<void>((resolve) => (scoring = resolve));
    let decide!: (risk: RiskAssessment) => void;
    const decided = new Promise<RiskAssessment>((resolve) => (decide = resolve));
    const held = node({
      scorer: {
        score: () => {
          scoring();
          return decided;
        },
      },
    });
    // The second node reports when it finds the first attempt in progress.
    let sawInProgress!: () => void;
    const inProgressSeen = new Promise<void>((resolve) => (sawInProgress = resolve));
    const watching: Ledger = {
      ...ledger,
      lookup: async (...args) => {
        const holder = await ledger.lookup(...args);
        if (holder.kind === 'in-progress') sawInProgress();
        return holder;
      },
    };
    const p = payer();
    const body = request(p);
    const first = authorize(held, 'siam-wallet', body);
    await scoringStarted;
    const repeat = authorize(node({ registry: withoutMerchant, ledger: watching }), 'siam-wallet', body);
    const early = await Promise.race([inProgressSeen.then(() => 'waiting' as const), repeat]);
    decide({ score: 0, decision: 'approve', reasons: [], ruleSetVersion: 'test', shadowHits: [] });
    expect(early, 'the repeat answered before the first attempt did').toBe('waiting');
    const answers = await Promise.all([first, repeat]);
    expect(answers[0].ok && answers[0].value.status).toBe('APPROVED');
    expect(answers[1]).toEqual(answers[0]);
    // Debited once: 100 CNY = 502.81 THB off the 2,000,000.00 THB opening balance.
    expect(await balance(p)).toBe(String(200_000_000 - 50_281));
  });

  it('still refuses a request its txnId was not answered for, and writes nothing', async () => {
    const elsewhere = node({ registry: withoutMerchant });
    const p = payer();
    const fresh = request(p);
    const refused = await authorize(elsewhere, 'siam-wallet', fresh);
    expect(refused.ok ? 'ok' : refused.error.code).toBe('MERCHANT_UNKNOWN');
    expect(await redis.exists(`txn:siam-wallet:${fresh.txnId}`, `wallet:siam-wallet:${p.walletId}`)).toBe(0);
    // A txnId answered for another request does not lend that answer to this one.
    const other = await authorize(node({}), 'siam-wallet', request(p, '10.00', fresh.txnId));
    expect(other.ok && other.value.status).toBe('APPROVED');
    const reused = await authorize(elsewhere, 'siam-wallet', fresh);
    expect(reused.ok ? 'ok' : reused.error.code).toBe('MERCHANT_UNKNOWN');
  });
});
