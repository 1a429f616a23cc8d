import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { AuditLog } from '../analytics/audit-log.ts';
import { createAlertStore, type AlertStore } from '../analytics/alerts/alert-store.ts';
import { createWebhookQueue, startWebhookWorker } from '../analytics/alerts/webhook-delivery.ts';
import { judgeMinute } from '../analytics/monitors/judge-minute.ts';
import type { MonitorConfig } from '../analytics/monitors/monitor-config.ts';
import { startMonitorJobs, type MonitorJobs } from '../analytics/monitors/monitor-job.ts';
import type { TransactionEvent } from '../domain/transaction.ts';
import type { Sessions } from './auth/sessions.ts';
import type { ParticipantConfig, UserConfig } from './config/schema.ts';
import { createLiveCounters } from './live/live-counters.ts';
import { startLiveFeed } from './live/console-gateway.ts';
import alertRoutes from './routes/alerts.ts';
import { logConnectionErrors } from './redis-errors.ts';

export const ALERT_EVENTS_STREAM = 'tap:alert-events';

/**
 * Everything that follows a decision: live counters, alerts (raised, grouped, pushed to
 * consoles), webhook delivery; and the minute monitors, whose alerts take the same road.
 * Wired by the platform; `observe` is the switch's hook.
 */
export interface Alerting {
  alerts: AlertStore;
  live: ReturnType<typeof startLiveFeed>;
  monitors?: MonitorJobs;
  observe(event: TransactionEvent): void;
  routes(app: FastifyInstance): Promise<void>;
  close(): Promise<void>;
}

export function startAlerting(options: {
  redis: Redis;
  redisUrl: string;
  sessions: Sessions;
  audit: AuditLog;
  participants: ParticipantConfig[];
  users: UserConfig[];
  alertScore: number;
  ingestLagMs: () => Promise<number>;
  log: { warn(o: object, m: string): void; error(o: object, m: string): void };
  /** Run the webhook delivery worker in this process. */
  webhookWorker: boolean;
  /** The minute monitors, run (scheduler and worker) in this process when given: where they read and how they judge. */
  monitors?: { client: ClickHouseClient; database: string; config: MonitorConfig };
}): Alerting {
  const { redis } = options;
  const counters = createLiveCounters(redis);
  const live = startLiveFeed({ redis, sessions: options.sessions, ingestLagMs: options.ingestLagMs, log: options.log });
  const alerts = createAlertStore({
    redis,
    alertScore: options.alertScore,
    groupWindowMs: 10 * 60_000,
    retentionMs: 30 * 24 * 3600_000,
    // Alert history takes the same road to ClickHouse as transactions: a Redis Stream.
    appendEvent: async (e) => {
      await redis.xadd(ALERT_EVENTS_STREAM, '*', 'a', JSON.stringify(e));
    },
  });
  // BullMQ needs connections that never give up on a command.
  const bullConnection = logConnectionErrors(new Redis(options.redisUrl, { maxRetriesPerRequest: null }), 'jobs', options.log);
  const webhooks = createWebhookQueue(bullConnection);
  const secrets = new Map(options.participants.map((p) => [p.id, p.secret]));
  const webhookUrls = new Map(options.participants.filter((p) => p.webhookUrl).map((p) => [p.id, p.webhookUrl!]));
  const worker = options.webhookWorker ? startWebhookWorker(bullConnection, { secretOf: (id) => secrets.get(id) }) : undefined;
  worker?.on('failed', (job, e) => options.log.warn({ alertId: job?.id, attempts: job?.attemptsMade, err: e.message }, 'webhook delivery failed'));
  const monitorDeps = options.monitors && { ...options.monitors, alerts, publish: live.alert };
  const monitors = monitorDeps
    ? startMonitorJobs(bullConnection, {
        config: monitorDeps.config,
        judge: (minute) => judgeMinute(monitorDeps, minute),
        ingestLagMs: options.ingestLagMs,
        worker: true,
        log: options.log,
      })
    : undefined;

  return {
    alerts,
    live,
    monitors,
    observe(event) {
      counters.record({
        participant: event.participant,
        status: event.status,
        decision: event.risk.decision,
        corridor: event.corridor,
        reasons: event.risk.reasons.map((r) => r.ruleId),
        latencyMs: event.switchLatencyUs / 1000,
      });
      alerts
        .observe(event)
        .then(async (raised) => {
          if (!raised) return;
          live.alert(raised.kind === 'created' ? 'created' : 'updated', raised.alert);
          const url = webhookUrls.get(raised.alert.participant);
          if (raised.kind === 'created' && url) await webhooks.enqueue(raised.alert, url);
        })
        .catch((e: unknown) => options.log.error({ err: (e as Error).message, paymentId: event.paymentId }, 'alerting failed'));
    },
    routes: (app) =>
      alertRoutes(app, { alerts, live, audit: options.audit, usernames: new Set(options.users.map((u) => u.username)) }),
    async close() {
      await monitors?.close();
      await counters.close();
      await live.close();
      await worker?.close();
      await webhooks.close();
      await bullConnection.quit().catch(() => undefined);
    },
  };
}
