import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { AlertStore } from '../analytics/alerts/alert-store.ts';
import type { MonitorJobs } from '../analytics/monitors/monitor-job.ts';
import type { Tap } from '../domain/ports.ts';
import type { IngestWriter } from '../ingest/writer.ts';
import type { RiskEngine } from '../rules/index.ts';
import { startAlerting } from './capabilities/alerting.ts';
import { startAnalyticsApi } from './capabilities/analytics-api.ts';
import { startCases } from './capabilities/cases.ts';
import { createRunning } from './capabilities/capability.ts';
import { startConsole } from './capabilities/console.ts';
import { openContext } from './capabilities/context.ts';
import { startHttp } from './capabilities/http.ts';
import { startIngest, type IngestHooks } from './capabilities/ingest.ts';
import { startJobs } from './capabilities/jobs.ts';
import { startLive, type LiveFeed } from './capabilities/live-feed.ts';
import { startOperators } from './capabilities/operators.ts';
import { startChangeSets } from './capabilities/change-sets.ts';
import { startScreeningOps } from './capabilities/screening-ops.ts';
import { startScreening, startScreeningRecords } from './capabilities/screening.ts';
import { openRuleStore, startSwitch } from './capabilities/switch.ts';
import type { ClickHouse } from './clickhouse.ts';
import type { Config } from './config/load.ts';
import { planOf, type Role } from './roles.ts';

/** One process of the platform (all of it, or one role), started and closable: what server/main.ts and the tests hold. */
export interface Platform {
  app: FastifyInstance;
  role: Role;
  redis: Redis;
  /** Open where this role reads or writes ClickHouse (see server/roles.ts); reading it elsewhere throws. */
  readonly clickhouse: ClickHouse;
  /** `embedded` or `server` where ClickHouse is open in this process. */
  clickhouseMode?: ClickHouse['mode'];
  redisUrl: string;
  tap: Tap;
  writer?: IngestWriter;
  alerting: { alerts: AlertStore; live: LiveFeed; monitors?: MonitorJobs };
  /** The risk engine of a switch node; reading it elsewhere throws. */
  readonly risk: RiskEngine;
  close(): Promise<void>;
}

/** Seams for fault tests: wrap the ClickHouse insert, act between insert and ack. */
export type PlatformHooks = IngestHooks;

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: ['req.headers["x-signature"]', 'req.headers.authorization', 'req.headers.cookie'], remove: true },
    serializers: {
      // No remote address: full IPs stay out of the logs.
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url, id: req.id }),
    },
  };
}

/**
 * Starts the capabilities this process's role runs (server/roles.ts), each given what the
 * ones before it started; the app serves their routes. Closing is the reverse of starting.
 */
export async function startPlatform(
  config: Config,
  logger: FastifyServerOptions['logger'] = loggerOptions(config.logLevel),
  hooks: PlatformHooks = {},
): Promise<Platform> {
  const plan = planOf(config.role, Boolean(config.clickhouseUrl));
  const running = createRunning();
  try {
    const ctx = await running.add(openContext(config, plan));
    const ingest = await running.add(startIngest(ctx, hooks));
    const { live } = await running.add(startLive(ctx, ingest));
    const alerting = await running.add(startAlerting(ctx, { live, ingest }));
    // The lists are installed before the switch takes its first payment.
    const { screening } = plan.switch || plan.console ? await running.add(startScreening(ctx)) : { screening: undefined };
    if (!screening && plan.clickhouse) await running.add(startScreeningRecords(ctx));
    const switchNode = plan.switch ? await running.add(startSwitch(ctx, alerting, screening)) : undefined;
    const rules = await openRuleStore(ctx, switchNode);
    // Before the app listens: the switch's first alerts already find their cases.
    await running.add(startCases(ctx, { alerting, live, rules }));
    const jobs = await running.add(startJobs(ctx, { alerting, live, rules, ingest }));
    await running.add(startScreeningOps(ctx, { alerting, live, screening }));
    if (plan.console || plan.clickhouseApi) await running.add(startOperators(ctx));
    const governance = await running.add(startChangeSets(ctx, { rules, backtests: jobs.analytics?.backtests, alerting, live }));
    if (plan.console) await running.add(startConsole(ctx, { alerting, live, rules, recordDirect: governance.recordDirect }));
    if (plan.clickhouseApi && jobs.analytics) await running.add(startAnalyticsApi(ctx, jobs.analytics, rules));
    const { app } = await running.add(startHttp(ctx, { routes: running.routes(), logger, risk: switchNode?.risk, ingest }));
    running.attach(app);

    const absent = (what: string): never => {
      throw new Error(`${what} is not in a ${config.role} process`);
    };
    const { clickhouse } = ctx;
    return {
      app,
      role: config.role,
      redis: ctx.redis,
      get clickhouse() {
        return clickhouse ?? absent('ClickHouse');
      },
      clickhouseMode: clickhouse?.mode,
      redisUrl: ctx.redisUrl,
      tap: ctx.tap,
      writer: ingest.writer,
      alerting: { alerts: alerting.alerts, live, monitors: jobs.monitors },
      get risk() {
        return switchNode?.risk ?? absent('the risk engine');
      },
      close: running.close,
    };
  } catch (e) {
    await running.close();
    throw e;
  }
}
