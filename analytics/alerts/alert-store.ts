import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScripts } from '../../domain/redis-scripts.ts';
import { subjectKey, subjectOf } from '../../domain/subject.ts';
import type { ErrorCode } from '../../domain/error-codes.ts';
import { err, ok, type DomainError, type Result } from '../../domain/result.ts';
import type { RiskReason, TransactionEvent } from '../../domain/transaction.ts';
import { severityOf, type Alert, type AlertEvent, type AlertStatus, type Disposition, type Severity } from './alert.ts';

/**
 * Alerts' live state in Redis (shared by every node) and their history as append-only
 * events for ClickHouse. Raising and grouping is one Lua script, so two nodes seeing the
 * same burst still make one alert.
 */
export interface AlertStoreOptions {
  redis: Redis;
  /** A decision with at least this score raises an alert even when approved. */
  alertScore: number;
  groupWindowMs: number;
  retentionMs: number;
  /** Where alert events go on their way to ClickHouse. */
  appendEvent(event: AlertEvent): Promise<void>;
  now?: () => number;
}

export interface AlertFilter {
  status?: AlertStatus;
  severity?: string;
  participant?: string;
  rule?: string;
  from?: number;
  to?: number;
  limit?: number;
}

/** What a monitor raises (analytics/monitors/monitor-alert.ts): no payment, one alert per group while abnormal. */
export interface MonitorAlertInput {
  /** Subject and metric, e.g. "corridor:TH-CN:volume". */
  group: string;
  /** The judged minute, unix ms: counted once into its alert, however often it is judged. */
  minute: number;
  /** '' when the subject spans participants (operators only). */
  participant: string;
  /** The merchant the alert is about, when it is about one (a screening hit on its name). */
  merchantId?: string;
  ruleId: string;
  reasons: RiskReason[];
  score: number;
  severity: Severity;
  /** A minute within this of the group's last one counts into the same alert. */
  groupGapMs: number;
  details: unknown;
}

/** Raising (and grouping) an alert, and changing one: one script each (lua/). */
interface AlertScripts {
  raiseAlert(...args: string[]): Promise<string[]>;
  changeAlert(...args: string[]): Promise<string[]>;
}

const INDEX = 'alerts:index';

/** The codes changeAlert-1.lua refuses an action with (held beside the script by a test). */
export const ALERT_REFUSALS = ['ALERT_NOT_FOUND', 'ALERT_ALREADY_RESOLVED', 'ALERT_ALREADY_ACKNOWLEDGED', 'ALERT_ACTION_UNKNOWN'] as const satisfies readonly ErrorCode[];

export function createAlertStore(options: AlertStoreOptions) {
  const redis = defineScripts<AlertScripts>(options.redis, new URL('./lua/', import.meta.url));
  const now = options.now ?? Date.now;

  async function get(id: string): Promise<Alert | undefined> {
    const h = await redis.hgetall(`alert:${id}`);
    if (!h.alert) return undefined;
    type Kept = 'payerName' | 'merchantName' | 'subjectKind' | 'subjectId' | 'amountUsd';
    const base = JSON.parse(h.alert) as Omit<Alert, 'count' | 'status' | 'score' | 'severity' | 'lastPaymentId' | 'updatedAt' | 'assignee' | 'disposition' | 'note' | Kept> &
      Partial<Pick<Alert, Kept>>;
    return {
      ...base,
      // Alerts raised before names and subjects were kept have none.
      payerName: base.payerName ?? '',
      merchantName: base.merchantName ?? '',
      subjectKind: base.subjectKind ?? '',
      subjectId: base.subjectId ?? '',
      amountUsd: base.amountUsd ?? '',
      count: Number(h.count ?? 1),
      status: (h.status ?? 'open') as AlertStatus,
      score: Number(h.score ?? 0),
      severity: (h.severity ?? 'low') as Alert['severity'],
      lastPaymentId: h.lastPaymentId ?? base.paymentId,
      updatedAt: new Date(Number(h.updatedAt ?? Date.parse(base.createdAt))).toISOString(),
      assignee: h.assignee ?? '',
      disposition: (h.disposition ?? '') as Alert['disposition'],
      note: h.note ?? '',
    };
  }

  function event(alert: Alert, kind: AlertEvent['kind'], actor: string, details: unknown = {}): AlertEvent {
    return {
      eventId: randomUUID(),
      alertId: alert.id,
      at: now(),
      kind,
      participant: alert.participant,
      paymentId: alert.lastPaymentId,
      ruleId: alert.ruleId,
      severity: alert.severity,
      status: alert.status,
      actor,
      assignee: alert.assignee,
      disposition: alert.disposition,
      note: alert.note,
      details,
    };
  }

  return {
    get,

    /** Raises or groups an alert for a decided message; undefined when it is not alert-worthy. */
    async observe(e: TransactionEvent): Promise<{ kind: 'created' | 'grouped'; alert: Alert } | undefined> {
      if (e.messageType !== 'payment') return undefined;
      if (e.risk.decision === 'approve' && e.risk.score < options.alertScore) return undefined;
      const top = e.risk.reasons[0];
      const ruleId = top?.ruleId ?? 'score';
      const id = `alt_${e.paymentId.slice(4)}`;
      const at = now();
      const severity = severityOf(e.risk.decision === 'decline' ? Math.max(e.risk.score, 600) : e.risk.score);
      const subject = subjectOf(e, ruleId);
      const base = {
        id,
        kind: 'decision' as const,
        paymentId: e.paymentId,
        participant: e.participant,
        walletId: e.payer.walletId,
        payerName: e.payer.name ?? '',
        merchantId: e.merchant.id,
        merchantName: e.merchant.name,
        ruleId,
        subjectKind: subject.kind,
        subjectId: subject.id,
        amountUsd: e.amountUsd,
        decision: e.risk.decision,
        reasons: e.risk.reasons,
        createdAt: new Date(at).toISOString(),
      };
      const [kind, alertId] = await redis.raiseAlert(
        // One group per subject and rule (a merchant under a fan-in burst makes one alert,
        // not one per payer), within the participant: an analyst sees its own payments only.
        `alertgroup:${e.participant}:${subjectKey(subject)}:${ruleId}`,
        `alert:${id}`,
        INDEX,
        id,
        String(at),
        String(options.groupWindowMs),
        JSON.stringify(base),
        String(e.risk.score),
        severity,
        e.paymentId,
        String(options.retentionMs),
      );
      const alert = await get(alertId!);
      if (!alert) return undefined;
      const k = kind === 'created' ? 'created' : 'grouped';
      await options.appendEvent(event(alert, k, 'system', { paymentId: e.paymentId, score: e.risk.score, decision: e.risk.decision }));
      return { kind: k, alert };
    },

    /** Raises a monitor's alert, or counts the minute into the open one of its group; undefined for a minute already counted. */
    async raiseMonitor(m: MonitorAlertInput): Promise<{ kind: 'created' | 'grouped'; alert: Alert } | undefined> {
      // A job retried after a failure judges its minute again: the minute counts once.
      const first = await redis.set(`monitorminute:${m.group}:${m.minute}`, '1', 'PX', 24 * 3600_000, 'NX');
      if (first !== 'OK') return undefined;
      const id = `alt_mon_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
      const at = now();
      const base = {
        id,
        kind: 'monitor' as const,
        paymentId: '',
        participant: m.participant,
        walletId: '',
        merchantId: m.merchantId ?? '',
        ruleId: m.ruleId,
        subjectKind: m.merchantId ? ('merchant' as const) : ('' as const),
        subjectId: m.merchantId ?? '',
        amountUsd: '',
        decision: 'monitor',
        reasons: m.reasons,
        createdAt: new Date(at).toISOString(),
      };
      const [kind, alertId] = await redis.raiseAlert(
        `monitorgroup:${m.group}`,
        `alert:${id}`,
        INDEX,
        id,
        String(at),
        String(m.groupGapMs),
        JSON.stringify(base),
        String(m.score),
        m.severity,
        '',
        String(options.retentionMs),
        '1',
      );
      const alert = await get(alertId!);
      if (!alert) return undefined;
      const k = kind === 'created' ? 'created' : 'grouped';
      await options.appendEvent(event(alert, k, 'monitor', m.details));
      return { kind: k, alert };
    },

    async list(filter: AlertFilter = {}): Promise<Alert[]> {
      const limit = Math.min(filter.limit ?? 200, 1000);
      const ids = await redis.zrevrangebyscore(INDEX, filter.to ?? '+inf', filter.from ?? '-inf', 'LIMIT', 0, 5000);
      const alerts: Alert[] = [];
      for (const id of ids) {
        const a = await get(id);
        if (!a) continue;
        if (filter.status && a.status !== filter.status) continue;
        if (filter.severity && a.severity !== filter.severity) continue;
        if (filter.participant && a.participant !== filter.participant) continue;
        if (filter.rule && a.ruleId !== filter.rule) continue;
        alerts.push(a);
        if (alerts.length >= limit) break;
      }
      return alerts;
    },

    async act(
      id: string,
      action: 'ack' | 'assign' | 'resolve',
      actor: string,
      params: { to?: string; disposition?: Disposition; note?: string } = {},
    ): Promise<Result<Alert, DomainError>> {
      const [outcome, value] = await redis.changeAlert(
        `alert:${id}`, action, actor, String(now()), params.to ?? '', params.disposition ?? '', params.note ?? '',
      );
      if (outcome !== 'ok') {
        const code = ALERT_REFUSALS.find((refusal) => refusal === value) ?? 'ALERT_ACTION_FAILED';
        return err({ code, message: `${action} refused: ${(value ?? '').toLowerCase().replaceAll('_', ' ')}` });
      }
      const alert = await get(id);
      if (!alert) return err({ code: 'ALERT_NOT_FOUND', message: 'no such alert' });
      const kind = action === 'ack' ? 'acknowledged' : action === 'assign' ? 'assigned' : 'resolved';
      await options.appendEvent(event(alert, kind, actor));
      return ok(alert);
    },

    /** Old alerts leave the index with their hashes. */
    async prune(): Promise<void> {
      await redis.zremrangebyscore(INDEX, '-inf', now() - options.retentionMs);
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
