import consoleStatic from '../plugins/console-static.ts';
import alertRoutes from '../routes/alerts.ts';
import operatorPaymentRoutes from '../routes/operator-payments.ts';
import ruleRoutes from '../routes/rules.ts';
import type { RuleStore } from '../../rules/index.ts';
import type { Alerting } from './alerting.ts';
import type { DirectChangeRecorder } from './change-sets.ts';
import type { Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { LiveFeed } from './live-feed.ts';

/**
 * The operator console's API and pages: payment look-up, the dashboards, alerts and rules.
 * Rules and lists are edited here; the engines of every switch node follow through pub/sub.
 * (Its live feed's sockets are the live feed capability's.)
 */
export async function startConsole(ctx: PlatformContext, deps: { alerting: Pick<Alerting, 'alerts'>; live: LiveFeed; rules: RuleStore; recordDirect?: DirectChangeRecorder }): Promise<Capability> {
  const { audit } = ctx;
  const usernames = new Set(ctx.config.file.users.map((u) => u.username));
  return {
    routes: [
      (app) => operatorPaymentRoutes(app, { ledger: ctx.ledger }),
      consoleStatic,
      (app) => alertRoutes(app, { alerts: deps.alerting.alerts, live: deps.live, audit, usernames }),
      (app) => ruleRoutes(app, { store: deps.rules, audit, ...(deps.recordDirect ? { recordDirect: deps.recordDirect } : {}) }),
    ],
  };
}
