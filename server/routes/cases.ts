import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Alert, Disposition } from '../../analytics/alerts/alert.ts';
import type { AlertStore } from '../../analytics/alerts/alert-store.ts';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { Case, CaseOutcome } from '../../cases/case.ts';
import type { AlertForCase, CaseAction, CaseStore } from '../../cases/case-store.ts';
import type { Subject } from '../../domain/subject.ts';
import type { DomainError, Result } from '../../domain/result.ts';
import { sendError } from '../http-errors.ts';
import type { LiveFeed } from '../live/console-gateway.ts';
import { errorResponses } from '../schemas/common.ts';

const SubjectSchema = Type.Object({ kind: Type.String(), id: Type.String(), participant: Type.String() });
const CaseSchema = Type.Object({
  id: Type.String(),
  subject: SubjectSchema,
  mergedSubjects: Type.Array(SubjectSchema),
  state: Type.String({ description: 'open, investigating, escalated, pending_approval or closed' }),
  outcome: Type.String({ description: "str_filed, no_suspicion or false_positive once closed; '' before (and for a case merged into another)" }),
  queue: Type.String({ description: 'risk, compliance or escalations' }),
  priority: Type.String({ description: 'P1 (critical, or USD 10,000 and more) to P4' }),
  severity: Type.String(),
  amountUsd: Type.String({ description: 'US dollars of the payments of its alerts' }),
  alertCount: Type.Integer(),
  paymentCount: Type.Integer(),
  assignee: Type.String(),
  openedBy: Type.String(),
  openedBecause: Type.String({ description: 'decline, rule, severity, alerts_in_window (the policy), settlement_held (a held payment opens its case whatever the policy) or officer' }),
  mergedInto: Type.String(),
  closedBy: Type.String(),
  closingNote: Type.String(),
  openedAt: Type.String(),
  updatedAt: Type.String(),
  closedAt: Type.String(),
  slaWarnAt: Type.String({ description: 'When its SLA clock warns (the start of the last working day before the deadline)' }),
  slaDeadlineAt: Type.String({ description: 'Its deadline: working days of the configured calendar after it opened' }),
  slaWarnedAt: Type.String({ description: "When it warned; '' not yet" }),
  slaEscalatedAt: Type.String({ description: "When its deadline passed and it was escalated; '' not yet" }),
});
const CaseWithAlerts = Type.Intersect([
  CaseSchema,
  Type.Object({
    alertIds: Type.Array(Type.String()),
    heldSettlements: Type.Array(Type.String(), { description: 'Payments approved for the payer whose settlement this case holds: released by closing it as no_suspicion or false_positive, or by an officer' }),
  }),
]);
const EventSchema = Type.Object({
  eventId: Type.String(),
  caseId: Type.String(),
  at: Type.Number(),
  kind: Type.String(),
  actor: Type.String(),
  state: Type.String(),
  assignee: Type.String(),
  outcome: Type.String(),
  subjectKind: Type.String(),
  subjectId: Type.String(),
  details: Type.Object({}, { additionalProperties: true }),
});

const Username = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,62}$' });
const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(['open', 'investigating', 'escalated', 'pending_approval', 'closed'].map((s) => Type.Literal(s)))),
    queue: Type.Optional(Type.Union(['risk', 'compliance', 'escalations'].map((q) => Type.Literal(q)))),
    assignee: Type.Optional(Type.Union([Username, Type.Literal('')])),
    subjectKind: Type.Optional(Type.Union(['wallet', 'merchant', 'device', 'ip'].map((k) => Type.Literal(k)))),
    subjectId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    limit: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,2}$' })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: '^case_[a-f0-9]{24}$' }) });
const AlertId = Type.String({ pattern: '^alt_[A-Za-z0-9_-]{10,40}$' });
const OpenBody = Type.Object({ alertIds: Type.Array(AlertId, { minItems: 1, maxItems: 100, uniqueItems: true }) }, { additionalProperties: false });
const AssignBody = Type.Object({ to: Username }, { additionalProperties: false });
const NoteBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false });
const EscalateBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
const CloseBody = Type.Object(
  { outcome: Type.Union([Type.Literal('str_filed'), Type.Literal('no_suspicion'), Type.Literal('false_positive')]), note: Type.String({ minLength: 1, maxLength: 10_000 }) },
  { additionalProperties: false },
);
const MergeBody = Type.Object({ from: Type.String({ pattern: '^case_[a-f0-9]{24}$' }) }, { additionalProperties: false });
const ReleaseBody = Type.Object(
  {
    paymentIds: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z]{3}_[A-Za-z0-9_-]{10,40}$' }), { minItems: 1, maxItems: 1000, uniqueItems: true, description: 'Payments to release; all the case holds when absent' })),
    note: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

/** What closing a case tells its alerts: a filed report is fraud, the other outcomes legitimate. */
const DISPOSITION_OF: Readonly<Record<CaseOutcome, Disposition>> = { str_filed: 'fraud', no_suspicion: 'legitimate', false_positive: 'legitimate' };

interface CaseRouteOptions {
  cases: CaseStore;
  alerts: AlertStore;
  live: LiveFeed;
  audit: AuditLog;
  usernames: Set<string>;
}

/** The subject an alert is about; alerts raised before subjects were kept are about their payer's wallet. */
export function alertForCase(alert: Alert): AlertForCase {
  const subject: Subject = alert.subjectKind
    ? { kind: alert.subjectKind, id: alert.subjectId, participant: alert.participant }
    : { kind: 'wallet', id: alert.walletId, participant: alert.participant };
  return { alertId: alert.id, subject, severity: alert.severity, amountUsd: alert.amountUsd, paymentId: alert.paymentId, decision: alert.decision, ruleIds: [alert.ruleId], newAlert: true };
}

/**
 * Cases REST (docs/cases.md): risk officers, compliance and admins; a participant's analyst
 * sees nothing of cases. Every change is audited and pushed to the case workers' consoles.
 */
export default async function caseRoutes(app: FastifyInstance, options: CaseRouteOptions) {
  const base = { tags: ['operator'], security: [{ operatorToken: [] }] };
  const workers = app.requireRole('risk_officer', 'compliance', 'admin');

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/cases',
    { preValidation: workers, schema: { ...base, summary: 'Cases, newest first', querystring: ListQuery, response: { 200: Type.Object({ cases: Type.Array(CaseSchema) }), ...errorResponses } } },
    async (request) => {
      const q = request.query;
      return { cases: await options.cases.list({ ...q, limit: q.limit ? Number(q.limit) : undefined }) };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/cases/:id',
    { preValidation: workers, schema: { ...base, summary: 'One case, with its alert ids', params: IdParams, response: { 200: CaseWithAlerts, ...errorResponses } } },
    async (request, reply) => {
      const found = await options.cases.get(request.params.id);
      if (!found) return sendError(reply, { code: 'CASE_NOT_FOUND', message: 'no such case' });
      return { ...found, alertIds: (await options.cases.alertIds(found.id)).sort(), heldSettlements: await options.cases.heldSettlements(found.id) };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/cases/:id/timeline',
    { preValidation: workers, schema: { ...base, summary: 'Everything that happened to a case, oldest first', params: IdParams, response: { 200: Type.Object({ events: Type.Array(EventSchema) }), ...errorResponses } } },
    async (request, reply) => {
      if (!(await options.cases.get(request.params.id))) return sendError(reply, { code: 'CASE_NOT_FOUND', message: 'no such case' });
      return { events: await options.cases.timeline(request.params.id) };
    },
  );

  app.post<{ Body: Static<typeof OpenBody> }>(
    '/v1/cases',
    { preValidation: workers, schema: { ...base, summary: "Open a case from alerts, about the first one's subject", body: OpenBody, response: { 201: CaseSchema, ...errorResponses } } },
    async (request, reply) => {
      const op = request.operator!;
      const alerts: Alert[] = [];
      for (const id of request.body.alertIds) {
        const alert = await options.alerts.get(id);
        if (!alert) return sendError(reply, { code: 'ALERT_NOT_FOUND', message: `no such alert: ${id}` });
        alerts.push(alert);
      }
      const result = await options.cases.open(alerts.map(alertForCase), op.username);
      await audited(options, request, 'case.open', result.ok ? result.value.id : '', { alertIds: request.body.alertIds }, result);
      if (!result.ok) return sendError(reply, result.error);
      options.live.case('opened', result.value);
      return reply.code(201).send(result.value);
    },
  );

  const act = async (request: FastifyRequest<{ Params: Static<typeof IdParams> }>, reply: FastifyReply, action: CaseAction, params: { assignee?: string; outcome?: CaseOutcome; note?: string }) => {
    const op = request.operator!;
    const result: Result<Case, DomainError> =
      action === 'assign' && params.assignee && !options.usernames.has(params.assignee)
        ? { ok: false, error: { code: 'UNKNOWN_ASSIGNEE', message: `no operator named ${params.assignee}` } }
        : await options.cases.act(request.params.id, action, op.username, params);
    await audited(options, request, `case.${action}`, request.params.id, params, result);
    if (!result.ok) return sendError(reply, result.error);
    if (action === 'close' && params.outcome) await resolveAlerts(options, result.value, op.username, DISPOSITION_OF[params.outcome], params.note ?? '');
    options.live.case('updated', result.value);
    return result.value;
  };

  const route = <B extends object>(path: string, summary: string, body: B | undefined, action: CaseAction, paramsOf: (body: never) => { assignee?: string; outcome?: CaseOutcome; note?: string }) =>
    app.post<{ Params: Static<typeof IdParams> }>(
      `/v1/cases/:id/${path}`,
      { preValidation: workers, schema: { ...base, summary, params: IdParams, ...(body ? { body } : {}), response: { 200: CaseSchema, ...errorResponses } } },
      (request, reply) => act(request, reply, action, paramsOf(request.body as never)),
    );
  route('assign', 'Assign a case to an operator', AssignBody, 'assign', (b: Static<typeof AssignBody>) => ({ assignee: b.to }));
  route('start', 'Start investigating (an escalated case is taken back)', undefined, 'start', () => ({}));
  route('escalate', 'Escalate a case', EscalateBody, 'escalate', (b: Static<typeof EscalateBody>) => ({ note: b.reason }));
  route('notes', 'Add a note to the case', NoteBody, 'note', (b: Static<typeof NoteBody>) => ({ note: b.text }));
  route('close', 'Close a case with its outcome; its alerts are resolved with the matching disposition', CloseBody, 'close', (b: Static<typeof CloseBody>) => ({ outcome: b.outcome, note: b.note }));

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ReleaseBody> }>(
    '/v1/cases/:id/settlement-release',
    {
      preValidation: workers,
      schema: {
        ...base,
        summary: "Release settlements the case holds (all, or those named), in any state: a case closed with an STR filed keeps its payments held until this",
        params: IdParams,
        body: ReleaseBody,
        response: { 200: Type.Object({ released: Type.Array(Type.String()), heldSettlements: Type.Array(Type.String()) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const op = request.operator!;
      const { paymentIds = [], note } = request.body;
      const result = await options.cases.releaseSettlements(request.params.id, paymentIds, op.username, note);
      await options.audit.record({
        actor: op.username,
        actorRole: op.role,
        action: 'case.settlement.release',
        target: request.params.id,
        outcome: result.ok ? 'ok' : 'denied',
        details: result.ok ? { released: result.value, note } : { paymentIds, code: result.error.code },
      });
      if (!result.ok) return sendError(reply, result.error);
      const changed = await options.cases.get(request.params.id);
      if (changed) options.live.case('updated', changed);
      return { released: result.value, heldSettlements: await options.cases.heldSettlements(request.params.id) };
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof MergeBody> }>(
    '/v1/cases/:id/merge',
    { preValidation: workers, schema: { ...base, summary: 'Merge another case into this one', params: IdParams, body: MergeBody, response: { 200: CaseSchema, ...errorResponses } } },
    async (request, reply) => {
      const result = await options.cases.merge(request.params.id, request.body.from, request.operator!.username);
      await audited(options, request, 'case.merge', request.params.id, { from: request.body.from }, result);
      if (!result.ok) return sendError(reply, result.error);
      options.live.case('updated', result.value);
      return result.value;
    },
  );
}

async function audited(options: CaseRouteOptions, request: FastifyRequest, action: string, target: string, details: object, result: Result<Case, DomainError>) {
  const op = request.operator!;
  await options.audit.record({
    actor: op.username,
    actorRole: op.role,
    action,
    target,
    outcome: result.ok ? 'ok' : 'denied',
    details: result.ok ? details : { ...details, code: result.error.code },
  });
}

/** The closed case's alerts take its disposition; one already resolved keeps its own. */
async function resolveAlerts(options: CaseRouteOptions, closed: Case, actor: string, disposition: Disposition, note: string): Promise<void> {
  for (const id of await options.cases.alertIds(closed.id)) {
    const resolved = await options.alerts.act(id, 'resolve', actor, { disposition, note: `case ${closed.id} closed as ${closed.outcome}: ${note}`.slice(0, 2000) });
    if (resolved.ok) options.live.alert('updated', resolved.value);
  }
}
