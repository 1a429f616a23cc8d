import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { DEFAULT_DELTA_INTERVAL_MS } from '../../rules/state/state-deltas.ts';
import { readSnapshot, RECENT_MS, writeSnapshot } from '../../rules/state/state-snapshot.ts';
import { createRiskEngine, createRuleStore, type RiskEngine, type RuleStore } from '../../rules/index.ts';
import type { ScreeningService } from '../../screening/screening-service.ts';
import type { SwitchDeps } from '../../switch/deps.ts';
import { createFxTable } from '../../switch/fx.ts';
import { createLateObserver } from '../../switch/late-observer.ts';
import { newPaymentId } from '../../switch/payment-id.ts';
import { createRegistry } from '../../switch/registry.ts';
import admission from '../plugins/admission.ts';
import merchantRoutes from '../routes/merchants.ts';
import paymentRoutes from '../routes/payments.ts';
import qrRoutes from '../routes/qr.ts';
import type { Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { Alerting } from './alerting.ts';
import { riskHistory } from './risk-history.ts';

/** Days of history a switch node replays on start: the profiles' 30 days and the one being read. */
const DEFAULT_HISTORY_DAYS = 31;
/** How long a starting node waits for its state to be rebuilt before it takes payments anyway. */
const DEFAULT_WARM_UP_WAIT_MS = 30_000;
const DEFAULT_SNAPSHOT_EVERY_MS = 5 * 60_000;

/**
 * Writes the engine's state to `file` every `everyMs` once it is rebuilt, and once more on
 * close. Taking a snapshot serialises the state on the event loop (measured in
 * docs/scaling.md); writing it is asynchronous.
 */
function startSnapshots(risk: RiskEngine, file: string, everyMs: number, warmedUp: Promise<void>, log: PlatformContext['log']) {
  let writing: Promise<void> = Promise.resolve();
  let ready = false;
  // A state whose rebuild failed or was cut short is not written: the next start rebuilds again.
  void warmedUp.then(() => (ready = risk.stats().state.warmUp?.error === undefined));
  const take = () => {
    if (!ready) return writing;
    writing = writing
      .then(async () => {
        const started = performance.now();
        const snapshot = risk.snapshot();
        const bytes = await writeSnapshot(file, snapshot);
        log.info({ bytes, ms: Math.round(performance.now() - started), recent: snapshot.recent.length }, 'risk state snapshot written');
      })
      .catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'risk state snapshot failed; the next restart replays more history'));
    return writing;
  };
  const timer = setInterval(() => void take(), everyMs);
  timer.unref();
  return {
    close() {
      clearInterval(timer);
      return take();
    },
  };
}

export interface SwitchNode {
  risk: RiskEngine;
  /** The rule store the engine follows; the console edits the same rules in Redis. */
  rules: RuleStore;
}

/**
 * The switching core with its risk engine: the participant API (QR, merchants, payments and
 * their follow-ups), each message scored, committed, tapped and then observed by alerting.
 * With `screening`, the payer's and the merchant's names are screened in the risk step.
 */
export async function startSwitch(ctx: PlatformContext, alerting: Pick<Alerting, 'observe'>, screening?: ScreeningService): Promise<SwitchNode & Capability> {
  const { file } = ctx.config;
  const stateSettings = file.risk.state ?? {};
  const snapshotFile = path.join(ctx.config.dataDir, 'risk-state', 'snapshot.v8');
  const restore = await readSnapshot(snapshotFile);
  // The engine seeds the default pack before it starts, so the first payment is scored by it.
  const risk = await createRiskEngine({
    redis: ctx.redis,
    thresholds: { review: file.risk.reviewAt, decline: file.risk.declineAt },
    deadlineMs: file.risk.deadlineMs,
    fallback: file.risk.fallback,
    cnyPerUsd: file.fx.cnyPerUsd,
    audit: ctx.auditRule,
    deltas: { nodeId: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`, intervalMs: stateSettings.deltaIntervalMs ?? DEFAULT_DELTA_INTERVAL_MS },
    warming: true,
    ...(restore ? { restore } : {}),
    ...(screening ? { screening } : {}),
  });
  const lookbackFrom = Date.now() - (stateSettings.historyDays ?? DEFAULT_HISTORY_DAYS) * 24 * 3600_000;
  // A short history is replayed before the node takes payments; past warmUpWaitMs the node
  // takes them anyway, decided by the failure policy until the state is rebuilt (/health says so).
  const warmedUp = risk.warmUp([
    riskHistory({
      redis: ctx.redis,
      tapStream: ctx.tap.stream,
      ...(ctx.clickhouse ? { clickhouse: { client: ctx.clickhouse.client, database: ctx.config.clickhouseDatabase } } : {}),
      from: restore ? Math.max(lookbackFrom, restore.takenAt - RECENT_MS) : lookbackFrom,
      now: () => Date.now(),
    }),
  ]);
  let waited: NodeJS.Timeout | undefined;
  await Promise.race([warmedUp, new Promise((resolve) => (waited = setTimeout(resolve, stateSettings.warmUpWaitMs ?? DEFAULT_WARM_UP_WAIT_MS)))]);
  clearTimeout(waited);
  const snapshots = startSnapshots(risk, snapshotFile, stateSettings.snapshotEveryMs ?? DEFAULT_SNAPSHOT_EVERY_MS, warmedUp, ctx.log);
  const observe = (event: Parameters<Alerting['observe']>[0]) => alerting.observe(event);
  const deps: SwitchDeps = {
    registry: createRegistry({ gateway: file.gateway, participants: file.participants, merchants: file.merchants }),
    fx: createFxTable(file.fx.rates),
    ledger: ctx.ledger,
    scorer: risk,
    tap: ctx.tap,
    now: () => Date.now(),
    newPaymentId: (type) => newPaymentId(type),
    reversalWindowMs: file.payments.reversalWindowMinutes * 60_000,
    observe,
    lateObserver: createLateObserver((id) => ctx.ledger.load(id), observe),
  };
  return {
    risk,
    rules: risk.store,
    routes: [
      async (app) => qrRoutes(app),
      async (app) => merchantRoutes(app, { registry: deps.registry }),
      async (app) => authorisationRoutes(app, ctx, deps, risk),
    ],
    async close() {
      deps.lateObserver?.close();
      // Closing the engine stops a warm-up still running (at its next chunk) and publishes
      // what is queued for the other nodes; its state stays readable for the last snapshot.
      await risk.close();
      await warmedUp;
      // The last snapshot, so a clean restart replays only what comes after it.
      await snapshots.close();
    },
  };
}

/** Payments and follow-ups, admitted while the node has room (plugins/admission.ts). */
async function authorisationRoutes(app: FastifyInstance, ctx: PlatformContext, deps: SwitchDeps, risk: RiskEngine): Promise<void> {
  await app.register(admission, {
    maxInFlight: ctx.config.file.payments.maxInFlight,
    queueMs: ctx.config.file.payments.admissionQueueMs,
    // The bound adapts to how many payments miss the risk deadline.
    pressure: () => {
      const stats = risk.stats();
      return { scored: stats.scored, late: stats.degradedByCause.deadline };
    },
    registry: ctx.metrics.registry,
  });
  await app.register(paymentRoutes, { switchDeps: deps });
}

/**
 * The rules every role edits or replays: the engine's own store on a switch node; elsewhere
 * one on the same Redis, seeded with the default pack as the engine seeds it.
 */
export async function openRuleStore(ctx: PlatformContext, switchNode?: SwitchNode): Promise<RuleStore> {
  if (switchNode) return switchNode.rules;
  const store = createRuleStore(ctx.redis, ctx.auditRule);
  await store.seedDefaults();
  return store;
}
