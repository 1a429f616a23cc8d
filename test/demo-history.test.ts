import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../analytics/schema/migrate.ts';
import { buildDemoWorld, type DemoWorld } from '../bench/demo/demo-world.ts';
import { historyDay } from '../bench/demo/history-payments.ts';
import { seedHistory, transactionCount } from '../bench/demo/seed-history.ts';
import { dayOf } from '../bench/demo/trips.ts';
import type { SwitchedMessage, TapEvent } from '../domain/transaction.ts';
import { createRiskEngine, type RiskEngine } from '../rules/index.ts';
import { observationOf } from '../rules/state/observation.ts';
import { createRiskState, type VelocityFacts } from '../rules/state/risk-state.ts';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import { riskHistory } from '../server/capabilities/risk-history.ts';
import { openClickHouse, type ClickHouse } from '../server/clickhouse.ts';
import { readConfigFile } from '../server/config/load.ts';
import { repoRoot } from './support/platform.ts';

/**
 * The demo's seeded history is what a platform would have recorded live: after a warm-up
 * from ClickHouse (the switch's own source, server/capabilities/risk-history.ts) the
 * velocity and profile facts of a payer and of a merchant are those of an engine that
 * scored and settled the same payments one by one, as the switch does.
 */

const DAY_MS = 86_400_000;
const DAYS = 30;
const CNY_PER_USD = '7.12';
const configPath = path.join(repoRoot, 'config/development.json');
const credentialsPath = path.join(repoRoot, 'config/dev-credentials.json');

let redis: TestRedis;
let clickhouse: ClickHouse;
let dataDir: string;
const engines: RiskEngine[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-demo-history-'));
  clickhouse = await openClickHouse({ dataDir });
  await migrate(clickhouse.client, 'cpg');
});
afterAll(async () => {
  for (const engine of engines) await engine.close();
  await clickhouse?.close();
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function engine(warming: boolean): Promise<RiskEngine> {
  const created = await createRiskEngine({
    redis: redis.connect(),
    thresholds: { review: 400, decline: 700 },
    deadlineMs: 1000,
    fallback: { approveBelowUsd: 500, otherwise: 'review' },
    cnyPerUsd: CNY_PER_USD,
    warming,
  });
  engines.push(created);
  return created;
}

/** Every payment of the window, generated again as the seeder generated it (payment ids aside: they are drawn fresh). */
function historyEvents(world: DemoWorld, from: number, to: number): TapEvent[] {
  const home = world.population.homeCountry;
  const events: TapEvent[] = [];
  for (let day = dayOf(from, home); day <= dayOf(to - 1, home); day++) events.push(...historyDay(world.history, day, from, to, true).events);
  return events;
}

/** The facts a new payment of `like`'s payer at `merchantOf`'s merchant is scored on, in the engine's state as it is. */
function probe(engine: RiskEngine, like: SwitchedMessage, merchantOf: SwitchedMessage, at: number): VelocityFacts {
  const state = createRiskState(engine.snapshot().state);
  const message: SwitchedMessage = { ...like, paymentId: `probe-${at}`, merchant: merchantOf.merchant, amountUsd: '100.00', receivedAt: at };
  return state.observe(observationOf(message, Number(CNY_PER_USD)));
}

describe('the demo history', () => {
  it('rebuilds the velocity and profile facts a payer and a merchant would have from scoring the same payments live', async () => {
    const world = buildDemoWorld({ config: readConfigFile(configPath), configPath, credentialsPath, seed: 5, payersPerWallet: 30 });
    const now = Date.now();
    const from = now - DAYS * DAY_MS;
    const seeded = await seedHistory({ client: clickhouse.client, database: 'cpg', history: world.history, days: DAYS, now });
    expect(await transactionCount(clickhouse.client, 'cpg')).toBe(seeded.rows);

    const events = historyEvents(world, from, now);
    expect(events.length).toBe(seeded.rows);
    // A population per corridor: every wallet's payers paid, inbound and outbound.
    expect(new Set(events.map((e) => e.participant)).size).toBe(world.wallets.length);
    const directions = new Set(events.map((e) => e.direction));
    expect(directions.has('inbound') && directions.has('outbound')).toBe(true);

    // The platform's path: a warm-up from what ClickHouse holds (and an empty tap stream).
    const warmed = await engine(true);
    await warmed.warmUp([riskHistory({ redis: redis.connect(), tapStream: 'tap:demo-history-test', clickhouse: { client: clickhouse.client, database: 'cpg' }, from, now: () => now })]);
    expect(warmed.stats().state.warmUp).toMatchObject({ applied: seeded.rows });
    expect(warmed.stats().state.warmUp?.error).toBeUndefined();

    // The live path: each payment scored, then settled with the status its commit recorded.
    const live = await engine(false);
    for (const event of events) {
      const { risk: _risk, riskLatencyUs: _r, switchLatencyUs: _s, decidedAt: _d, ...message } = event;
      await live.score(message);
      live.settle(message, 'APPROVED');
    }

    // The busiest payer and merchant of the last day, probed a second after the history ends.
    const lastDay = events.filter((e) => e.receivedAt >= now - DAY_MS);
    const busiest = <K>(key: (e: TapEvent) => K) => {
      const counts = new Map<K, number>();
      for (const e of lastDay) counts.set(key(e), (counts.get(key(e)) ?? 0) + 1);
      const [top] = [...counts].sort((a, b) => b[1] - a[1]);
      return lastDay.find((e) => key(e) === top![0])!;
    };
    const payer = busiest((e) => `${e.participant}|${e.payer.walletId}`);
    const merchant = busiest((e) => e.merchant.id);
    const payerPayments = events.filter((e) => e.participant === payer.participant && e.payer.walletId === payer.payer.walletId);
    const merchantSales = events.filter((e) => e.merchant.id === merchant.merchant.id);

    for (const [who, at] of [[payer, now + 1000], [merchant, now + 2000]] as const) {
      const fromHistory = probe(warmed, who, merchant, at);
      const fromLive = probe(live, who, merchant, at);
      expect(fromHistory).toEqual(fromLive);
    }
    // Not two empty states: the facts count the history.
    const facts = probe(warmed, payer, merchant, now + 1000);
    expect(facts.profile.count).toBe(payerPayments.length);
    expect(facts.merchant.sales).toBe(merchantSales.filter((e) => e.receivedAt >= now - 30 * DAY_MS).length);
    expect(facts.deviceNew).toBe(false);
    expect(facts.velocity.payer.count['24h']).toBeGreaterThan(0);
  }, 120_000);
});
