import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SwitchedMessage } from '../../domain/transaction.ts';
import { createRiskEngine, createRuleStore } from '../../rules/index.ts';
import { ordinaryTraffic } from '../../rules/test-support/ordinary-traffic.ts';
import { startTestRedis } from '../../rules/test-support/redis.ts';
import { createLiveScreening, type LiveScreening } from '../../screening/live-screening.ts';
import { createMatchIndex } from '../../screening/match-index.ts';
import { screeningProbes, syntheticList } from '../screening-load.ts';
import type { Measurement, Suite } from '../suite.ts';

const PAYMENTS = 3000;
/** Names of the synthetic screening list the step is measured with too (`BENCH_SCREENING_NAMES`, 0: not measured). */
const SCREENING_NAMES = Number(process.env.BENCH_SCREENING_NAMES ?? 1_000_000);

/**
 * The risk step alone: facts from the in-process velocity state plus the default rule pack
 * (22 rules) through node-rules, then the settlement of the decision, as the switch does it;
 * next to a Redis PING on a redis-server (AOF on, as the platform runs it).
 */
export const riskSuite: Suite = {
  name: 'risk',
  description:
    `risk step alone (in-process facts + default rule pack + settlement), ${PAYMENTS} ordinary payments, vs one Redis PING; ` +
    `then with both parties screened against ${SCREENING_NAMES.toLocaleString('en')} synthetic names`,
  async run(settings) {
    const redis = await startTestRedis();
    try {
      const conn = redis.connect({ enableAutoPipelining: true });
      await createRuleStore(conn).seedDefaults();
      const engine = await benchEngine(conn);
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
        const screened = SCREENING_NAMES > 0 ? await withScreening(conn, messages, settings.log) : undefined;
        const names = SCREENING_NAMES.toLocaleString('en');
        return {
          suite: 'risk',
          description: riskSuite.description,
          measurements: [
            measured('score(), one at a time', 'subject', sequential, sequentialMs),
            measured(`score(), ${settings.concurrency} in flight`, 'subject', concurrent, concurrentMs),
            ...(screened
              ? [
                  measured(`score() screening ${names} names, payers named as people, one at a time`, 'subject', screened.people, sum(screened.people)),
                  measured(`score() screening ${names} names, payers named as anything (companies too), one at a time`, 'subject', screened.any, sum(screened.any)),
                ]
              : []),
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

/** The engine as the switch runs it (default thresholds and fallback), a deadline no run reaches. */
function benchEngine(conn: Parameters<typeof createRiskEngine>[0]['redis'], screening?: LiveScreening) {
  return createRiskEngine({
    redis: conn,
    thresholds: { review: 400, decline: 700 },
    deadlineMs: 1000,
    fallback: { approveBelowUsd: 500, otherwise: 'review' },
    cnyPerUsd: '7.12',
    ...(screening ? { screening } : {}),
  });
}

/**
 * The same step with the payer's and the merchant's names screened against the synthetic
 * list, each payment's payer named after one of the screening benchmark's probes (list names,
 * some with a typo, and misses of the same shapes), so almost every name is new to the step.
 * Twice: with names of people only (a consumer wallet's holder), then with names of any
 * schema, companies included (their names are the slowest to screen). The engine's state is
 * warmed first and the heap collected in full before each run: building the index leaves
 * hundreds of MiB for the next full collection, whose marking would otherwise land on
 * whichever run came first (a one-off after a list is installed, not the steady state).
 */
async function withScreening(conn: Parameters<typeof createRiskEngine>[0]['redis'], messages: readonly SwitchedMessage[], log: (line: string) => void) {
  const list = await syntheticList(SCREENING_NAMES);
  const screening = createLiveScreening();
  const started = performance.now();
  const index = createMatchIndex(list.entities);
  log(`risk: screening list of ${list.names} names indexed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const engine = await benchEngine(conn, screening);
  try {
    screening.install('synthetic', 1, list.entities, index);
    const run = async (probes: readonly string[]) => {
      fullCollection();
      const times: number[] = [];
      for (let i = 0; i < 300 + PAYMENTS; i++) {
        const base = messages[i % messages.length]!;
        const message = { ...base, payer: { ...base.payer, name: probes[i % probes.length]! } };
        const t = performance.now();
        const risk = await engine.score(message);
        if (i >= 300) times.push(performance.now() - t);
        engine.settle(message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
      }
      return times;
    };
    // The engine's velocity state first meets the traffic's payers, devices and merchants, as
    // the step without screening above did: otherwise the first run below would also measure
    // a state growing from empty (and its collections), not the screening.
    for (let i = 0; i < 300 + PAYMENTS; i++) {
      const message = messages[i % messages.length]!;
      const risk = await engine.score(message);
      engine.settle(message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
    }
    const peopleProbes = screeningProbes(list.entities, { people: true });
    const people = await run(peopleProbes);
    const any = await run(screeningProbes(list.entities));
    return { people, any };
  } finally {
    await engine.close();
  }
}

const sum = (ms: readonly number[]) => ms.reduce((a, b) => a + b, 0);

/** A full garbage collection now (the benchmark runs without --expose-gc: it exposes it for itself). */
function fullCollection(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function measured(name: string, role: Measurement['role'], ms: number[], totalMs: number): Measurement {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { name, role, completed: ms.length, perSecond: ms.length / (totalMs / 1000), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? 0, failures: 0, failureKinds: {} };
}
