import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskAssessment } from '../domain/transaction.ts';
import { createStreamTap } from '../ingest/tap-stream.ts';
import { createApproveAllScorer } from '../rules/test-support/approve-all-scorer.ts';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import type { ConfigFile } from '../server/config/schema.ts';
import { authorize } from './authorize.ts';
import type { SwitchDeps } from './deps.ts';
import { createFxTable } from './fx.ts';
import { merchantQr } from './issued-qr.ts';
import { createLedger, type Ledger } from './ledger.ts';
import { newPaymentId } from './payment-id.ts';
import { createRegistry } from './registry.ts';
import type { RequestSpend } from './request-spend.ts';

/**
 * The authorisation's one Redis call before its decision (lua/spendAndClaim-3.lua): the
 * request's nonce, its participant's budget and the txnId's claim, against a real Redis.
 */

const config = JSON.parse(readFileSync(new URL('../config/development.json', import.meta.url), 'utf8')) as ConfigFile;
const registry = createRegistry({ gateway: config.gateway, participants: config.participants, merchants: config.merchants });
const qr = merchantQr(registry, registry.merchant('m-cn-0001')!);
if (!qr.ok) throw new Error(qr.error.message);

/** A fresh nonce of a participant with its own budget counter, `budgetMax` requests a window. */
const spendOf = (budgetKey: string, budgetMax = 10): RequestSpend => ({
  nonceKey: `nonce:siam-wallet:${randomUUID()}`,
  nonceTtlMs: 600_000,
  budgetKey,
  budgetWindowMs: 600_000,
  budgetMax,
});

describe("an authorisation's claim, taken with its request's nonce and budget", () => {
  let server: TestRedis;
  let redis: Redis;
  let ledger: Ledger;
  beforeAll(async () => {
    server = await startTestRedis();
    redis = server.connect();
    ledger = createLedger(redis, { idempotencyTtlMs: 3_600_000, retentionMs: 3_600_000 });
  });
  afterAll(async () => server?.stop());

  it('answers the four kinds a claim answers, and counts each fresh request once', async () => {
    const budget = `budget:${randomUUID()}`;
    const txnId = randomUUID();
    expect(await ledger.spendAndClaim(spendOf(budget), 'siam-wallet', txnId, 'h1', 'pay_1')).toEqual({ kind: 'claimed', token: 'P|h1|pay_1' });
    expect(await ledger.spendAndClaim(spendOf(budget), 'siam-wallet', txnId, 'h1', 'pay_2')).toEqual({ kind: 'in-progress' });
    expect(await ledger.spendAndClaim(spendOf(budget), 'siam-wallet', txnId, 'h2', 'pay_3')).toEqual({ kind: 'conflict' });
    await redis.set(`txn:siam-wallet:${txnId}`, 'D|h1|pay_1');
    expect(await ledger.spendAndClaim(spendOf(budget), 'siam-wallet', txnId, 'h1', 'pay_4')).toEqual({ kind: 'done', paymentId: 'pay_1' });
    expect(await ledger.spendAndLookup(spendOf(budget), 'siam-wallet', randomUUID(), 'h1')).toEqual({ kind: 'free' });
    expect(await redis.get(budget)).toBe('5');
  });

  it('spends and claims nothing for a replayed nonce, and claims nothing past the budget', async () => {
    const budget = `budget:${randomUUID()}`;
    const first = spendOf(budget, 2);
    expect((await ledger.spendAndClaim(first, 'siam-wallet', randomUUID(), 'h', 'pay_1')).kind).toBe('claimed');
    const replayed = randomUUID();
    expect(await ledger.spendAndClaim(first, 'siam-wallet', replayed, 'h', 'pay_2')).toEqual({ kind: 'nonce-reused' });
    expect(await redis.get(budget)).toBe('1');
    expect((await ledger.spendAndClaim(spendOf(budget, 2), 'siam-wallet', randomUUID(), 'h', 'pay_3')).kind).toBe('claimed');
    const over = spendOf(budget, 2);
    const overTxn = randomUUID();
    expect(await ledger.spendAndClaim(over, 'siam-wallet', overTxn, 'h', 'pay_4')).toEqual({ kind: 'over-budget' });
    // Over the budget, the nonce is spent all the same: the request cannot be sent again as it is.
    expect(await ledger.spendAndLookup(over, 'siam-wallet', overTxn, 'h')).toEqual({ kind: 'nonce-reused' });
    expect(await redis.exists(`txn:siam-wallet:${replayed}`, `txn:siam-wallet:${overTxn}`)).toBe(0);
  });

  it('lets a repeat wait for the first attempt without spending its nonce again, and gives it the first answer', async () => {
    let scoring!: () => void;
    const scoringStarted = new Promise<void>((resolve) => (scoring = resolve));
    let decide!: (risk: RiskAssessment) => void;
    const decided = new Promise<RiskAssessment>((resolve) => (decide = resolve));
    let sawInProgress!: () => void;
    const inProgressSeen = new Promise<void>((resolve) => (sawInProgress = resolve));
    const watching: Ledger = {
      ...ledger,
      spendAndClaim: async (...args) => {
        const claim = await ledger.spendAndClaim(...args);
        if (claim.kind === 'in-progress') sawInProgress();
        return claim;
      },
    };
    const deps = (overrides: Partial<SwitchDeps>): SwitchDeps => ({
      registry,
      fx: createFxTable(config.fx.rates),
      ledger: watching,
      scorer: createApproveAllScorer(),
      tap: createStreamTap(redis),
      now: () => Date.now(),
      newPaymentId: (type) => newPaymentId(type),
      reversalWindowMs: 3_600_000,
      ...overrides,
    });
    const walletId = `w-${randomUUID()}`;
    const body = { txnId: randomUUID(), qr: { payload: qr.value }, amount: { value: '100.00', currency: 'CNY' }, payer: { walletId, deviceId: 'd-1', ip: '203.0.113.9', country: 'TH' } };
    const budget = `budget:${randomUUID()}`;
    const first = authorize(deps({ scorer: { score: () => (scoring(), decided) } }), 'siam-wallet', body, spendOf(budget));
    await scoringStarted;
    const repeat = authorize(deps({}), 'siam-wallet', body, spendOf(budget));
    await inProgressSeen;
    // Long enough for the repeat to read the claim again, several times, while the first holds it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    decide({ score: 0, decision: 'approve', reasons: [], ruleSetVersion: 'test', shadowHits: [] });
    const answers = await Promise.all([first, repeat]);
    expect(answers[0].ok && answers[0].value.status).toBe('APPROVED');
    expect(answers[1]).toEqual(answers[0]);
    expect(await redis.get(budget)).toBe('2');
  });
});
