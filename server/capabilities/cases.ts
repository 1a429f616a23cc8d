import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createCaseStore, type CaseStore } from '../../cases/case-store.ts';
import type { Case, CaseQueue } from '../../cases/case.ts';
import { createSlaSweeper, slaClockOf } from '../../cases/case-sla.ts';
import { startSlaJobs } from '../../cases/sla-jobs.ts';
import { createRotation } from '../../cases/queue-rotation.ts';
import { logConnectionErrors } from '../redis-errors.ts';
import { createStrStore } from '../../cases/str-store.ts';
import { createAttachmentStore } from '../../cases/case-attachments.ts';
import caseAttachmentRoutes from '../routes/case-attachments.ts';
import type { RuleStore } from '../../rules/index.ts';
import caseRoutes, { alertForCase } from '../routes/cases.ts';
import strRoutes from '../routes/strs.ts';
import caseInvestigationRoutes from '../routes/case-investigation.ts';
import { createInvestigation } from '../../analytics/investigation/index.ts';
import type { Alerting } from './alerting.ts';
import type { Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { LiveFeed } from './live-feed.ts';

/**
 * Investigations (docs/cases.md). Where alerts are raised (a switch node), every alerting
 * payment goes to its subject's case, opening one when the policy says so; console nodes
 * serve the cases API. The cases' live state is in Redis, so every node sees the same cases.
 */
export async function startCases(ctx: PlatformContext, deps: { alerting: Pick<Alerting, 'alerts' | 'onRaised'>; live: LiveFeed; rules: Pick<RuleStore, 'list'> }): Promise<{ cases: CaseStore } & Capability> {
  const { log, audit } = ctx;
  const settings = ctx.config.file.cases;
  const cases = createCaseStore({ redis: ctx.redis, policy: settings.policy, sla: slaClockOf(settings.sla) });
  const rotation = createRotation(ctx.redis, settings.assignment);
  /** The case to the next officer of its queue's rotation, if the queue has one; the case as it is now. */
  const rotate = async (c: Case, queue: CaseQueue, exclude?: string): Promise<Case> => {
    const next = await rotation.next(queue, exclude);
    if (!next) return c;
    const assigned = await cases.act(c.id, 'assign', 'system', { assignee: next });
    return assigned.ok ? assigned.value : c;
  };
  if (ctx.plan.switch) {
    deps.alerting.onRaised(async (raised, event) => {
      if (raised.alert.kind !== 'decision') return;
      try {
        const considered = await cases.consider({ ...alertForCase(raised.alert), decision: event.risk.decision, ruleIds: event.risk.reasons.map((r) => r.ruleId), amountUsd: event.amountUsd, paymentId: event.paymentId, newAlert: raised.kind === 'created', held: event.settlementHeld === true && event.status === 'APPROVED' });
        if (considered.kind === 'opened') deps.live.case('opened', await rotate(considered.case, 'risk'));
        else if (considered.kind === 'attached') deps.live.case('updated', considered.case);
      } catch (e) {
        log.error({ err: (e as Error).message, alertId: raised.alert.id }, 'case not considered for the alert');
      }
    });
  }
  const usernames = new Set(ctx.config.file.users.map((u) => u.username));
  const strs = createStrStore({ redis: ctx.redis });
  // On the console node's disk: a deployment with several console nodes shares this directory.
  const attachments = createAttachmentStore({ redis: ctx.redis, cases, dir: path.join(ctx.config.dataDir, 'case-attachments') });
  const { gateway } = ctx.config.file;
  const institution = settings.reportingInstitution ?? { name: 'Cross-border QR payment gateway', code: gateway.forwardingIin, country: gateway.homeCountry };
  const loadPayment = async (paymentId: string) => {
    const found = await ctx.ledger.load(paymentId);
    return found && { record: found.record, status: found.status };
  };
  // The SLA clocks: swept on BullMQ's schedule, on worker nodes; each warning and escalation reaches the consoles once.
  const connection = logConnectionErrors(new Redis(ctx.redisUrl, { maxRetriesPerRequest: null }), 'case SLA jobs', log);
  const sweeper = createSlaSweeper(ctx.redis);
  const slaJobs = startSlaJobs(connection, {
    settings: settings.sla,
    worker: ctx.plan.webhookWorker,
    log,
    async sweep() {
      const out = [];
      for (const event of await sweeper.sweep(Date.now())) {
        let swept = await cases.get(event.caseId);
        if (!swept) continue;
        if (event.kind === 'escalated' && swept.queue === 'escalations') swept = await rotate(swept, 'escalations');
        deps.live.case('sla', swept, event.kind);
        out.push({ ...event, deadlineAt: swept.slaDeadlineAt, subject: swept.subject });
      }
      return out;
    },
  });
  return {
    cases,
    close: async () => {
      await slaJobs.close();
      await connection.quit().catch(() => undefined);
    },
    routes: [
      ...(ctx.plan.console
        ? [
            (app: FastifyInstance) => caseRoutes(app, { cases, alerts: deps.alerting.alerts, live: deps.live, audit, usernames }),
            (app: FastifyInstance) => caseAttachmentRoutes(app, { attachments, live: deps.live, audit }),
            (app: FastifyInstance) => strRoutes(app, { strs, cases, alerts: deps.alerting.alerts, rules: deps.rules, loadPayment, institution, live: deps.live, audit, rotate }),
          ]
        : []),
      // The investigation view reads ClickHouse: served where the ClickHouse API is (server/roles.ts), like the reports.
      ...(ctx.plan.clickhouseApi && ctx.clickhouse
        ? [(app: FastifyInstance) => caseInvestigationRoutes(app, { cases, investigation: createInvestigation(ctx.clickhouse!.client, ctx.config.clickhouseDatabase) })]
        : []),
    ],
  };
}
