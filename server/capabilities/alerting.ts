import type { Alert } from '../../analytics/alerts/alert.ts';
import { createAlertStore, type AlertStore } from '../../analytics/alerts/alert-store.ts';
import { raiseDeadLetterAlert } from '../../analytics/alerts/dead-letter-alert.ts';
import type { TransactionEvent } from '../../domain/transaction.ts';
import { createLiveCounters } from '../live/live-counters.ts';
import type { Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { Ingest } from './ingest.ts';
import type { LiveFeed } from './live-feed.ts';

export const ALERT_EVENTS_STREAM = 'tap:alert-events';

/**
 * Everything that follows a decision: the live counters, and alerts raised or grouped and
 * pushed to the consoles. `observe` is the switch's hook; the minute monitors and the
 * ingest's dead letters raise their alerts on the same store and feed.
 */
export interface Alerting {
  alerts: AlertStore;
  observe(event: TransactionEvent): void;
  /** Hands every new alert raised by `observe` to `deliver` too (the jobs capability's webhooks). */
  deliverNewAlerts(deliver: (alert: Alert) => Promise<void>): void;
  /** Tells `listener` of every payment `observe` raised or grouped an alert for (the cases capability). */
  onRaised(listener: (raised: { kind: 'created' | 'grouped'; alert: Alert }, event: TransactionEvent) => Promise<void>): void;
}

export async function startAlerting(ctx: PlatformContext, feeds: { live: LiveFeed; ingest: Pick<Ingest, 'onDeadLetters'> }): Promise<Alerting & Capability> {
  const { redis, log } = ctx;
  const { live } = feeds;
  const counters = createLiveCounters(redis);
  const alerts = createAlertStore({
    redis,
    alertScore: ctx.config.file.risk.alertScore,
    groupWindowMs: 10 * 60_000,
    retentionMs: 30 * 24 * 3600_000,
    // Alert history takes the same road to ClickHouse as transactions: a Redis Stream.
    appendEvent: async (e) => {
      await redis.xadd(ALERT_EVENTS_STREAM, '*', 'a', JSON.stringify(e));
    },
  });
  feeds.ingest.onDeadLetters((notice) =>
    raiseDeadLetterAlert({ alerts, publish: (kind, alert) => live.alert(kind, alert) }, notice).catch((e: unknown) =>
      log.error({ err: (e as Error).message, stream: notice.stream }, 'dead-letter alert not raised'),
    ),
  );
  const deliveries: Array<(alert: Alert) => Promise<void>> = [];
  const raisedListeners: Array<Parameters<Alerting['onRaised']>[0]> = [];

  return {
    alerts,
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
          if (raised.kind === 'created') for (const deliver of deliveries) await deliver(raised.alert);
          for (const listener of raisedListeners) await listener(raised, event);
        })
        .catch((e: unknown) => log.error({ err: (e as Error).message, paymentId: event.paymentId }, 'alerting failed'));
    },
    deliverNewAlerts: (deliver) => void deliveries.push(deliver),
    onRaised: (listener) => void raisedListeners.push(listener),
    close: () => counters.close(),
  };
}
