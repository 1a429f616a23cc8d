import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRiskEngine, type RiskEngineOptions } from './risk-engine.ts';
import type { RecordedMessage } from './state/replay-history.ts';
import { testMessage, T0 } from './test-support/messages.ts';
import { sampleScreeningService } from './test-support/sample-screening.ts';
import { startTestRedis, type TestRedis } from './test-support/redis.ts';

/**
 * The risk step reads its facts from memory: a slow or absent Redis never holds a payment
 * up nor turns it to the fallback. The failure policy decides (reason RISK_DEGRADED,
 * counted) while the velocity state is being rebuilt, and when the rules miss their budget.
 */

const DEADLINE_MS = 100;
const PAUSE_MS = '2000';

const base = {
  thresholds: { review: 400, decline: 700 },
  deadlineMs: DEADLINE_MS,
  cnyPerUsd: '7.12',
  fallback: { approveBelowUsd: 50, otherwise: 'review' },
} satisfies Partial<RiskEngineOptions>;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server?.stop());

describe('the risk step when Redis is slow or gone', () => {
  it('scores from memory with every rule while Redis is paused, and counts what it scored', async () => {
    const redis = server.connect();
    const engine = await createRiskEngine({ ...base, redis });
    try {
      await server.connect().call('CLIENT', 'PAUSE', PAUSE_MS, 'ALL');
      const deviceId = 'd-paused';
      for (let i = 0; i < 5; i++) {
        const payment = testMessage({ usd: 2, deviceId, walletId: `w-paused-${i}`, at: T0 + i * 1000 });
        const scored = await timed(() => engine.score(payment));
        expect(scored.value.reasons.map((r) => r.ruleId)).not.toContain('RISK_DEGRADED');
        expect(scored.ms).toBeLessThan(DEADLINE_MS);
        engine.settle(payment, 'APPROVED');
      }
      // The sixth payment from one device within a minute is a burst, Redis or not.
      const sixth = await engine.score(testMessage({ usd: 2, deviceId, walletId: 'w-paused-6', at: T0 + 6000 }));
      expect(sixth.reasons.map((r) => r.ruleId)).toContain('velocity-device-burst');
      expect(engine.stats()).toMatchObject({ scored: 6, degraded: 0 });
      // A reply on a connection without a command timeout: the pause is over.
      const waiter = server.connect({ commandTimeout: undefined });
      await waiter.ping();
      waiter.disconnect();
    } finally {
      await engine.close();
    }
  });

  it('scores with the Redis server stopped, on a connection that would retry for ever', async () => {
    const own = await startTestRedis();
    try {
      const redis = own.connect({ maxRetriesPerRequest: null, commandTimeout: undefined });
      const engine = await createRiskEngine({ ...base, redis, fallback: { approveBelowUsd: 25, otherwise: 'decline' } });
      await own.server.stop();
      const large = await timed(() => engine.score(testMessage({ usd: 25 })));
      expect(large.value.decision).toBe('approve');
      expect(large.value.reasons).toEqual([]);
      expect(large.ms).toBeLessThan(DEADLINE_MS);
      expect(engine.stats().degraded).toBe(0);
      redis.disconnect();
      await engine.close().catch(() => undefined);
    } finally {
      await own.stop();
    }
  });
});

describe('while the velocity state is being rebuilt', () => {
  it('decides by the failure policy with the list rules, counts every payment, and scores normally once warm', async () => {
    const redis = server.connect();
    const engine = await createRiskEngine({ ...base, redis, warming: true });
    // A list change made through another engine (as another node would) reaches this engine's copy.
    const other = await createRiskEngine({ ...base, redis: server.connect() });
    try {
      const blockedBefore = engine.stats().listSizes['blocked-wallets'];
      await other.store.lists.add('blocked-wallets', ['siam-wallet:w-stolen'], 'test');
      const deadline = Date.now() + 5000;
      while (engine.stats().listSizes['blocked-wallets'] !== blockedBefore + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(engine.stats().listSizes['blocked-wallets']).toBe(blockedBefore + 1);

      const sanctioned = await engine.score(testMessage({ usd: 10, merchantCountry: 'KP' }));
      const stolen = await engine.score(testMessage({ usd: 10, walletId: 'w-stolen' }));
      const warmingPayment = testMessage({ usd: 10, walletId: 'w-warm', deviceId: 'd-warm', at: T0 });
      const ordinary = await engine.score(warmingPayment);
      engine.settle(warmingPayment, 'APPROVED');
      const large = await engine.score(testMessage({ usd: 80, walletId: 'w-warm-2' }));
      expect(sanctioned.decision).toBe('decline');
      expect(sanctioned.reasons.map((r) => r.ruleId)).toEqual(['sanctioned-country', 'RISK_DEGRADED']);
      expect(stolen.decision).toBe('decline');
      expect(stolen.reasons.map((r) => r.ruleId)).toEqual(['blocked-wallet', 'RISK_DEGRADED']);
      // Velocity, profile and history rules do not run on a state not yet rebuilt: the fallback alone decides.
      expect(ordinary).toMatchObject({ decision: 'approve', score: 0, reasons: [{ ruleId: 'RISK_DEGRADED', message: 'risk not scored (velocity state still being rebuilt); approved below USD 50' }] });
      expect(large).toMatchObject({ decision: 'review', reasons: [{ ruleId: 'RISK_DEGRADED' }] });
      expect(engine.stats()).toMatchObject({ degraded: 4, degradedWithRuleHits: 2, degradedByCause: { warming: 4 }, state: { warming: true } });

      // History holds the warming payment too (it was committed meanwhile): it counts once.
      const history: RecordedMessage[] = [
        { message: testMessage({ usd: 10, walletId: 'w-warm', deviceId: 'd-warm', at: T0 - 60_000 }), status: 'APPROVED' },
        { message: warmingPayment, status: 'APPROVED' },
      ];
      await engine.warmUp([async function* () { yield history; }]);
      expect(engine.stats().state).toMatchObject({ warming: false, warmUp: { applied: 1 } });
      const next = await engine.score(testMessage({ usd: 10, walletId: 'w-warm', deviceId: 'd-warm', at: T0 + 1000 }));
      expect(next.reasons).toEqual([]);
      expect(engine.stats().degradedByCause.warming).toBe(4);
    } finally {
      await other.close();
      await engine.close();
    }
  });
});


describe('name screening on the degraded path', () => {
  it('declines a sanctioned payer and reviews a PEP while the state is rebuilt, with the Redis server stopped', async () => {
    const own = await startTestRedis();
    try {
      const redis = own.connect({ maxRetriesPerRequest: null, commandTimeout: undefined });
      const engine = await createRiskEngine({ ...base, redis, warming: true, screening: sampleScreeningService(2) });
      await own.server.stop();
      // Kim Jong Un in pinyin: sanctioned and a PEP. USD 10 alone would be approved by the fallback.
      const sanctioned = await engine.score(testMessage({ usd: 10, payerName: 'Jin Zhengen' }));
      const pep = await engine.score(testMessage({ usd: 10, payerName: '习近平' }));
      const plain = await engine.score(testMessage({ usd: 10, payerName: 'Somchai Jaidee' }));
      expect(sanctioned).toMatchObject({ decision: 'decline', screeningLists: 'sample:2' });
      expect(sanctioned.reasons.map((r) => r.ruleId)).toEqual(expect.arrayContaining(['screening-payer-sanctions', 'RISK_DEGRADED']));
      expect(sanctioned.reasons.find((r) => r.ruleId === 'screening-payer-sanctions')?.message).toContain('cpg-sample-kim-jong-un in sample v2');
      expect(pep).toMatchObject({ decision: 'review', screeningLists: 'sample:2' });
      expect(pep.reasons.map((r) => r.ruleId)).toEqual(['screening-payer-pep', 'RISK_DEGRADED']);
      expect(plain).toMatchObject({ decision: 'approve', reasons: [{ ruleId: 'RISK_DEGRADED' }], screeningLists: 'sample:2' });
      expect(engine.stats()).toMatchObject({ degraded: 3, degradedWithRuleHits: 2 });
      redis.disconnect();
      await engine.close().catch(() => undefined);
    } finally {
      await own.stop();
    }
  });
});
