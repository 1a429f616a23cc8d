import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditEntry, AuditLog } from '../analytics/audit-log.ts';
import { clickhouseTime } from '../ingest/transaction-row.ts';

/**
 * The audit log of a process without ClickHouse (a switch or console node of a split
 * platform): each entry is appended to a Redis Stream, on the same road as alert events,
 * and the ingest node's writer moves it into `audit_log`. `record` resolves once Redis has
 * the entry (AOF on), so an audited action is as durable as the state it changed.
 */
export const AUDIT_STREAM = 'tap:audit';

export function createStreamAuditLog(redis: Redis, now: () => number = Date.now): AuditLog {
  return {
    async record(entry) {
      const event = { eventId: randomUUID(), at: now(), ...entry, details: entry.details ?? {} };
      await redis.xadd(AUDIT_STREAM, '*', 'e', JSON.stringify(event));
    },
  };
}

/** An `audit_log` row from an audit-stream entry; undefined for anything else (the writer parks it). */
export function auditRow(_id: string, fields: string[]): object | undefined {
  const at = fields.indexOf('e');
  if (at < 0 || at % 2 !== 0 || fields[at + 1] === undefined) return undefined;
  try {
    const e = JSON.parse(fields[at + 1]!) as Partial<AuditEntry> & { eventId?: unknown; at?: unknown };
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    if (!text(e.eventId) || typeof e.at !== 'number' || !text(e.action)) return undefined;
    return {
      event_id: text(e.eventId),
      at: clickhouseTime(e.at),
      actor: text(e.actor),
      actor_role: text(e.actorRole),
      action: text(e.action),
      target: text(e.target),
      outcome: text(e.outcome),
      details: JSON.stringify(e.details ?? {}),
    };
  } catch {
    return undefined;
  }
}
