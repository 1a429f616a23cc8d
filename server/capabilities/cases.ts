import path from 'node:path';
import { createCaseStore, type CaseStore } from '../../cases/case-store.ts';
import { createStrStore } from '../../cases/str-store.ts';
import { createAttachmentStore } from '../../cases/case-attachments.ts';
import caseAttachmentRoutes from '../routes/case-attachments.ts';
import type { RuleStore } from '../../rules/index.ts';
import caseRoutes, { alertForCase } from '../routes/cases.ts';
import strRoutes from '../routes/strs.ts';
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
  const cases = createCaseStore({ redis: ctx.redis, policy: ctx.config.file.cases.policy });
  if (ctx.plan.switch) {
    deps.alerting.onRaised(async (raised, event) => {
      if (raised.alert.kind !== 'decision') return;
      try {
        const considered = await cases.consider({ ...alertForCase(raised.alert), decision: event.risk.decision, ruleIds: event.risk.reasons.map((r) => r.ruleId), amountUsd: event.amountUsd, paymentId: event.paymentId, newAlert: raised.kind === 'created' });
        if (considered.kind === 'opened') deps.live.case('opened', considered.case);
        else if (considered.kind === 'attached' && considered.newAlert) deps.live.case('updated', considered.case);
      } catch (e) {
        log.error({ err: (e as Error).message, alertId: raised.alert.id }, 'case not considered for the alert');
      }
    });
  }
  const usernames = new Set(ctx.config.file.users.map((u) => u.username));
  const strs = createStrStore({ redis: ctx.redis });
  // On the console node's disk: a deployment with several console nodes shares this directory.
  const attachments = createAttachmentStore({ redis: ctx.redis, cases, dir: path.join(ctx.config.dataDir, 'case-attachments') });
  const { gateway, cases: settings } = ctx.config.file;
  const institution = settings.reportingInstitution ?? { name: 'Cross-border QR payment gateway', code: gateway.forwardingIin, country: gateway.homeCountry };
  const loadPayment = async (paymentId: string) => {
    const found = await ctx.ledger.load(paymentId);
    return found && { record: found.record, status: found.status };
  };
  return {
    cases,
    routes: ctx.plan.console
      ? [
          (app) => caseRoutes(app, { cases, alerts: deps.alerting.alerts, live: deps.live, audit, usernames }),
          (app) => caseAttachmentRoutes(app, { attachments, live: deps.live, audit }),
          (app) => strRoutes(app, { strs, cases, alerts: deps.alerting.alerts, rules: deps.rules, loadPayment, institution, live: deps.live, audit }),
        ]
      : [],
  };
}
