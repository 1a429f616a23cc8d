import { clickhouseTime } from './transaction-row.ts';

/**
 * A `case_events` row from an entry of the case-events stream (field `c`: the event as JSON,
 * written by the case scripts, see cases/case.ts). Undefined for anything else: the writer
 * parks it.
 */
export function caseEventRow(_id: string, fields: string[]): object | undefined {
  const at = fields.indexOf('c');
  if (at < 0 || at % 2 !== 0 || fields[at + 1] === undefined) return undefined;
  try {
    const e = JSON.parse(fields[at + 1]!) as Record<string, unknown>;
    const text = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : '');
    if (!text('eventId') || !text('caseId') || typeof e.at !== 'number') return undefined;
    return {
      event_id: text('eventId'),
      case_id: text('caseId'),
      at: clickhouseTime(e.at),
      kind: text('kind'),
      actor: text('actor'),
      state: text('state'),
      assignee: text('assignee'),
      outcome: text('outcome'),
      subject_kind: text('subjectKind'),
      subject_id: text('subjectId'),
      details: JSON.stringify(e.details ?? {}),
    };
  } catch {
    return undefined;
  }
}
