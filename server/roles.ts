/**
 * Process roles (`--role`, or `ROLE`): what one process of the platform runs. `all` is the
 * whole platform in one process (`npm start`); the others split it so it can run on more
 * than one machine, all sharing one Redis (`REDIS_URL`, required) and one ClickHouse.
 *
 * - `switch`: the participant API (payments, QR, merchants, follow-ups) with the risk
 *   engine and the tap. Touches only Redis: run as many as the traffic needs.
 * - `ingest`: the stream writers (transactions, alert events, audit) into ClickHouse. With
 *   embedded ClickHouse (no `CLICKHOUSE_URL`) it is the one process
 *   holding the data, so it also serves the ClickHouse-reading API (reports, SQL,
 *   participant analytics, backtests, report schedules) and runs the ClickHouse jobs.
 * - `worker`: BullMQ workers: webhook delivery; with `CLICKHOUSE_URL` also the minute
 *   monitors, scheduled reports and backtests.
 * - `console`: the operator console (dashboards, login, alerts, rules, socket.io feed);
 *   with `CLICKHOUSE_URL` also the ClickHouse-reading API.
 *
 * Every role answers `/health` and `/metrics`. Every process that opens ClickHouse applies
 * the migrations (idempotent) and writes its own audit there; the others send their audit
 * through a Redis stream the ingest node moves. Operators log in where they are served
 * (console, and the node serving the ClickHouse API); switch nodes serve participants only.
 */
export const ROLES = ['all', 'switch', 'ingest', 'worker', 'console'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** What one process runs: the capabilities server/platform.ts starts (server/capabilities/). */
export interface Plan {
  /** The participant API with the risk engine and the tap. */
  switch: boolean;
  /** The writers of the tap's streams into ClickHouse. */
  ingest: boolean;
  /** The operator console: dashboards, alerts, rules, payment look-up, the live feed's sockets. */
  console: boolean;
  /** The BullMQ worker that delivers alerts to participants' webhooks. */
  webhookWorker: boolean;
  /** The API that reads ClickHouse: participant analytics, reports and their schedules, backtests, jobs, SQL. */
  clickhouseApi: boolean;
  /** The BullMQ workers that read ClickHouse: minute monitors, scheduled reports, backtests. */
  clickhouseJobs: boolean;
  /** ClickHouse open (and migrated) in this process. */
  clickhouse: boolean;
}

export function planOf(role: Role, serverClickHouse: boolean): Plan {
  const runs = (r: Exclude<Role, 'all'>) => role === 'all' || role === r;
  // Embedded ClickHouse has one process per data directory: the ingest node's.
  const clickhouseApi = role === 'all' || (role === 'ingest' && !serverClickHouse) || (role === 'console' && serverClickHouse);
  const clickhouseJobs = role === 'all' || (role === 'ingest' && !serverClickHouse) || (role === 'worker' && serverClickHouse);
  return {
    switch: runs('switch'),
    ingest: runs('ingest'),
    console: runs('console'),
    webhookWorker: runs('worker'),
    clickhouseApi,
    clickhouseJobs,
    clickhouse: runs('ingest') || clickhouseApi || clickhouseJobs,
  };
}
