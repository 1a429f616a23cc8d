import { performance } from 'node:perf_hooks';
import { createRiskEngine, createRuleStore } from '../../rules/index.ts';
import { ordinaryTraffic } from '../../rules/test-support/ordinary-traffic.ts';
import { startTestRedis } from '../../rules/test-support/redis.ts';
import type { Measurement, Suite } from '../suite.ts';

const PAYMENTS = 3000;

/**
 * The risk step alone: facts from the in-process velocity state plus the default rule pack
 * (22 rules) through node-rules, then the settlement of the decision, as the switch does it;
 * next to a Redis PING on a redis-server (AOF on, as the platform runs it).
 */
export const riskSuite: Suite = {
  name: 'risk',
  description: `risk step alone (in-process facts + default rule pack + settlement), ${PAYMENTS} ordinary payments, vs one Redis PING`,
  async run(settings) {
    const redis = await startTestRedis();
    try {
      const conn = redis.connect({ enableAutoPipelining: true });
      await createRuleStore(conn).seedDefaults();
      const engine = await createRiskEngine({
        redis: conn,
        thresholds: { review: 400, decline: 700 },
        deadlineMs: 1000,
        fallback: { approveBelowUsd: 500, otherwise: 'review' },
        cnyPerUsd: '7.12',
      });
      try {
        const messages = ordinaryTraffic({ payments: 2 * PAYMENTS + 300, payers: 2000, merchants: 200 });
        const scoreOne = async (i: number) => {
          const message = messages[i % messages.length]!;
          const started = performance.now();
          const risk = await engine.score(message);
          const scoredMs = performance.now() - started;
          engine.settle(message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
          return scoredMs;
        };
        settings.log(`risk: ${engine.stats().rules} rules, ${PAYMENTS} payments one at a time, then ${settings.concurrency} in flight`);
        for (let i = 0; i < 300; i++) await scoreOne(i);
        const sequential: number[] = [];
        const t0 = performance.now();
        for (let i = 300; i < 300 + PAYMENTS; i++) sequential.push(await scoreOne(i));
        const sequentialMs = performance.now() - t0;
        const concurrent: number[] = [];
        let next = 300 + PAYMENTS;
        const end = next + PAYMENTS;
        const t1 = performance.now();
        await Promise.all(
          Array.from({ length: settings.concurrency }, async () => {
            for (let i = next++; i < end; i = next++) concurrent.push(await scoreOne(i));
          }),
        );
        const concurrentMs = performance.now() - t1;
        const pings: number[] = [];
        for (let i = 0; i < PAYMENTS; i++) {
          const started = performance.now();
          await conn.ping();
          pings.push(performance.now() - started);
        }
        const stats = engine.stats();
        return {
          suite: 'risk',
          description: riskSuite.description,
          measurements: [
            measured('score(), one at a time', 'subject', sequential, sequentialMs),
            measured(`score(), ${settings.concurrency} in flight`, 'subject', concurrent, concurrentMs),
            measured('Redis PING, one at a time (baseline)', 'baseline', pings, pings.reduce((a, b) => a + b, 0)),
          ],
          ratios: [],
          warnings: stats.degraded > 0 ? [`${stats.degraded} payments fell back (RISK_DEGRADED): ${JSON.stringify(stats.degradedByCause)}`] : [],
          notes: [`rules in the running set: ${stats.rules}; evaluator: ${stats.evaluator}; per second counts the whole step (score + settlement)`],
        };
      } finally {
        await engine.close();
      }
    } finally {
      await redis.stop();
    }
  },
};

function measured(name: string, role: Measurement['role'], ms: number[], totalMs: number): Measurement {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { name, role, completed: ms.length, perSecond: ms.length / (totalMs / 1000), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? 0, failures: 0, failureKinds: {} };
}
