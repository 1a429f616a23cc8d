import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRiskEngine, type RiskEngineOptions } from './risk-engine.ts';
import { testMessage } from './test-support/messages.ts';
import { startTestRedis, type TestRedis } from './test-support/redis.ts';

/**
 * No payment waits for a slow or absent Redis: past the deadline the configured fallback
 * decides, with reason RISK_DEGRADED, and it is counted.
 */

/**
 * Larger than the production 20 ms so that the "normal" scores around the failures stay
 * normal on a busy two-core machine; Redis is made to fail for far longer than this.
 */
const DEADLINE_MS = 100;
/** Timers on a busy machine fire late; the payment still must not wait for Redis. */
const TIMER_SLACK_MS = 150;
const PAUSE_MS = '2000';

const base = {
  thresholds: { review: 400, decline: 700 },
  deadlineMs: DEADLINE_MS,
  cnyPerUsd: '7.12',
} satisfies Partial<RiskEngineOptions>;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('the risk step when Redis is slow or gone', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => server?.stop());

  it('falls back within the deadline while Redis is paused: small payments approved, others reviewed', async () => {
    const redis = server.connect();
    const engine = await createRiskEngine({ ...base, redis, fallback: { approveBelowUsd: 50, otherwise: 'review' } });
    try {
      expect((await engine.score(testMessage({ usd: 10 }))).reasons).toEqual([]);
      await server.connect().call('CLIENT', 'PAUSE', PAUSE_MS, 'ALL');

      const small = await timed(() => engine.score(testMessage({ usd: 10 })));
      const large = await timed(() => engine.score(testMessage({ usd: 500 })));

      expect(small.value).toMatchObject({ decision: 'approve', score: 0, reasons: [{ ruleId: 'RISK_DEGRADED', value: 10, threshold: 50 }] });
      expect(large.value).toMatchObject({ decision: 'review', score: 400, reasons: [{ ruleId: 'RISK_DEGRADED', value: 500, threshold: 50 }] });
      expect(large.value.ruleSetVersion).toBe(engine.stats().ruleSetVersion);
      expect(small.ms).toBeLessThan(DEADLINE_MS + TIMER_SLACK_MS);
      expect(large.ms).toBeLessThan(DEADLINE_MS + TIMER_SLACK_MS);
      expect(engine.stats()).toMatchObject({ scored: 3, degraded: 2, degradedByCause: { deadline: 2, redis: 0, overload: 0, error: 0 }, abandonedInFlight: 2 });

      // Once the pause ends the late replies arrive (and are dropped), and scoring is normal again.
      await redis.ping();
      expect((await engine.score(testMessage({ usd: 500 }))).reasons).toEqual([]);
      expect(engine.stats().abandonedInFlight).toBe(0);
    } finally {
      await engine.close();
    }
  });
});

describe('the rules that need no velocity store, when the risk step degrades', () => {
  it('still decline a sanctioned country and a blocked wallet (lists held in memory, kept current by pub/sub)', async () => {
    const server = await startTestRedis();
    try {
      const redis = server.connect();
      const engine = await createRiskEngine({ ...base, redis, fallback: { approveBelowUsd: 50, otherwise: 'review' } });
      // A list change made through another connection (as another node would) reaches this engine's copy.
      const other = await createRiskEngine({ ...base, redis: server.connect(), fallback: { approveBelowUsd: 50, otherwise: 'review' } });
      const blockedBefore = engine.stats().listSizes['blocked-wallets'];
      expect(engine.stats().listSizes['sanctioned-countries']).toBeGreaterThan(0);
      await other.store.lists.add('blocked-wallets', ['siam-wallet:w-stolen'], 'test');
      await other.close();
      const deadline = Date.now() + 5000;
      while (engine.stats().listSizes['blocked-wallets'] !== blockedBefore + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(engine.stats().listSizes['blocked-wallets']).toBe(blockedBefore + 1);

      await server.connect().call('CLIENT', 'PAUSE', PAUSE_MS, 'ALL');
      const sanctioned = await engine.score(testMessage({ usd: 10, merchantCountry: 'KP' }));
      const stolen = await engine.score(testMessage({ usd: 10, walletId: 'w-stolen' }));
      const ordinary = await engine.score(testMessage({ usd: 10 }));

      expect(sanctioned.decision).toBe('decline');
      expect(sanctioned.reasons.map((r) => r.ruleId)).toEqual(['sanctioned-country', 'RISK_DEGRADED']);
      expect(sanctioned.score).toBe(1000);
      expect(stolen.decision).toBe('decline');
      expect(stolen.reasons.map((r) => r.ruleId)).toEqual(['blocked-wallet', 'RISK_DEGRADED']);
      // Velocity, profile and history rules do not run on missing history: the fallback alone decides.
      expect(ordinary).toMatchObject({ decision: 'approve', score: 0, reasons: [{ ruleId: 'RISK_DEGRADED' }] });
      expect(ordinary.reasons).toHaveLength(1);
      expect(engine.stats()).toMatchObject({ degraded: 3, degradedWithRuleHits: 2, degradedByCause: { deadline: 3 } });
      await redis.ping();
      await engine.close();
    } finally {
      await server.stop();
    }
  });
});

describe('the post-decision update when it cannot be recorded', () => {
  it('never throws into the switch: a connection without the scripts and a failed reply are counted', async () => {
    const server = await startTestRedis();
    try {
      const redis = server.connect({ enableOfflineQueue: false });
      await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
      const engine = await createRiskEngine({ ...base, redis, fallback: { approveBelowUsd: 50, otherwise: 'review' } });
      const bare = server.connect();
      expect(() => engine.recordOutcome(bare, testMessage())).not.toThrow();
      expect(engine.stats().recordOutcomeErrors).toBe(1);
      bare.disconnect();
      await server.server.stop();
      await new Promise<void>((resolve) => (redis.status === 'ready' ? redis.once('close', () => resolve()) : resolve()));
      engine.recordOutcome(redis, testMessage());
      const deadline = Date.now() + 2000;
      while (engine.stats().recordOutcomeErrors < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(engine.stats().recordOutcomeErrors).toBe(2);
      await engine.close();
    } finally {
      await server.stop();
    }
  });
});

describe('the risk step when Redis falls behind', () => {
  it('stops sending look-ups nobody waits for: past the limit, payments fall back at once', async () => {
    const server = await startTestRedis();
    try {
      const redis = server.connect();
      const engine = await createRiskEngine({ ...base, redis, fallback: { approveBelowUsd: 50, otherwise: 'review' }, maxAbandonedInFlight: 3 });
      await server.connect().call('CLIENT', 'PAUSE', PAUSE_MS, 'ALL');
      for (let i = 0; i < 3; i++) expect((await engine.score(testMessage({ usd: 10 }))).reasons[0]!.ruleId).toBe('RISK_DEGRADED');
      const shed = await timed(() => engine.score(testMessage({ usd: 10 })));
      expect(shed.ms).toBeLessThan(DEADLINE_MS / 2);
      expect(shed.value.reasons[0]!.message).toBe('risk not scored (velocity store overloaded); approved below USD 50');
      expect(engine.stats()).toMatchObject({ degraded: 4, abandonedInFlight: 3, degradedByCause: { deadline: 3, overload: 1 } });
      // The first PING comes back after the pause with the late replies; the second, a round trip later, once they are counted.
      await redis.ping();
      await redis.ping();
      expect(engine.stats().abandonedInFlight).toBe(0);
      expect((await engine.score(testMessage({ usd: 10 }))).reasons).toEqual([]);
      await engine.close();
    } finally {
      await server.stop();
    }
  });
});

describe('the risk step when the Redis server has stopped', () => {
  it('declines above the configured amount within the deadline, even on a connection that would retry for ever', async () => {
    const server = await startTestRedis();
    try {
      // The worst client configuration: commands queue offline without limit and never time out.
      const redis = server.connect({ maxRetriesPerRequest: null, commandTimeout: undefined });
      const engine = await createRiskEngine({ ...base, redis, fallback: { approveBelowUsd: 25, otherwise: 'decline' } });
      await server.server.stop();

      const small = await timed(() => engine.score(testMessage({ usd: 24.99 })));
      const large = await timed(() => engine.score(testMessage({ usd: 25 })));
      expect(small.value).toMatchObject({ decision: 'approve', reasons: [{ ruleId: 'RISK_DEGRADED' }] });
      expect(large.value).toMatchObject({ decision: 'decline', score: 700, reasons: [{ ruleId: 'RISK_DEGRADED' }] });
      expect(small.ms).toBeLessThan(DEADLINE_MS + TIMER_SLACK_MS);
      expect(large.ms).toBeLessThan(DEADLINE_MS + TIMER_SLACK_MS);
      expect(engine.stats()).toMatchObject({ degraded: 2, degradedByCause: { deadline: 2 } });
      await engine.close();
    } finally {
      await server.stop();
    }
  });

  it('falls back at once, counted as a Redis failure, on a connection without an offline queue', async () => {
    const server = await startTestRedis();
    try {
      const redis = server.connect({ enableOfflineQueue: false });
      // Without an offline queue, nothing may be sent before the connection is ready.
      await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
      const engine = await createRiskEngine({ ...base, redis, fallback: { approveBelowUsd: 50, otherwise: 'review' } });
      await server.server.stop();
      // The connection notices the close; until then the command is written to a dead socket and the deadline applies.
      await new Promise<void>((resolve) => (redis.status === 'ready' ? redis.once('close', () => resolve()) : resolve()));
      const result = await timed(() => engine.score(testMessage({ usd: 80 })));
      expect(result.value).toMatchObject({ decision: 'review', reasons: [{ ruleId: 'RISK_DEGRADED', message: 'risk not scored (velocity store unavailable); USD 80.00 is not below USD 50: review' }] });
      // No waiting for the deadline: the command fails as soon as it is sent.
      expect(result.ms).toBeLessThan(DEADLINE_MS / 2);
      expect(engine.stats().degradedByCause).toEqual({ redis: 1, deadline: 0, overload: 0, error: 0 });
      await engine.close();
    } finally {
      await server.stop();
    }
  });
});
