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

export function createAuditLog(client: ClickHouseClient, database: string, now: () => number = Date.now): AuditLog {
  return {
    async record(entry) {
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
    },
  };
}
