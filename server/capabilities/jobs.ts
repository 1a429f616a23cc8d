import { Redis } from 'ioredis';
import { createWebhookQueue, startWebhookWorker } from '../../analytics/alerts/webhook-delivery.ts';
import { startBacktestJobs, type BacktestJobs } from '../../analytics/backtest/backtest-jobs.ts';
import { judgeMinute } from '../../analytics/monitors/judge-minute.ts';
import { startMonitorJobs, type MonitorJobs } from '../../analytics/monitors/monitor-job.ts';
import { createReportRunner } from '../../analytics/reports/run-report.ts';
import { SCHEDULED_RUN_SECONDS, startScheduledReports, type ScheduledReports } from '../../analytics/reports/schedules/scheduled-reports.ts';
import type { RuleStore } from '../../rules/index.ts';
import type { ClickHouse } from '../clickhouse.ts';
import { logConnectionErrors } from '../redis-errors.ts';
import type { Alerting } from './alerting.ts';
import { opening, type Capability, type Closers } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { Ingest } from './ingest.ts';
import type { LiveFeed } from './live-feed.ts';

/** The queues this process adds to and reads, where its role has them. */
export interface Jobs {
  /** The minute monitors, where the ClickHouse jobs run. */
  monitors?: MonitorJobs;
  /** The queues of the ClickHouse work operators ask for, where the ClickHouse API or the ClickHouse jobs run. */
  analytics?: AnalyticsQueues;
}

export interface AnalyticsQueues {
  backtests: BacktestJobs;
  /** Report schedules, their runs and the files they wrote. */
  reports: ScheduledReports;
}

interface JobDeps {
  alerting: Pick<Alerting, 'alerts' | 'deliverNewAlerts'>;
  live: Pick<LiveFeed, 'alert'>;
  rules: RuleStore;
  ingest: Pick<Ingest, 'lagMs'>;
}

/**
 * Every BullMQ queue and worker of the process, on one connection: alert webhooks (queued
 * wherever alerts are raised, delivered by worker nodes), and the ClickHouse jobs (minute
 * monitors, backtests, scheduled reports), whose workers run where ClickHouse jobs run
 * (server/roles.ts) and whose queues the ClickHouse API adds to.
 */
export function startJobs(ctx: PlatformContext, deps: JobDeps): Promise<Jobs & Capability> {
  return opening(async (closers) => {
    const { plan, log } = ctx;
    // BullMQ needs a connection that never gives up on a command.
    const connection = logConnectionErrors(new Redis(ctx.redisUrl, { maxRetriesPerRequest: null }), 'jobs', log);
    closers.add(() => connection.quit());
    startWebhooks(ctx, deps.alerting, connection, closers);
    const clickhouse = ctx.clickhouse;
    const monitors =
      plan.clickhouseJobs && clickhouse ? startMonitors(ctx, clickhouse, deps, connection, closers) : undefined;
    if (!((plan.clickhouseApi || plan.clickhouseJobs) && clickhouse)) return { monitors };
    const { file } = ctx.config;
    const backtests = startBacktestJobs(connection, {
      clickhouse: clickhouse.client,
      database: ctx.config.clickhouseDatabase,
      store: deps.rules,
      thresholds: { review: file.risk.reviewAt, decline: file.risk.declineAt },
      cnyPerUsd: file.fx.cnyPerUsd,
      screeningThreshold: file.screening.threshold,
      worker: plan.clickhouseJobs,
      log,
    });
    closers.add(() => backtests.close());
    const reports = startScheduledReports(connection, {
      runner: createReportRunner({
        client: clickhouse.client,
        database: ctx.config.clickhouseDatabase,
        context: { cnyPerUsd: file.fx.cnyPerUsd },
        maxExecutionSeconds: SCHEDULED_RUN_SECONDS,
      }),
      dataDir: ctx.config.dataDir,
      retentionDays: file.reports.retentionDays,
      audit: ctx.audit,
      worker: plan.clickhouseJobs,
      log,
    });
    closers.add(() => reports.close());
    await reports.ready;
    return { monitors, analytics: { backtests, reports } };
  });
}

/** Each new alert of a participant with a webhook is queued for delivery; worker nodes deliver. */
function startWebhooks(ctx: PlatformContext, alerting: JobDeps['alerting'], connection: Redis, closers: Closers): void {
  const { participants } = ctx.config.file;
  const webhooks = createWebhookQueue(connection);
  closers.add(() => webhooks.close());
  const webhookUrls = new Map(participants.filter((p) => p.webhookUrl).map((p) => [p.id, p.webhookUrl!]));
  alerting.deliverNewAlerts(async (alert) => {
    const url = webhookUrls.get(alert.participant);
    if (url) await webhooks.enqueue(alert, url);
  });
  if (!ctx.plan.webhookWorker) return;
  const secrets = new Map(participants.map((p) => [p.id, p.secret]));
  const worker = startWebhookWorker(connection, { secretOf: (id) => secrets.get(id) });
  worker.on('failed', (job, e) => ctx.log.warn({ alertId: job?.id, attempts: job?.attemptsMade, err: e.message }, 'webhook delivery failed'));
  closers.add(() => worker.close());
}

/** The minute monitors: scheduler and worker; their alerts take the road of every alert. */
function startMonitors(ctx: PlatformContext, clickhouse: ClickHouse, deps: JobDeps, connection: Redis, closers: Closers): MonitorJobs {
  const judging = {
    client: clickhouse.client,
    database: ctx.config.clickhouseDatabase,
    config: ctx.config.file.monitors,
    alerts: deps.alerting.alerts,
    publish: deps.live.alert,
  };
  const monitors = startMonitorJobs(connection, {
    config: judging.config,
    judge: (minute) => judgeMinute(judging, minute),
    ingestLagMs: deps.ingest.lagMs,
    worker: true,
    log: ctx.log,
  });
  closers.add(() => monitors.close());
  return monitors;
}
