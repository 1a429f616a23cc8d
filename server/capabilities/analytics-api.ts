import type { RuleStore } from '../../rules/index.ts';
import { openClickHouse } from '../clickhouse.ts';
import analyticsRoutes from '../routes/analytics.ts';
import backtestRoutes from '../routes/backtest.ts';
import jobRoutes from '../routes/jobs.ts';
import reportScheduleRoutes from '../routes/report-schedules.ts';
import reportRoutes from '../routes/reports.ts';
import sqlRoutes from '../routes/sql.ts';
import type { Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { AnalyticsQueues } from './jobs.ts';

/**
 * The API that reads ClickHouse: participant analytics, backtests and their jobs, reports
 * and their schedules, read-only SQL. It serves where ClickHouse is open for reading
 * (server/roles.ts); the jobs capability of the same process holds the queues it adds to.
 */
export async function startAnalyticsApi(ctx: PlatformContext, queues: AnalyticsQueues, rules: RuleStore): Promise<Capability> {
  const { config, audit, sessions, clickhouse } = ctx;
  if (!clickhouse) throw new Error('the ClickHouse API runs only where ClickHouse is open');
  const base = { clickhouse: clickhouse.client, database: config.clickhouseDatabase, audit };
  return {
    routes: [
      (app) => analyticsRoutes(app, { ...base, participants: config.file.participants }),
      (app) => backtestRoutes(app, { backtests: queues.backtests, store: rules, audit }),
      (app) => jobRoutes(app, { backtests: queues.backtests.get, reports: queues.reports.job }),
      (app) => reportRoutes(app, { ...base, cnyPerUsd: config.file.fx.cnyPerUsd }),
      (app) => reportScheduleRoutes(app, { scheduled: queues.reports, audit }),
      // Its own ClickHouse connection: statements run one at a time there, apart from the platform's.
      (app) => sqlRoutes(app, { connect: () => openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir }), database: config.clickhouseDatabase, audit, sessions }),
    ],
  };
}
