import os from 'node:os';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluatorKind } from './evaluation.ts';
import { createRiskEngine, type RiskEngine } from './risk-engine.ts';
import { ordinaryTraffic } from './test-support/ordinary-traffic.ts';
import { startTestRedis, type TestRedis } from './test-support/redis.ts';

/**
 * Prints how long score() takes over a few thousand ordinary payments with the default
 * pack (>= 20 rules), next to a plain Redis round trip measured in the same run. Timing is
 * printed, not asserted: it depends on the machine (and on what else runs on it). The
 * deadline is generous here so that what is asserted, that every payment was scored by
 * the rules, does not depend on timing either; the share over the production deadline of
 * 20 ms is printed.
 */

const PAYMENTS = 3000;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (us: number[]) => {
  const sorted = [...us].sort((a, b) => a - b);
  const over = (ms: number) => sorted.filter((x) => x > ms * 1000).length;
  return `p50 ${percentile(sorted, 50).toFixed(0)} us, p99 ${percentile(sorted, 99).toFixed(0)} us, max ${sorted.at(-1)!.toFixed(0)} us, over 2 ms: ${over(2)}, over 20 ms: ${over(20)}`;
};
const options = {
  thresholds: { review: 400, decline: 700 },
  deadlineMs: 1000,
  fallback: { approveBelowUsd: 50, otherwise: 'review' as const },
  cnyPerUsd: '7.12',
};

let server: TestRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startTestRedis();
  redis = server.connect();
});
afterAll(async () => server?.stop());

describe('score() latency', () => {
  const lines: string[] = [];
  afterAll(() => console.log(`\n${lines.join('\n')}\n`));

  it('baseline: a Redis PING round trip', async () => {
    const us: number[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const started = performance.now();
      await redis.ping();
      us.push((performance.now() - started) * 1000);
    }
    lines.push(`redis PING round trip (${PAYMENTS}x, ${os.cpus().length} CPUs): ${summary(us)}`);
  });

  for (const [index, kind] of (['node-rules', 'direct'] as EvaluatorKind[]).entries()) {
    it(`${kind}: scores ${PAYMENTS} ordinary payments without falling back`, async () => {
      const engine: RiskEngine = await createRiskEngine({ ...options, redis, evaluator: kind });
      try {
        const traffic = ordinaryTraffic({ seed: 100 + index, payers: 300, merchants: 40, payments: PAYMENTS, meanGapSeconds: 5, start: Date.UTC(2025, 5, 1 + index * 3, 2) });
        const us: number[] = [];
        for (const message of traffic) {
          const started = performance.now();
          const risk = await engine.score(message);
          us.push((performance.now() - started) * 1000);
          // Settled (not timed) as the switch does, so the velocity state grows realistically.
          engine.settle(message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
        }
        const stats = engine.stats();
        lines.push(`score() with ${kind}, ${stats.rules} rules, ${PAYMENTS} payments: ${summary(us)}`);
        expect(stats).toMatchObject({ degraded: 0, conditionErrors: 0, evaluator: kind });
        expect(stats.rules).toBeGreaterThanOrEqual(20);
      } finally {
        await engine.close();
      }
    });
  }

  it('throughput with 32 payments in flight at once', async () => {
    const engine = await createRiskEngine({ ...options, redis: server.connect({ enableAutoPipelining: true }) });
    try {
      const traffic = ordinaryTraffic({ seed: 300, payers: 500, merchants: 40, payments: PAYMENTS, meanGapSeconds: 2, start: Date.UTC(2025, 6, 1, 2) });
      let next = 0;
      const us: number[] = [];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < traffic.length) {
            const message = traffic[next++]!;
            const t = performance.now();
            await engine.score(message);
            us.push((performance.now() - t) * 1000);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      lines.push(`score() with node-rules, 32 in flight, auto-pipelining: ${(PAYMENTS / seconds).toFixed(0)} payments/s, ${summary(us)}`);
      expect(engine.stats().degraded).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
