import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';

/** Who did what: logins, rule and list changes, alert actions, report runs, SQL. Append-only. */
export interface AuditEntry {
  actor: string;
  actorRole: string;
  action: string;
  target: string;
  outcome: 'ok' | 'denied' | 'failed';
  details?: unknown;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export interface DirectAuditOptions {
  /**
   * Where an entry goes when ClickHouse does not take it (down, or refusing the row): the
   * audit stream, which the ingest writer moves with retries and dead-letter isolation. An
   * audited action then neither fails for its audit nor loses it.
   */
  fallback?: AuditLog;
  /** Told of each entry that went to the fallback, with ClickHouse's error. */
  onFallback?: (error: Error, entry: AuditEntry) => void;
  now?: () => number;
}

/** The audit log of a process with ClickHouse: each entry inserted at once, so it is readable as soon as the action answered. */
export function createAuditLog(client: ClickHouseClient, database: string, options: DirectAuditOptions = {}): AuditLog {
  const now = options.now ?? Date.now;
  const insert = async (entry: AuditEntry) => {
    const eventId = randomUUID();
    await client.insert({
      table: `${database}.audit_log`,
      values: [
        {
          event_id: eventId,
          at: new Date(now()).toISOString().replace('T', ' ').replace('Z', ''),
          actor: entry.actor,
          actor_role: entry.actorRole,
          action: entry.action,
          target: entry.target,
          outcome: entry.outcome,
          details: JSON.stringify(entry.details ?? {}),
        },
      ],
      format: 'JSONEachRow',
      // Each entry is its own block with its own token: two identical entries are two events.
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: `audit-${eventId}` },
    });
  };
  return {
    async record(entry) {
      try {
        await insert(entry);
      } catch (e) {
        if (!options.fallback) throw e;
        options.onFallback?.(e as Error, entry);
        await options.fallback.record(entry);
      }
    },
  };
}
