import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScripts } from '../domain/redis-scripts.ts';
import { scriptRefusal } from '../domain/script-refusal.ts';
import type { ErrorCode } from '../domain/error-codes.ts';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import { subjectKey, type Subject } from '../domain/subject.ts';
import { caseHeldKey } from '../domain/settlement-hold.ts';
import { priorityOf, type Case, type CaseEvent, type CaseOutcome, type CaseQueue, type CaseState } from './case.ts';
import { opensAtOnce, type CasePolicy } from './case-policy.ts';
import type { SlaTimes } from './case-sla.ts';

/**
 * Cases' live state in Redis, shared by every node: opening, attaching, moving along the
 * workflow and merging are one Lua script each (lua/), which writes the case's event to
 * its timeline and to the stream the ingest writer moves into `case_events`, in the same
 * script as the change. Nothing here knows HTTP.
 */

/** What an alert brings to its subject's case. */
export interface AlertForCase {
  alertId: string;
  subject: Subject;
  severity: string;
  /** US dollars of the payment, a decimal string ('' when unknown). */
  amountUsd: string;
  paymentId: string;
  /** The payment's decision: the policy may open a case for every decline. */
  decision: string;
  /** The rules that hit the payment (the alert's first): the policy may open a case for every hit of some rules. */
  ruleIds: string[];
  /** True for the alert's first payment, false for a payment grouped into it. */
  newAlert: boolean;
  /** The payment was approved with its settlement held: its subject's case holds it, one is opened for it if none is (whatever the policy). */
  held?: boolean;
}

/**
 * What became of an alert's payment: a new case, the alert new to its subject's open case,
 * a later payment of an alert already there counted into it (the case not read back: most
 * alerting payments are these), or nothing.
 */
export type Considered = { kind: 'opened' | 'attached'; case: Case } | { kind: 'counted'; caseId: string } | { kind: 'none' };

export interface CaseFilter {
  state?: CaseState;
  queue?: CaseQueue;
  assignee?: string;
  subjectKind?: string;
  subjectId?: string;
  limit?: number;
}

export type CaseAction = 'assign' | 'start' | 'escalate' | 'note' | 'attach' | 'close';

interface CaseScripts {
  considerCase(...args: string[]): Promise<string[]>;
  openCase(...args: string[]): Promise<string[]>;
  changeCase(...args: string[]): Promise<string[]>;
  mergeCases(...args: string[]): Promise<string[]>;
  releaseSettlements(...args: string[]): Promise<string[]>;
}

export const CASE_EVENTS_STREAM = 'tap:case-events';
const INDEX = 'cases:index';
/** The most events a timeline read returns (a case's whole history is in ClickHouse). */
const TIMELINE_MAX = 10_000;

/** The codes the scripts refuse with (held beside them by a test). */
export const CASE_REFUSALS = [
  'CASE_NOT_FOUND',
  'CASE_CLOSED',
  'CASE_ILLEGAL_TRANSITION',
  'CASE_OUTCOME_UNKNOWN',
  'CASE_ACTION_UNKNOWN',
  'CASE_MERGE_SELF',
  'CASE_OPEN_FOR_SUBJECT',
  'ALERT_IN_CASE',
  'STR_NOT_APPROVED',
  'STR_IN_PROGRESS',
  'SETTLEMENT_NOT_HELD',
] as const satisfies readonly ErrorCode[];

const REFUSAL_TEXT: Record<(typeof CASE_REFUSALS)[number], string> = {
  CASE_NOT_FOUND: 'no such case',
  CASE_CLOSED: 'the case is closed',
  CASE_ILLEGAL_TRANSITION: 'the case cannot do that from its state',
  CASE_OUTCOME_UNKNOWN: 'unknown outcome',
  CASE_ACTION_UNKNOWN: 'unknown action',
  CASE_MERGE_SELF: 'a case cannot be merged into itself',
  CASE_OPEN_FOR_SUBJECT: 'the subject already has an open case',
  ALERT_IN_CASE: 'the alert is already in an open case',
  STR_NOT_APPROVED: 'a case is closed as str_filed only with an approved STR',
  STR_IN_PROGRESS: 'the case has an STR in progress: approve it or send it back first',
  SETTLEMENT_NOT_HELD: 'the case holds no such settlement (never held here, or released already)',
};

const refusal = scriptRefusal<(typeof CASE_REFUSALS)[number]>(REFUSAL_TEXT, 'CASE_ACTION_FAILED');

export const newCaseId = () => `case_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
const cents = (usd: string) => {
  const m = /^(\d{1,15})(?:\.(\d{1,2})\d*)?$/.exec(usd);
  return m ? String(Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))) : '0';
};

export interface CaseStoreOptions {
  redis: Redis;
  policy: CasePolicy;
  /** The SLA clock of a case opened at an instant (cases/case-sla.ts). */
  sla: (openedAt: number) => SlaTimes;
  now?: () => number;
}

export function createCaseStore(options: CaseStoreOptions) {
  const redis = defineScripts<CaseScripts>(options.redis, new URL('./lua/', import.meta.url));
  const now = options.now ?? Date.now;
  const { policy } = options;

  async function get(id: string): Promise<Case | undefined> {
    const h = await redis.hgetall(`case:${id}`);
    if (!h.id) return undefined;
    const amountUsd = Number(h.amountCents ?? 0) / 100;
    const time = (v: string | undefined) => (v ? new Date(Number(v)).toISOString() : '');
    return {
      id: h.id,
      subject: JSON.parse(h.subject ?? '{}') as Subject,
      // cjson writes an empty list as {}.
      mergedSubjects: [...(Object.values(JSON.parse(h.mergedSubjects ?? '[]')) as Subject[])],
      state: h.state as CaseState,
      outcome: (h.outcome ?? '') as CaseOutcome | '',
      queue: (h.queue ?? 'risk') as CaseQueue,
      priority: priorityOf(h.severity ?? 'low', amountUsd),
      severity: h.severity ?? 'low',
      amountUsd: amountUsd.toFixed(2),
      alertCount: Number(h.alertCount ?? 0),
      paymentCount: Number(h.paymentCount ?? 0),
      assignee: h.assignee ?? '',
      openedBy: h.openedBy ?? '',
      openedBecause: h.openedBecause ?? '',
      mergedInto: h.mergedInto ?? '',
      closedBy: h.closedBy ?? '',
      closingNote: h.closingNote ?? '',
      openedAt: time(h.openedAt),
      updatedAt: time(h.updatedAt),
      closedAt: time(h.closedAt),
      slaWarnAt: time(h.slaWarnAt),
      slaDeadlineAt: time(h.slaDeadlineAt),
      slaWarnedAt: time(h.slaWarnedAt),
      slaEscalatedAt: time(h.slaEscalatedAt),
    };
  }

  return {
    get,

    /** The alert's payment into its subject's case, opening one when the policy says so. */
    async consider(a: AlertForCase): Promise<Considered> {
      if (!policy.enabled && !a.held) return { kind: 'none' };
      const key = subjectKey(a.subject);
      // A held settlement is released through its case: one is opened for it whatever the policy.
      const opensNow = opensAtOnce(policy, a) || (a.held ? 'settlement_held' : '');
      const at = now();
      const sla = options.sla(at);
      const reply = await redis.considerCase(
        `casesubject:${key}`,
        `casecandidates:${key}`,
        CASE_EVENTS_STREAM,
        newCaseId(),
        a.alertId,
        String(at),
        JSON.stringify(a.subject),
        a.subject.kind,
        a.subject.id,
        a.severity,
        cents(a.amountUsd),
        a.newAlert ? '1' : '0',
        opensNow ? '1' : '0',
        opensNow || '',
        String(policy.alertsInWindow?.count ?? 0),
        String((policy.alertsInWindow?.minutes ?? 0) * 60_000),
        randomUUID(),
        randomUUID(),
        a.paymentId,
        String(sla.warnAt),
        String(sla.deadlineAt),
        a.held ? '1' : '0',
      );
      if (reply[0] === 'none') return { kind: 'none' };
      if (reply[0] === 'attached' && reply[2] !== '1') return { kind: 'counted', caseId: reply[1]! };
      const found = await get(reply[1]!);
      if (!found) return { kind: 'none' };
      return { kind: reply[0] === 'opened' ? 'opened' : 'attached', case: found };
    },

    /** An officer opens a case from alerts (the first one's subject). */
    async open(alerts: AlertForCase[], actor: string): Promise<Result<Case, DomainError & { caseId?: string }>> {
      const first = alerts[0];
      if (!first) return err({ code: 'VALIDATION_FAILED', message: 'name at least one alert' });
      const id = newCaseId();
      const at = now();
      const sla = options.sla(at);
      const reply = await redis.openCase(
        `casesubject:${subjectKey(first.subject)}`,
        CASE_EVENTS_STREAM,
        id,
        String(at),
        JSON.stringify(first.subject),
        first.subject.kind,
        first.subject.id,
        actor,
        randomUUID(),
        String(sla.warnAt),
        String(sla.deadlineAt),
        ...alerts.flatMap((a) => [a.alertId, cents(a.amountUsd), a.severity, a.paymentId]),
      );
      if (reply[0] !== 'opened') return err({ ...refusal(reply[1], reply[2]), caseId: reply[2] });
      const opened = await get(id);
      return opened ? ok(opened) : err(refusal('CASE_NOT_FOUND'));
    },

    async act(id: string, action: CaseAction, actor: string, params: { assignee?: string; outcome?: string; note?: string } = {}): Promise<Result<Case, DomainError>> {
      const reply = await redis.changeCase(
        `case:${id}`,
        CASE_EVENTS_STREAM,
        action,
        actor,
        String(now()),
        randomUUID(),
        id,
        params.assignee ?? '',
        params.outcome ?? '',
        params.note ?? '',
      );
      if (reply[0] !== 'ok') return err(refusal(reply[1]));
      const changed = await get(id);
      return changed ? ok(changed) : err(refusal('CASE_NOT_FOUND'));
    },

    async merge(into: string, from: string, actor: string): Promise<Result<Case, DomainError>> {
      const reply = await redis.mergeCases(`case:${into}`, `case:${from}`, CASE_EVENTS_STREAM, into, from, actor, String(now()), randomUUID(), randomUUID());
      if (reply[0] !== 'ok') return err(refusal(reply[1]));
      const kept = await get(into);
      return kept ? ok(kept) : err(refusal('CASE_NOT_FOUND'));
    },

    /** The payments whose settlement the case holds, by id. */
    heldSettlements: async (id: string): Promise<string[]> => (await redis.smembers(caseHeldKey(id))).sort(),

    /** An officer releases held settlements of a case: those named (each held in it), or all it holds. */
    async releaseSettlements(id: string, paymentIds: readonly string[], actor: string, note: string): Promise<Result<string[], DomainError>> {
      const reply = await redis.releaseSettlements(`case:${id}`, CASE_EVENTS_STREAM, actor, String(now()), randomUUID(), id, note, ...paymentIds);
      if (reply[0] !== 'ok') return err(refusal(reply[1], reply[2]));
      return ok(reply.slice(1));
    },

    /** The alert ids of a case. */
    alertIds: (id: string): Promise<string[]> => redis.smembers(`case:${id}:alerts`),

    /** The case an alert is in, if any. */
    caseOfAlert: async (alertId: string): Promise<string | undefined> => (await redis.get(`alertcase:${alertId}`)) ?? undefined,

    /** Everything that happened to a case, oldest first (at most the last 10,000 events). */
    async timeline(id: string): Promise<CaseEvent[]> {
      const raw = await redis.lrange(`case:${id}:timeline`, -TIMELINE_MAX, -1);
      return raw.map((line) => {
        const e = JSON.parse(line) as CaseEvent;
        // cjson writes an empty table as {}; a list of ids as an object when empty too.
        return { ...e, details: e.details && typeof e.details === 'object' ? e.details : {} };
      });
    },

    /** Cases, newest first. */
    async list(filter: CaseFilter = {}): Promise<Case[]> {
      const limit = Math.min(filter.limit ?? 200, 1000);
      const ids = await redis.zrevrange(INDEX, 0, 4999);
      const cases: Case[] = [];
      for (const id of ids) {
        const c = await get(id);
        if (!c) continue;
        if (filter.state && c.state !== filter.state) continue;
        if (filter.queue && c.queue !== filter.queue) continue;
        if (filter.assignee !== undefined && c.assignee !== filter.assignee) continue;
        if (filter.subjectKind && c.subject.kind !== filter.subjectKind) continue;
        if (filter.subjectId && c.subject.id !== filter.subjectId) continue;
        cases.push(c);
        if (cases.length >= limit) break;
      }
      return cases;
    },
  };
}

export type CaseStore = ReturnType<typeof createCaseStore>;
