import { clickhouseTime } from './transaction-row.ts';

/**
 * An `alert_events` row from an entry of the alert-events stream (field `a`: the event as
 * JSON, see analytics/alerts/alert.ts). Undefined for anything else: the writer parks it.
 */
export function alertEventRow(_id: string, fields: string[]): object | undefined {
  const at = fields.indexOf('a');
  if (at < 0 || at % 2 !== 0 || fields[at + 1] === undefined) return undefined;
  try {
    const e = JSON.parse(fields[at + 1]!) as Record<string, unknown>;
    const text = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : '');
    if (!text('eventId') || !text('alertId') || typeof e.at !== 'number') return undefined;
    return {
      event_id: text('eventId'),
      alert_id: text('alertId'),
      at: clickhouseTime(e.at),
      kind: text('kind'),
      participant: text('participant'),
      payment_id: text('paymentId'),
      rule_id: text('ruleId'),
      severity: text('severity'),
      status: text('status'),
      actor: text('actor'),
      assignee: text('assignee'),
      disposition: text('disposition'),
      note: text('note'),
      details: JSON.stringify(e.details ?? {}),
    };
  } catch {
    return undefined;
  }
}
