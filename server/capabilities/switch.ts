import type { FastifyInstance } from 'fastify';
import { createRiskEngine, createRuleStore, type RiskEngine, type RuleStore } from '../../rules/index.ts';
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

export interface SwitchNode {
  risk: RiskEngine;
  /** The rule store the engine follows; the console edits the same rules in Redis. */
  rules: RuleStore;
}

/**
 * The switching core with its risk engine: the participant API (QR, merchants, payments and
 * their follow-ups), each message scored, committed, tapped and then observed by alerting.
 */
export async function startSwitch(ctx: PlatformContext, alerting: Pick<Alerting, 'observe'>): Promise<SwitchNode & Capability> {
  const { file } = ctx.config;
  // The engine seeds the default pack before it starts, so the first payment is scored by it.
  const risk = await createRiskEngine({
    redis: ctx.redis,
    thresholds: { review: file.risk.reviewAt, decline: file.risk.declineAt },
    deadlineMs: file.risk.deadlineMs,
    fallback: file.risk.fallback,
    cnyPerUsd: file.fx.cnyPerUsd,
    audit: ctx.auditRule,
  });
  const observe = (event: Parameters<Alerting['observe']>[0]) => alerting.observe(event);
  const deps: SwitchDeps = {
    registry: createRegistry({ gateway: file.gateway, participants: file.participants, merchants: file.merchants }),
    fx: createFxTable(file.fx.rates),
    ledger: ctx.ledger,
    scorer: risk,
    recordOutcome: (commands, message) => risk.recordOutcome(commands, message),
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
      await risk.close();
    },
  };
}

/** Payments and follow-ups, admitted while the node has room (plugins/admission.ts). */
async function authorisationRoutes(app: FastifyInstance, ctx: PlatformContext, deps: SwitchDeps, risk: RiskEngine): Promise<void> {
  await app.register(admission, {
    maxInFlight: ctx.config.file.payments.maxInFlight,
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
