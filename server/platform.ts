import path from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
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
import { superviseLoop, type SupervisedLoop } from '../ingest/supervised-loop.ts';
import { WriterLoop } from '../ingest/writer-loop.ts';
import { ALERT_EVENTS_STREAM, startAlerting, type Alerting } from './alerting.ts';
import { DEFAULT_MONITORS } from '../analytics/monitors/monitor-config.ts';
import { buildApp } from './app.ts';
import analyticsRoutes from './routes/analytics.ts';
import backtestRoutes from './routes/backtest.ts';
import reportScheduleRoutes from './routes/report-schedules.ts';
import reportRoutes from './routes/reports.ts';
import ruleRoutes from './routes/rules.ts';
import sqlRoutes from './routes/sql.ts';
import { createSessions } from './auth/sessions.ts';
import { openClickHouse, type ClickHouse } from './clickhouse.ts';
import { DEFAULT_RISK, type Config } from './config/load.ts';
import { createMetrics, registerWriterMetrics } from './plugins/metrics.ts';
import { startRedisServer, type RedisProcess } from './redis-process.ts';

/** The whole platform in one process: its dependencies started, wired, and closable in order. */
export interface Platform {
  app: FastifyInstance;
  redis: Redis;
  clickhouse: ClickHouse;
  redisUrl: string;
  tap: Tap;
  writer?: IngestWriter;
  alerting: Alerting;
  risk: RiskEngine;
  close(): Promise<void>;
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
  const closeAll = async () => {
    for (const { close } of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const child: RedisProcess = await startRedisServer({ dir: path.join(config.dataDir, 'redis'), bin: config.redisServerBin });
      closers.push({ name: 'redis-server', close: () => child.stop() });
      redisUrl = child.url;
    }
    // A command gives up after a second rather than queueing for ever: the risk step has
    // its own deadline, and nothing else may hang a payment either (docs/rules.md).
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: true, commandTimeout: 1000 });
    await redis.connect();
    closers.push({ name: 'redis client', close: () => redis.quit() });

    const clickhouse = await openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
    closers.push({ name: 'clickhouse', close: () => clickhouse.close() });
    await migrate(clickhouse.client, config.clickhouseDatabase);

    const file = config.file;
    const tap = createStreamTap(redis);
    const metrics = createMetrics();
    let writer: IngestWriter | undefined;
    if (config.ingestWriter) {
      const sink = clickhouseTransactionBodySink(clickhouse.client, config.clickhouseDatabase);
      writer = new IngestWriter({
        redis,
        redisUrl,
        stream: tap.stream,
        consumer: config.ingestConsumer,
        insert: hooks.wrapInsert ? hooks.wrapInsert(sink) : sink,
        batchSize: file.ingest?.batchSize ?? 5000,
        maxWaitMs: file.ingest?.maxWaitMs ?? 1000,
        afterInsert: hooks.afterInsert,
      });
      registerWriterMetrics(metrics, writer);
      const started = writer;
      // Closed after the HTTP server, so it drains what the last payments appended.
      closers.push({ name: 'ingest writer', close: () => started.close() });
    }
    const sessions = createSessions(redis, 8 * 3600_000);
    const audit = createAuditLog(clickhouse.client, config.clickhouseDatabase);
    const log = { warn: (o: object, m: string) => app.log.warn(o, m), error: (o: object, m: string) => app.log.error(o, m) };
    let alertEvents: SupervisedLoop | undefined;
    if (config.ingestWriter) {
      // Alert history takes the transactions' road at a far lower rate: on this thread.
      // Its own connection: the shared one auto-pipelines, and scripts defined on it later
      // would be missing from a pipeline this writer's commands had already opened.
      const alertRedis = redis.duplicate({ enableAutoPipelining: false });
      closers.push({ name: 'alert events connection', close: () => alertRedis.quit() });
      // Supervised: a loop that gives up (a Redis command timing out while the process is
      // busy starting) is started again, and the new one recovers what was in flight.
      alertEvents = superviseLoop(
        () =>
          new WriterLoop({
            redis: alertRedis,
            stream: ALERT_EVENTS_STREAM,
            consumer: config.ingestConsumer,
            insert: clickhouseTransactionBodySink(clickhouse.client, config.clickhouseDatabase, 'alert_events'),
            rowOf: alertEventRow,
            batchSize: 1000,
            maxWaitMs: 500,
            log: { info: (o, m) => app.log.info(o, m), ...log },
          }),
        { name: 'alert events writer', log },
      );
      const started = alertEvents;
      closers.push({ name: 'alert events writer', close: () => started.close() });
    }
    const roles = new Map(file.users.map((u) => [u.username, u.role]));
    const riskConfig = file.risk ?? DEFAULT_RISK;
    // Seeded before the engine starts, so the first payment is scored by the default pack.
    await createRuleStore(redis).seedDefaults();
    const risk = await createRiskEngine({
      redis,
      thresholds: { review: riskConfig.reviewAt, decline: riskConfig.declineAt },
      deadlineMs: riskConfig.deadlineMs,
      fallback: riskConfig.fallback,
      cnyPerUsd: file.fx.rates.CNY!,
      audit: (entry) =>
        void audit
          .record({ actor: entry.actor, actorRole: roles.get(entry.actor) ?? '', action: entry.action, target: entry.target, outcome: 'ok', details: entry.details })
          .catch((e: unknown) => log.error({ err: (e as Error).message, action: entry.action }, 'audit write failed')),
    });
    closers.push({ name: 'risk engine', close: () => risk.close() });
    const alerting = startAlerting({
      redis,
      redisUrl,
      sessions,
      audit,
      participants: file.participants,
      users: file.users,
      alertScore: riskConfig.alertScore,
      ingestLagMs: async () => (writer ? (await writer.lag()).lagMs : 0),
      log,
      webhookWorker: true,
      monitors: { client: clickhouse.client, database: config.clickhouseDatabase, config: file.monitors ?? DEFAULT_MONITORS },
    });
    closers.push({ name: 'alerting', close: () => alerting.close() });
    const switchDeps: SwitchDeps = {
      registry: createRegistry({ gateway: file.gateway, participants: file.participants, merchants: file.merchants }),
      fx: createFxTable(file.fx.rates),
      ledger: createLedger(redis, {
        idempotencyTtlMs: file.payments.idempotencyTtlHours * 3600_000,
        retentionMs: file.payments.retentionDays * 24 * 3600_000,
      }),
      scorer: risk,
      recordOutcome: (commands, message) => risk.recordOutcome(commands, message),
      tap,
      now: () => Date.now(),
      newPaymentId: (type) => newPaymentId(type),
      reversalWindowMs: file.payments.reversalWindowMinutes * 60_000,
      observe: (event) => alerting.observe(event),
    };
    const secrets = new Map(file.participants.map((p) => [p.id, p.secret]));
    const app = await buildApp({
      switchDeps,
      redis,
      metrics,
      secretOf: (id) => secrets.get(id),
      health: [
        { name: 'redis', check: () => redis.ping() },
        { name: 'clickhouse', check: () => clickhouse.client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json()) },
      ],
      healthDetails: async () => ({
        clickhouseMode: clickhouse.mode,
        risk: (({ ruleSetVersion, scored, degraded, degradedByCause, rules }) => ({ ruleSetVersion, scored, degraded, degradedByCause, rules }))(risk.stats()),
        ingest: writer ? { ...(await writer.lag()), ...writer.stats() } : { writer: 'not in this process' },
      }),
      maxClockSkewMs: file.auth.maxClockSkewMs,
      bodyLimitBytes: file.auth.bodyLimitBytes,
      users: file.users,
      sessions,
      audit,
      routes: [
        alerting.routes,
        (a) => ruleRoutes(a, { store: risk.store }),
        (a) => analyticsRoutes(a, { clickhouse: clickhouse.client, database: config.clickhouseDatabase, participants: file.participants, audit }),
        (a) =>
          backtestRoutes(a, {
            redisUrl,
            clickhouse: clickhouse.client,
            database: config.clickhouseDatabase,
            store: risk.store,
            audit,
            thresholds: { review: riskConfig.reviewAt, decline: riskConfig.declineAt },
            cnyPerUsd: Number(file.fx.rates.CNY),
          }),
        (a) => reportRoutes(a, { clickhouse: clickhouse.client, database: config.clickhouseDatabase, cnyPerUsd: file.fx.rates.CNY!, audit }),
        (a) =>
          reportScheduleRoutes(a, {
            redisUrl,
            clickhouse: clickhouse.client,
            database: config.clickhouseDatabase,
            cnyPerUsd: file.fx.rates.CNY!,
            audit,
            dataDir: config.dataDir,
            retentionDays: file.reports?.retentionDays,
          }),
        // Its own ClickHouse connection: statements run one at a time there, apart from the platform's.
        (a) => sqlRoutes(a, { connect: () => openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir }), database: config.clickhouseDatabase, audit, sessions }),
      ],
      logger,
    });
    alerting.live.attach(app.server);
    // Open sockets would keep the HTTP server from closing.
    app.addHook('preClose', async () => alerting.live.close());
    writer?.start(app.log);
    // Started once the app (and its logger) exists: recovery after a crash logs.
    alertEvents?.start();
    // The HTTP server closes first, so in-flight payments finish before their dependencies go.
    closers.push({ name: 'http', close: () => app.close() });
    return { app, redis, clickhouse, redisUrl, tap, writer, alerting, risk, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
