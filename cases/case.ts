import type { Subject } from '../domain/subject.ts';

/**
 * An investigation: the alerts about one subject, gathered until an officer closes it with
 * an outcome. Its live state is in Redis (every node opens and attaches through the same
 * script); everything that happened to it is an append-only event (`case_events` in
 * ClickHouse, and the case's own timeline).
 *
 * open -> investigating -> pending_approval (an STR waits for a second officer) -> closed,
 * and from open or investigating to `escalated` (its SLA deadline passed, or an officer
 * escalated it), which an officer takes back to investigating. Any state but closed may be
 * closed with `no_suspicion` or `false_positive`; `str_filed` needs an approved STR.
 */
export type CaseState = 'open' | 'investigating' | 'escalated' | 'pending_approval' | 'closed';
export const CASE_STATES: readonly CaseState[] = ['open', 'investigating', 'escalated', 'pending_approval', 'closed'];

export type CaseOutcome = 'str_filed' | 'no_suspicion' | 'false_positive';
export const CASE_OUTCOMES: readonly CaseOutcome[] = ['str_filed', 'no_suspicion', 'false_positive'];

/** P1 first: from the worst alert's severity and the amount the case's payments moved. */
export type CasePriority = 'P1' | 'P2' | 'P3' | 'P4';

/** Who works a case now: risk officers, compliance (an STR to approve), or whoever takes escalations. */
export type CaseQueue = 'risk' | 'compliance' | 'escalations';

export interface Case {
  id: string;
  subject: Subject;
  /** Subjects of cases merged into this one. */
  mergedSubjects: Subject[];
  state: CaseState;
  outcome: CaseOutcome | '';
  queue: CaseQueue;
  priority: CasePriority;
  /** The worst severity among its alerts. */
  severity: string;
  /** US dollars of the payments of its alerts when each was attached (the alerts' first payments). */
  amountUsd: string;
  alertCount: number;
  /** Payments of its alerts, grouped ones included. */
  paymentCount: number;
  assignee: string;
  /** `system` for a case the policy opened. */
  openedBy: string;
  /** Why it was opened: the policy's clause, or `officer`. */
  openedBecause: string;
  /** Merged into another case (and so closed): that case's id. */
  mergedInto: string;
  closedBy: string;
  closingNote: string;
  openedAt: string;
  updatedAt: string;
  closedAt: string;
  /** Its SLA clock (cases/case-sla.ts): when it warns, its deadline, and when each happened ('' not yet). */
  slaWarnAt: string;
  slaDeadlineAt: string;
  slaWarnedAt: string;
  slaEscalatedAt: string;
}

export type CaseEventKind =
  | 'opened'
  | 'alert_attached'
  | 'assigned'
  | 'started'
  | 'escalated'
  | 'note'
  | 'attachment_added'
  | 'merged'
  | 'sla_warning'
  | 'sla_escalated'
  | 'str_drafted'
  | 'str_edited'
  | 'str_submitted'
  | 'str_returned'
  | 'str_approved'
  | 'str_filed'
  | 'closed'
  /** Held settlements released (details.paymentIds): by the case's closing without suspicion, or by an officer. */
  | 'settlement_released';

/** An entry of the append-only `case_events` table, and of the case's timeline. */
export interface CaseEvent {
  eventId: string;
  caseId: string;
  at: number;
  kind: CaseEventKind;
  actor: string;
  /** The case's state and assignee after the event. */
  state: CaseState;
  assignee: string;
  outcome: string;
  subjectKind: string;
  subjectId: string;
  /** The alert attached, the case merged, the note's text: what the kind of event needs. */
  details: Record<string, unknown>;
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { low: 1, medium: 2, high: 3, critical: 4 };

export function severityRank(severity: string): number {
  return SEVERITY_RANK[severity] ?? 0;
}

/** P1: critical, or USD 10,000 and more; P2: high, or USD 1,000 and more; P3: medium; P4 the rest. */
export function priorityOf(severity: string, amountUsd: number): CasePriority {
  const rank = severityRank(severity);
  if (rank >= 4 || amountUsd >= 10_000) return 'P1';
  if (rank >= 3 || amountUsd >= 1_000) return 'P2';
  if (rank >= 2) return 'P3';
  return 'P4';
}
