import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createAuditLog, type AuditLog } from '../../analytics/audit-log.ts';
import { createPaymentRecords } from '../../analytics/payments/payment-records.ts';
import { migrate } from '../../analytics/schema/migrate.ts';
import type { Tap } from '../../domain/ports.ts';
import { createStreamTap } from '../../ingest/tap-stream.ts';
import type { Audit } from '../../rules/index.ts';
import { createLedger, type Ledger } from '../../switch/ledger.ts';
import { createStreamAuditLog } from '../audit-stream.ts';
import { createSessions, type Sessions } from '../auth/sessions.ts';
import { openClickHouse, type ClickHouse } from '../clickhouse.ts';
import type { Config } from '../config/load.ts';
import { createMetrics, type PlatformMetrics } from '../plugins/metrics.ts';
import { logConnectionErrors } from '../redis-errors.ts';
import { checkRedisDurability } from '../redis-durability.ts';
import { startRedisServer } from '../redis-process.ts';
import type { Plan } from '../roles.ts';
import { opening, type Capability } from './capability.ts';
import { createPlatformLog, type PlatformLog } from './platform-log.ts';

/** What every capability of a process is started with: the config, and the stores every role shares. */
export interface PlatformContext {
  config: Config;
  plan: Plan;
  /** The shared command connection: auto-pipelined, each command given up after a second. */
  redis: Redis;
  /** Where connections of their own (BullMQ, the writer thread, the live feed) connect. */
  redisUrl: string;
  /** Open where this role reads or writes ClickHouse (server/roles.ts). */
  clickhouse?: ClickHouse;
  tap: Tap;
  /** The switch's store in Redis: payments, txnId claims, simulated issuer wallets. */
  ledger: Ledger;
  metrics: PlatformMetrics;
  audit: AuditLog;
  /** The audit of rule and list changes: recorded in the background, under the actor's role. */
  auditRule: Audit;
  sessions: Sessions;
  log: PlatformLog;
}

/**
 * Opens Redis (the platform's own redis-server when no REDIS_URL is given) and, where this
 * role uses it, ClickHouse with its migrations; then the stores on them. Its attach step
 * sends the log to the app's logger.
 */
export function openContext(config: Config, plan: Plan): Promise<PlatformContext & Capability> {
  return opening(async (closers) => {
    const log = createPlatformLog();
    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const { durability } = config.file.redis;
      const appendfsync = durability.mode === 'always' ? 'always' : 'everysec';
      const child = await startRedisServer({ dir: path.join(config.dataDir, 'redis'), bin: config.redisServerBin, appendfsync });
      closers.add(() => child.stop());
      redisUrl = child.url;
    }
    // A command gives up after a second rather than queueing for ever: the risk step has
    // its own deadline, and nothing else may hang a payment either (docs/rules.md).
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: true, commandTimeout: 1000 });
    logConnectionErrors(redis, 'shared', log);
    await redis.connect();
    closers.add(() => redis.quit());
    // Someone else runs an external Redis: the nodes that commit payments check it keeps what redis.durability promises.
    if (config.redisUrl && plan.switch) await checkRedisDurability(redis, config.file.redis.durability, config.file.mode === 'production', log);

    let clickhouse: ClickHouse | undefined;
    if (plan.clickhouse) {
      const opened = await openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
      closers.add(() => opened.close());
      // Every process that opens it migrates: the statements are idempotent, and no node
      // has to wait for another to start.
      await migrate(opened.client, config.clickhouseDatabase);
      clickhouse = opened;
    }

    const audit = auditLogOf(redis, clickhouse, config, log);
    const { file } = config;
    const roles = new Map(file.users.map((u) => [u.username, u.role]));
    const auditRule: Audit = (entry) =>
      void audit
        .record({ actor: entry.actor, actorRole: roles.get(entry.actor) ?? '', action: entry.action, target: entry.target, outcome: 'ok', details: entry.details })
        .catch((e: unknown) => log.error({ err: (e as Error).message, action: entry.action }, 'audit write failed'));
    return {
      config,
      plan,
      redis,
      redisUrl,
      clickhouse,
      tap: createStreamTap(redis),
      ledger: createLedger(redis, {
        idempotencyTtlMs: Math.round(file.payments.idempotencyTtlHours * 3600_000),
        retentionMs: file.payments.retentionDays * 24 * 3600_000,
        followUpWindowMs: file.payments.followUpWindowMinutes * 60_000,
        ...(clickhouse ? { records: createPaymentRecords(clickhouse.client, config.clickhouseDatabase, { retentionMs: file.payments.retentionDays * 24 * 3600_000 }) } : {}),
        durability: file.redis.durability,
      }),
      metrics: createMetrics(),
      audit,
      auditRule,
      // Every verification reads the operator's role and participant from this config, not from the login.
      sessions: createSessions(redis, config.sessionTtlMs, file.users),
      log,
      attach: (app: FastifyInstance) => log.follow(app.log),
    };
  });
}

/**
 * Where ClickHouse is open each entry is inserted at once; when it is not taken there, it
 * goes the way of nodes without ClickHouse: the stream the ingest node moves.
 */
function auditLogOf(redis: Redis, clickhouse: ClickHouse | undefined, config: Config, log: PlatformLog): AuditLog {
  const streamAudit = createStreamAuditLog(redis);
  if (!clickhouse) return streamAudit;
  return createAuditLog(clickhouse.client, config.clickhouseDatabase, {
    fallback: streamAudit,
    // ClickHouse's message may quote the row: its code and type only.
    onFallback: (e, entry) => {
      const { code, type } = e as { code?: unknown; type?: unknown };
      log.warn({ code, type, action: entry.action }, 'audit: ClickHouse did not take the entry; sent through the audit stream');
    },
  });
}
