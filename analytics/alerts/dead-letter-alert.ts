import type { RiskReason } from '../../domain/transaction.ts';
import type { Alert } from './alert.ts';
import type { AlertStore, MonitorAlertInput } from './alert-store.ts';

/**
 * The operator's alert when an ingest writer moves entries to a dead-letter store (ClickHouse
 * refused their rows, or they make none): they are missing from ClickHouse until someone
 * looks. Raised as monitor alerts are, on the alert store's monitor road: one alert per
 * stream while dead letters keep coming less than `BURST_GAP_MINUTES` apart, each minute with
 * some counted once into it, pushed to the consoles like every alert. It spans participants,
 * so it belongs to none (operators only).
 */
export const DEAD_LETTER_RULE_ID = 'ingest.dead-letter';

/** Dead letters this far apart are two bursts, two alerts. */
export const BURST_GAP_MINUTES = 30;

/** Records missing from ClickHouse until someone acts, though nothing was paid wrongly: high, not critical. */
const SCORE = 700;

/** What an ingest writer tells once a batch moved entries to its dead-letter store (ingest/dead-letters.ts). */
export interface DeadLetterBatch {
  stream: string;
  count: number;
  codes: Record<string, number>;
  firstId: string;
  lastId: string;
}

/** A dead-letter alert's reason: how many and why, and where an operator finds them. */
export interface DeadLetterAlertReason extends RiskReason {
  /** What the console names the alert's subject by, as a monitor's corridor or participant. */
  scope: 'ingest stream';
  subject: string;
  stream: string;
  deadLetters: string;
  codes: Record<string, number>;
  firstId: string;
  lastId: string;
}

export function deadLetterAlertOf(batch: DeadLetterBatch, at: number): MonitorAlertInput {
  const deadLetters = `${batch.stream}:dead`;
  const why = Object.entries(batch.codes)
    .map(([code, n]) => `${n} ${code}`)
    .join(', ');
  const reason: DeadLetterAlertReason = {
    ruleId: DEAD_LETTER_RULE_ID,
    ruleVersion: 1,
    message: `${batch.count} entr${batch.count === 1 ? 'y' : 'ies'} of ${batch.stream} could not be written to ClickHouse (${why}); kept in the Redis stream ${deadLetters}`,
    value: batch.count,
    threshold: 0,
    scope: 'ingest stream',
    subject: batch.stream,
    stream: batch.stream,
    deadLetters,
    codes: batch.codes,
    firstId: batch.firstId,
    lastId: batch.lastId,
  };
  return {
    group: `ingest:${batch.stream}:dead-letters`,
    minute: Math.floor(at / 60_000) * 60_000,
    participant: '',
    ruleId: DEAD_LETTER_RULE_ID,
    reasons: [reason],
    score: SCORE,
    severity: 'high',
    groupGapMs: BURST_GAP_MINUTES * 60_000,
    details: { ...reason, message: undefined },
  };
}

/** Raises (or counts into the open alert of its burst) and pushes it to the consoles; undefined when this minute was counted already. */
export async function raiseDeadLetterAlert(
  deps: { alerts: Pick<AlertStore, 'raiseMonitor'>; publish(kind: 'created' | 'updated', alert: Alert): void },
  batch: DeadLetterBatch,
  at = Date.now(),
): Promise<Alert | undefined> {
  const raised = await deps.alerts.raiseMonitor(deadLetterAlertOf(batch, at));
  if (!raised) return undefined;
  deps.publish(raised.kind === 'created' ? 'created' : 'updated', raised.alert);
  return raised.alert;
}
