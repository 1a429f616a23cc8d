import Type from 'typebox';
import { From, Limit, Participant, text, To, windowParams } from './params.ts';
import type { ReportDefinition } from './report.ts';

/** How fast alerts are picked up and closed, per severity, from the alert event history. */
export const alertHandling: ReportDefinition = {
  name: 'alert-handling',
  title: 'Alert handling',
  description:
    'Alerts created in the window, per severity (the latest one of each alert): how many were acknowledged (acknowledged ' +
    'or assigned, whichever came first) and resolved, the dispositions, and the seconds from creation to acknowledgement ' +
    'and to resolution: mean, median and 90th percentile (exact: the value at position floor(n x level) in sorted order), ' +
    'null when none.',
  params: Type.Object(
    {
      from: From,
      to: To,
      participant: Participant,
      severity: Type.Optional(Type.Enum(['low', 'medium', 'high', 'critical'], { description: 'Only this severity' })),
      limit: Limit,
    },
    { additionalProperties: false },
  ),
  maxSpanDays: 366,
  sql: (db) => `
    SELECT
      severity,
      toUInt32(count()) AS alerts,
      toUInt32(countIf(acknowledged_at IS NOT NULL)) AS acknowledged,
      toUInt32(countIf(resolved_at IS NOT NULL)) AS resolved,
      toUInt32(countIf(disposition = 'fraud')) AS fraud,
      toUInt32(countIf(disposition = 'legitimate')) AS legitimate,
      if(acknowledged = 0, NULL, avg(ack_seconds)) AS mean_ack_seconds,
      if(acknowledged = 0, NULL, quantileExact(0.5)(ack_seconds)) AS median_ack_seconds,
      if(acknowledged = 0, NULL, quantileExact(0.9)(ack_seconds)) AS p90_ack_seconds,
      if(resolved = 0, NULL, avg(resolve_seconds)) AS mean_resolve_seconds,
      if(resolved = 0, NULL, quantileExact(0.5)(resolve_seconds)) AS median_resolve_seconds,
      if(resolved = 0, NULL, quantileExact(0.9)(resolve_seconds)) AS p90_resolve_seconds
    FROM
    (
      SELECT
        severity, disposition, acknowledged_at, resolved_at,
        (toUnixTimestamp64Milli(acknowledged_at) - toUnixTimestamp64Milli(created_at)) / 1000 AS ack_seconds,
        (toUnixTimestamp64Milli(resolved_at) - toUnixTimestamp64Milli(created_at)) / 1000 AS resolve_seconds
      FROM
      (
        SELECT
          alert_id,
          argMax(severity, at) AS severity,
          minIf(at, kind = 'created') AS created_at,
          if(countIf(kind IN ('acknowledged', 'assigned')) = 0, NULL, minIf(at, kind IN ('acknowledged', 'assigned'))) AS acknowledged_at,
          if(countIf(kind = 'resolved') = 0, NULL, minIf(at, kind = 'resolved')) AS resolved_at,
          argMaxIf(disposition, at, kind = 'resolved') AS disposition
        FROM ${db}.alert_events
        WHERE at >= {from:DateTime64(3, 'UTC')}
          AND ({participant:String} = '' OR participant = {participant:String})
        GROUP BY alert_id
        HAVING countIf(kind = 'created') > 0 AND created_at < {to:DateTime64(3, 'UTC')}
      )
      WHERE {severity:String} = '' OR severity = {severity:String}
    )
    GROUP BY severity
    ORDER BY indexOf(['critical', 'high', 'medium', 'low'], severity), severity
    LIMIT {limit:UInt32}`,
  bind: (p) => ({ ...windowParams(p), severity: text(p.severity), limit: p.limit }),
};
