import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { createAuditLog } from '../analytics/audit-log.ts';
import { migrate } from '../analytics/schema/migrate.ts';
import type { Tap } from '../domain/ports.ts';
import { clickhouseTransactionBodySink, type TransactionBodySink } from '../ingest/clickhouse-sink.ts';
import { createStreamTap } from '../ingest/tap-stream.ts';
import { IngestWriter, type WriterOptions } from '../ingest/writer.ts';
import { createRiskEngine, createRuleStore, type RiskEngine } from '../rules/index.ts';
import type { SwitchDeps } from '../switch/deps.ts';
import { createFxTable } from '../switch/fx.ts';
import { createLedger } from '../switch/ledger.ts';
import { newPaymentId } from '../switch/payment-id.ts';
import { createRegistry } from '../switch/registry.ts';
import { alertEventRow } from '../ingest/alert-event-row.ts';
import { superviseLoop } from '../ingest/supervised-loop.ts';
import { WriterLoop } from '../ingest/writer-loop.ts';
import { ALERT_EVENTS_STREAM, startAlerting, type Alerting } from './alerting.ts';
import { DEFAULT_MONITORS } from '../analytics/monitors/monitor-config.ts';
import { buildApp } from './app.ts';
import analyticsRoutes from './routes/analytics.ts';
import backtestRoutes from './routes/backtest.ts';
import reportScheduleRoutes, { SCHEDULED_RUN_SECONDS } from './routes/report-schedules.ts';
import { startBacktestJobs } from '../analytics/backtest/backtest-jobs.ts';
import { createReportRunner } from '../analytics/reports/run-report.ts';
import { DEFAULT_RETENTION_DAYS, startScheduledReports } from '../analytics/reports/schedules/scheduled-reports.ts';
import reportRoutes from './routes/reports.ts';
import ruleRoutes from './routes/rules.ts';
import sqlRoutes from './routes/sql.ts';
import { createSessions } from './auth/sessions.ts';
import { openClickHouse, type ClickHouse } from './clickhouse.ts';
import { DEFAULT_RISK, type Config } from './config/load.ts';
import { createMetrics, registerDeadLetterMetrics, registerWriterMetrics } from './plugins/metrics.ts';
import { startRedisServer, type RedisProcess } from './redis-process.ts';
import { AUDIT_STREAM, auditRow, createStreamAuditLog } from './audit-stream.ts';
import { logConnectionErrors } from './redis-errors.ts';
import type { Role } from './roles.ts';
import { clientAddress } from './client-address.ts';
import { streamLag } from '../ingest/stream-lag.ts';
import { DEFAULT_WRITER_GROUP } from '../ingest/writer-options.ts';
import { createDeadLetterTally, type DeadLetterNotice } from '../ingest/dead-letters.ts';
import { raiseDeadLetterAlert } from '../analytics/alerts/dead-letter-alert.ts';

/** One process of the platform (all of it, or one role): its dependencies started, wired, and closable in order. */
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
  alerting: Alerting;
  /** The risk engine of a switch node; reading it elsewhere throws. */
  readonly risk: RiskEngine;
  close(): Promise<void>;
}

/** What a role runs; server/roles.ts says why. */
export function planOf(role: Role, serverClickHouse: boolean) {
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

/** Seams for fault tests: wrap the ClickHouse insert, act between insert and ack. */
export interface PlatformHooks {
  wrapInsert?: (insert: TransactionBodySink) => TransactionBodySink;
  afterInsert?: WriterOptions['afterInsert'];
}

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

export async function startPlatform(
  config: Config,
  logger: FastifyServerOptions['logger'] = loggerOptions(config.logLevel),
  hooks: PlatformHooks = {},
): Promise<Platform> {
  const closers: Array<{ name: string; close: () => Promise<unknown> }> = [];
  // Once, in the reverse order of opening; a second call waits for the first.
  let closing: Promise<void> | undefined;
  const closeAll = () =>
    (closing ??= (async () => {
      for (const { close } of [...closers].reverse()) await close().catch(() => undefined);
    })());
  // The app's logger once it exists; until then, stderr (a Redis error can come first).
  let appLog: FastifyBaseLogger | undefined;
  const early = (level: string) => (o: object, m: string) =>
    appLog ? appLog[level as 'info' | 'warn' | 'error'](o, m) : void process.stderr.write(`${level}: ${m} ${JSON.stringify(o)}\n`);
  try {
    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const child: RedisProcess = await startRedisServer({ dir: path.join(config.dataDir, 'redis'), bin: config.redisServerBin });
      closers.push({ name: 'redis-server', close: () => child.stop() });
      redisUrl = child.url;
    }
    // A command gives up after a second rather than queueing for ever: the risk step has
    // its own deadline, and nothing else may hang a payment either (docs/rules.md).
    const sharedRedisUrl: string = redisUrl;
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: true, commandTimeout: 1000 });
    logConnectionErrors(redis, 'shared', { warn: early('warn') });
    await redis.connect();
    closers.push({ name: 'redis client', close: () => redis.quit() });

    const plan = planOf(config.role, Boolean(config.clickhouseUrl));
    let clickhouse: ClickHouse | undefined;
    if (plan.clickhouse) {
      const opened = await openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
      closers.push({ name: 'clickhouse', close: () => opened.close() });
      // Every process that opens it migrates: the statements are idempotent, and no node
      // has to wait for another to start.
      await migrate(opened.client, config.clickhouseDatabase);
      clickhouse = opened;
    }

    const file = config.file;
    const tap = createStreamTap(redis);
    const metrics = createMetrics();
    let writer: IngestWriter | undefined;
    const writes = plan.ingest && config.ingestWriter ? clickhouse : undefined;
    // Entries the writers move to a dead-letter store: counted (/metrics, /health), and one operator alert per burst.
    const deadLetterStreams = [tap.stream, ALERT_EVENTS_STREAM, AUDIT_STREAM];
    const deadLetters = createDeadLetterTally(redis, deadLetterStreams);
    const countDeadLetters = writes ? registerDeadLetterMetrics(metrics, deadLetterStreams) : () => undefined;
    const onDeadLetters = (notice: DeadLetterNotice) => {
      countDeadLetters(notice.stream, notice.count);
      deadLetters.record(notice);
      raiseDeadLetterAlert({ alerts: alerting.alerts, publish: (kind, alert) => alerting.live.alert(kind, alert) }, notice).catch((e: unknown) =>
        log.error({ err: (e as Error).message, stream: notice.stream }, 'dead-letter alert not raised'),
      );
    };
    if (writes) {
      const sink = clickhouseTransactionBodySink(writes.client, config.clickhouseDatabase);
      writer = new IngestWriter({
        redis,
        redisUrl,
        stream: tap.stream,
        consumer: config.ingestConsumer,
        insert: hooks.wrapInsert ? hooks.wrapInsert(sink) : sink,
        batchSize: file.ingest?.batchSize ?? 5000,
        maxWaitMs: file.ingest?.maxWaitMs ?? 1000,
        afterInsert: hooks.afterInsert,
        onDeadLetters,
      });
      registerWriterMetrics(metrics, writer);
      const started = writer;
      // Closed after the HTTP server, so it drains what the last payments appended.
      closers.push({ name: 'ingest writer', close: () => started.close() });
    }
    // Every verification reads the operator's role and participant from this config, not from the login.
    const sessions = createSessions(redis, 8 * 3600_000, file.users);
    const startLoops: Array<() => void> = [];
    const log = { warn: early('warn'), error: early('error') };
    // Where ClickHouse is open each entry is inserted at once; when it is not taken there, it
    // goes the way of nodes without ClickHouse: the stream the ingest node moves.
    const streamAudit = createStreamAuditLog(redis);
    const audit = clickhouse
      ? createAuditLog(clickhouse.client, config.clickhouseDatabase, {
          fallback: streamAudit,
          // ClickHouse's message may quote the row: its code and type only.
          onFallback: (e, entry) => {
            const { code, type } = e as { code?: unknown; type?: unknown };
            log.warn({ code, type, action: entry.action }, 'audit: ClickHouse did not take the entry; sent through the audit stream');
          },
        })
      : streamAudit;
    if (writes) {
      // Alert history and the audit of nodes without ClickHouse take the transactions'
      // road at a far lower rate: on this thread. Their own connection: the shared one
      // auto-pipelines, and scripts defined on it later would be missing from a pipeline
      // these writers' commands had already opened.
      const loopRedis = redis.duplicate({ enableAutoPipelining: false });
      logConnectionErrors(loopRedis, 'event writers', log);
      closers.push({ name: 'event writers connection', close: () => loopRedis.quit() });
      for (const [stream, table, rowOf] of [
        [ALERT_EVENTS_STREAM, 'alert_events', alertEventRow],
        [AUDIT_STREAM, 'audit_log', auditRow],
      ] as const) {
        // Supervised: a loop that gives up (a Redis command timing out while the process is
        // busy starting) is started again, and the new one recovers what was in flight.
        const loop = superviseLoop(
          () =>
            new WriterLoop({
              redis: loopRedis,
              stream,
              consumer: config.ingestConsumer,
              insert: clickhouseTransactionBodySink(writes.client, config.clickhouseDatabase, table),
              rowOf,
              batchSize: 1000,
              maxWaitMs: 500,
              log: { info: early('info'), ...log },
              onDeadLetters,
            }),
          // Back within 5 s of a long Redis outage, not the default 30 s.
          { name: `${table} writer`, log, restartMaxMs: 5000 },
        );
        closers.push({ name: `${table} writer`, close: () => loop.close() });
        // Started once the app (and its logger) exists: recovery after a crash logs.
        startLoops.push(() => loop.start());
      }
    }
    const roles = new Map(file.users.map((u) => [u.username, u.role]));
    const riskConfig = file.risk ?? DEFAULT_RISK;
    const auditRule = (entry: { actor: string; action: string; target: string; details?: unknown }) =>
      void audit
        .record({ actor: entry.actor, actorRole: roles.get(entry.actor) ?? '', action: entry.action, target: entry.target, outcome: 'ok', details: entry.details })
        .catch((e: unknown) => log.error({ err: (e as Error).message, action: entry.action }, 'audit write failed'));
    let risk: RiskEngine | undefined;
    if (plan.switch) {
      // The engine seeds the default pack before it starts, so the first payment is scored by it.
      risk = await createRiskEngine({
        redis,
        thresholds: { review: riskConfig.reviewAt, decline: riskConfig.declineAt },
        deadlineMs: riskConfig.deadlineMs,
        fallback: riskConfig.fallback,
        cnyPerUsd: file.fx.rates.CNY!,
        audit: auditRule,
      });
      const engine = risk;
      closers.push({ name: 'risk engine', close: () => engine.close() });
    }
    // Rules and lists are edited where the console is; the engines of every switch node follow through pub/sub.
    const rules = risk?.store ?? createRuleStore(redis, auditRule);
    if (!risk) await rules.seedDefaults();
    const lagOfStream = async () => (writer ? (await writer.lag()).lagMs : (await streamLag(redis, tap.stream, DEFAULT_WRITER_GROUP)).lagMs);
    const alerting = startAlerting({
      redis,
      redisUrl,
      sessions,
      audit,
      participants: file.participants,
      users: file.users,
      alertScore: riskConfig.alertScore,
      ingestLagMs: lagOfStream,
      log,
      webhookWorker: plan.webhookWorker,
      monitors:
        plan.clickhouseJobs && clickhouse
          ? { client: clickhouse.client, database: config.clickhouseDatabase, config: file.monitors ?? DEFAULT_MONITORS }
          : undefined,
    });
    closers.push({ name: 'alerting', close: () => alerting.close() });
    // Sessions of operators removed or changed in this config end now, with their sockets on every console node.
    for (const ended of plan.console || plan.clickhouseApi ? await sessions.endStale() : []) {
      await audit.record({ actor: 'platform', actorRole: '', action: 'session.end', target: ended.username, outcome: 'ok', details: { reason: ended.reason } });
    }
    const ledger = createLedger(redis, {
      idempotencyTtlMs: file.payments.idempotencyTtlHours * 3600_000,
      retentionMs: file.payments.retentionDays * 24 * 3600_000,
    });
    const switchDeps: SwitchDeps | undefined = risk && {
      registry: createRegistry({ gateway: file.gateway, participants: file.participants, merchants: file.merchants }),
      fx: createFxTable(file.fx.rates),
      ledger,
      scorer: risk,
      recordOutcome: (commands, message) => risk.recordOutcome(commands, message),
      tap,
      now: () => Date.now(),
      newPaymentId: (type) => newPaymentId(type),
      reversalWindowMs: file.payments.reversalWindowMinutes * 60_000,
      observe: (event) => alerting.observe(event),
    };
    const secrets = new Map(file.participants.map((p) => [p.id, p.secret]));
    const ch = plan.clickhouseApi ? clickhouse : undefined;
    const app = await buildApp({
      switchDeps,
      operator: plan.console ? { ledger } : undefined,
      operatorLogin: plan.clickhouseApi,
      redis,
      metrics,
      secretOf: (id) => secrets.get(id),
      health: [
        { name: 'redis', check: () => redis.ping() },
        ...(clickhouse
          ? [{ name: 'clickhouse', check: () => clickhouse.client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json()) }]
          : []),
      ],
      healthDetails: async () => ({
        role: config.role,
        clickhouseMode: clickhouse?.mode ?? 'not in this process',
        risk: risk
          ? (({ ruleSetVersion, scored, degraded, degradedByCause, rules }) => ({ ruleSetVersion, scored, degraded, degradedByCause, rules }))(risk.stats())
          : 'not in this process',
        ingest: writer ? { ...(await writer.lag()), ...writer.stats(), deadLettersByStream: await deadLetters.figures() } : { writer: 'not in this process', lagMs: await lagOfStream().catch(() => -1) },
      }),
      maxClockSkewMs: file.auth.maxClockSkewMs,
      bodyLimitBytes: file.auth.bodyLimitBytes,
      rateLimits: file.rateLimits,
      maxInFlight: file.payments.maxInFlight,
      ...(risk
        ? {
            riskPressure: () => {
              const stats = risk.stats();
              return { scored: stats.scored, late: stats.degradedByCause.deadline };
            },
          }
        : {}),
      trustProxy: config.trustProxy,
      http: file.http,
      monitoringToken: file.monitoring?.token,
      users: file.users,
      sessions,
      audit,
      routes: [
        ...(plan.console ? [alerting.routes, (a: FastifyInstance) => ruleRoutes(a, { store: rules, audit })] : []),
        ...(ch ? clickhouseRoutes(ch, rules) : []),
      ],
      logger,
    });
    appLog = app.log;
    // The HTTP server closes first, so in-flight payments finish before their dependencies go.
    closers.push({ name: 'http', close: () => app.close() });
    if (plan.clickhouseJobs && !plan.clickhouseApi && clickhouse) {
      // A worker node with a ClickHouse server: the backtest and scheduled-report workers
      // run here, without the API that queues their jobs (that is on console nodes).
      const jobLog = { info: (o: object, m: string) => app.log.info(o, m), ...log };
      const backtests = startBacktestJobs({
        redisUrl: sharedRedisUrl,
        clickhouse: clickhouse.client,
        database: config.clickhouseDatabase,
        store: rules,
        thresholds: { review: riskConfig.reviewAt, decline: riskConfig.declineAt },
        cnyPerUsd: Number(file.fx.rates.CNY),
        worker: true,
        log,
      });
      closers.push({ name: 'backtest worker', close: () => backtests.close() });
      const scheduled = startScheduledReports({
        redisUrl: sharedRedisUrl,
        runner: createReportRunner({
          client: clickhouse.client,
          database: config.clickhouseDatabase,
          context: { cnyPerUsd: file.fx.rates.CNY! },
          maxExecutionSeconds: SCHEDULED_RUN_SECONDS,
        }),
        dataDir: config.dataDir,
        retentionDays: file.reports?.retentionDays ?? DEFAULT_RETENTION_DAYS,
        audit,
        worker: true,
        log: jobLog,
      });
      closers.push({ name: 'scheduled report worker', close: () => scheduled.close() });
      await scheduled.ready;
    }
    if (plan.console) {
      // Socket handshakes count against the client address's request budget, as every route does.
      const addressOf = clientAddress(config.trustProxy);
      alerting.live.attach(app.server, (request) => app.takeAddressBudget(addressOf(request)));
      // Open sockets would keep the HTTP server from closing.
      app.addHook('preClose', async () => alerting.live.close());
    }
    writer?.start(app.log);
    for (const start of startLoops) start();
    const absent = (what: string): never => {
      throw new Error(`${what} is not in a ${config.role} process`);
    };
    return {
      app,
      role: config.role,
      redis,
      get clickhouse() {
        return clickhouse ?? absent('ClickHouse');
      },
      clickhouseMode: clickhouse?.mode,
      redisUrl,
      tap,
      writer,
      alerting,
      get risk() {
        return risk ?? absent('the risk engine');
      },
      close: closeAll,
    };

    /** The API that reads ClickHouse: participant analytics, backtests, reports and their schedules, SQL. */
    function clickhouseRoutes(opened: ClickHouse, store: typeof rules): Array<(a: FastifyInstance) => Promise<void>> {
      const base = { clickhouse: opened.client, database: config.clickhouseDatabase, audit };
      return [
        (a) => analyticsRoutes(a, { ...base, participants: file.participants }),
        (a) =>
          backtestRoutes(a, {
            ...base,
            redisUrl: sharedRedisUrl,
            store,
            thresholds: { review: riskConfig.reviewAt, decline: riskConfig.declineAt },
            cnyPerUsd: Number(file.fx.rates.CNY),
            worker: plan.clickhouseJobs,
          }),
        (a) => reportRoutes(a, { ...base, cnyPerUsd: file.fx.rates.CNY! }),
        (a) =>
          reportScheduleRoutes(a, {
            ...base,
            redisUrl: sharedRedisUrl,
            cnyPerUsd: file.fx.rates.CNY!,
            dataDir: config.dataDir,
            retentionDays: file.reports?.retentionDays,
            worker: plan.clickhouseJobs,
          }),
        // Its own ClickHouse connection: statements run one at a time there, apart from the platform's.
        (a) => sqlRoutes(a, { connect: () => openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir }), database: config.clickhouseDatabase, audit, sessions }),
      ];
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
}
