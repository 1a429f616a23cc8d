import { performance } from 'node:perf_hooks';
import type { SwitchedMessage } from '../../domain/transaction.ts';
import { createRiskEngine, createRuleStore } from '../../rules/index.ts';
import { ordinaryTraffic } from '../../rules/test-support/ordinary-traffic.ts';
import { startTestRedis } from '../../rules/test-support/redis.ts';
import { createLiveScreening } from '../../screening/live-screening.ts';
import { createMatchIndex, DEFAULT_MATCH_OPTIONS } from '../../screening/match-index.ts';
import { packEntities } from '../../screening/packed-entities.ts';
import { inProcessScreening, type ScreeningService } from '../../screening/screening-service.ts';
import { startThreadedScreening } from '../../screening/threaded-screening.ts';
import { screeningProbes, syntheticList } from '../screening-load.ts';
import { fullCollection } from '../full-collection.ts';
import type { Measurement, Suite } from '../suite.ts';
import { LIST_ENTRIES, withTypedLists } from './risk-lists.ts';

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
    `then with ${LIST_ENTRIES.toLocaleString('en')} entries in each typed list; ` +
    `then with both parties screened against ${SCREENING_NAMES.toLocaleString('en')} synthetic names, on the main thread and on the screening thread`,
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
        const listed = LIST_ENTRIES > 0 ? await withTypedLists(conn, engine, messages, PAYMENTS, settings.log) : undefined;
        const stats = engine.stats();
        const screened = SCREENING_NAMES > 0 ? await withScreening(conn, messages, settings.concurrency, settings.log) : undefined;
        const names = SCREENING_NAMES.toLocaleString('en');
        return {
          suite: 'risk',
          description: riskSuite.description,
          measurements: [
            measured('score(), one at a time', 'subject', sequential, sequentialMs),
            measured(`score(), ${settings.concurrency} in flight`, 'subject', concurrent, concurrentMs),
            ...(listed
              ? [
                  measured('score(), one at a time, typed lists empty', 'baseline', listed.empty, sum(listed.empty)),
                  measured(`score(), one at a time, ${LIST_ENTRIES.toLocaleString('en')} entries in each typed list (${listed.entries.toLocaleString('en')} in all)`, 'subject', listed.full, sum(listed.full)),
                  measured('score(), one at a time, typed lists emptied again', 'baseline', listed.emptyAgain, sum(listed.emptyAgain)),
                ]
              : []),
            ...(screened
              ? [
                  measured(`score() matching ${names} names on the main thread, payers named as people`, 'subject', screened.mainPeople, sum(screened.mainPeople)),
                  measured(`score() matching ${names} names on the main thread, payers named as anything (companies too)`, 'subject', screened.mainAny, sum(screened.mainAny)),
                  measured(`score() matching on the screening thread (after prepare + PING), payers named as people`, 'subject', screened.threadPeople.scored, sum(screened.threadPeople.scored)),
                  measured(`score() matching on the screening thread (after prepare + PING), payers named as anything`, 'subject', screened.threadAny, sum(screened.threadAny)),
                  measured('prepare + PING + score(), screening thread, people', 'subject', screened.threadPeople.whole, sum(screened.threadPeople.whole)),
                  measured('PING + score(), no screening (baseline of the line above)', 'baseline', screened.unscreenedWhole, sum(screened.unscreenedWhole)),
                  measured(`PING + score(), ${settings.concurrency} in flight, no screening`, 'baseline', screened.loadedUnscreened.whole, screened.loadedUnscreened.ms),
                  measured(`PING + score(), ${settings.concurrency} in flight, people matched on the main thread`, 'subject', screened.loadedMain.whole, screened.loadedMain.ms),
                  measured(`prepare + PING + score(), ${settings.concurrency} in flight, people matched on the screening thread`, 'subject', screened.loadedThread.whole, screened.loadedThread.ms),
                ]
              : []),
            measured('Redis PING, one at a time (baseline)', 'baseline', pings, pings.reduce((a, b) => a + b, 0)),
          ],
          ratios: [],
          warnings: [
            ...(stats.degraded > 0 ? [`${stats.degraded} payments fell back (RISK_DEGRADED): ${JSON.stringify(stats.degradedByCause)}`] : []),
            ...(screened ?? { degraded: [] }).degraded
              .map((causes, i) => ({ causes, on: i === 0 ? 'main thread' : 'screening thread' }))
              .filter(({ causes }) => Object.values(causes).some((n) => n > 0))
              .map(({ causes, on }) => `screened on the ${on}: payments fell back (RISK_DEGRADED): ${JSON.stringify(causes)}`),
          ],
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
function benchEngine(conn: Parameters<typeof createRiskEngine>[0]['redis'], screening?: ScreeningService) {
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
 * With names of people only (a consumer wallet's holder), then with names of any schema,
 * companies included (their names are the slowest to screen); each both ways the platform
 * can match names:
 * - on the main thread, inside score() (`screening.matchOn: main`);
 * - on the screening thread (the default), in the switch's order: the payer handed over at
 *   the payment's arrival (prepare), the claim's Redis call (a PING here), then score(),
 *   which collects the answer. score() is timed as the switch times its risk step; the whole
 *   of prepare + PING + score() is timed too, next to PING + score() without screening.
 * The engine's state is warmed first and the heap collected in full before each run:
 * building the index leaves hundreds of MiB for the next full collection, whose marking would
 * otherwise land on whichever run came first (a one-off after a list is installed).
 */
async function withScreening(conn: Parameters<typeof createRiskEngine>[0]['redis'], messages: readonly SwitchedMessage[], inFlight: number, log: (line: string) => void) {
  const list = await syntheticList(SCREENING_NAMES);
  const live = createLiveScreening();
  const started = performance.now();
  live.install('synthetic', 1, list.entities, createMatchIndex(list.entities));
  log(`risk: screening list of ${list.names} names indexed on the main thread in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const threaded = startThreadedScreening({ threshold: DEFAULT_MATCH_OPTIONS.threshold });
  const threadStarted = performance.now();
  await threaded.install('synthetic', 1, await packEntities(list.entities));
  log(`risk: the same list packed and installed on the screening thread in ${((performance.now() - threadStarted) / 1000).toFixed(1)} s`);
  const peopleProbes = screeningProbes(list.entities, { people: true });
  const anyProbes = screeningProbes(list.entities);
  const unscreened = await benchEngine(conn);
  const onMain = await benchEngine(conn, inProcessScreening(live));
  const onThread = await benchEngine(conn, threaded);
  try {
    type Engine = typeof onMain;
    const named = (i: number, probes: readonly string[]): SwitchedMessage => {
      const base = messages[i % messages.length]!;
      return { ...base, payer: { ...base.payer, name: probes[i % probes.length]! } };
    };
    // The engines' velocity states first meet the traffic's payers, devices and merchants, as
    // the step without screening above did: otherwise the first run below would also measure
    // a state growing from empty (and its collections), not the screening.
    for (const engine of [unscreened, onMain, onThread]) {
      for (let i = 0; i < 300 + PAYMENTS; i++) {
        const message = named(i, anyProbes);
        const risk = await engine.score(message);
        engine.settle(message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
      }
    }
    /** Each payment's score() alone, and from its arrival (prepare, the claim's PING, score). */
    const run = async (engine: Engine, probes: readonly string[], switchOrder: boolean) => {
      fullCollection();
      const scored: number[] = [];
      const whole: number[] = [];
      for (let i = 0; i < 300 + PAYMENTS; i++) {
        const message = named(i, probes);
        const arrived = performance.now();
        if (switchOrder) {
          engine.prepare(message.payer);
          await conn.ping();
        }
        const t = performance.now();
        const risk = await engine.score(message);
        const end = performance.now();
        if (i >= 300) {
          scored.push(end - t);
          whole.push(end - arrived);
        }
        engine.settle(message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
      }
      return { scored, whole };
    };
    /** `inFlight` payments at a time, each PING + score() as the switch orders them (prepare first where `prepare`), timed whole. */
    const loaded = async (engine: Engine, prepare: boolean) => {
      fullCollection();
      const whole: number[] = [];
      let next = 0;
      const end = 2 * PAYMENTS;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let i = next++; i < end; i = next++) {
            const message = named(i, peopleProbes);
            const arrived = performance.now();
            if (prepare) engine.prepare(message.payer);
            await conn.ping();
            const risk = await engine.score(message);
            whole.push(performance.now() - arrived);
            engine.settle(message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
          }
        }),
      );
      return { whole, ms: performance.now() - t0 };
    };
    const results = {
      loadedUnscreened: await loaded(unscreened, false),
      loadedMain: await loaded(onMain, false),
      loadedThread: await loaded(onThread, true),
      mainPeople: (await run(onMain, peopleProbes, false)).scored,
      mainAny: (await run(onMain, anyProbes, false)).scored,
      threadPeople: await run(onThread, peopleProbes, true),
      threadAny: (await run(onThread, anyProbes, true)).scored,
      unscreenedWhole: (await run(unscreened, peopleProbes, true)).whole,
    };
    const degraded = [onMain, onThread].map((e) => e.stats().degradedByCause);
    return { ...results, degraded };
  } finally {
    await Promise.all([unscreened.close(), onMain.close(), onThread.close()]);
    await threaded.close();
  }
}

const sum = (ms: readonly number[]) => ms.reduce((a, b) => a + b, 0);


function measured(name: string, role: Measurement['role'], ms: number[], totalMs: number): Measurement {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { name, role, completed: ms.length, perSecond: ms.length / (totalMs / 1000), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? 0, failures: 0, failureKinds: {} };
}
