import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AlertStore } from '../../analytics/alerts/alert-store.ts';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { CaseStore } from '../../cases/case-store.ts';
import type { Case, CaseQueue } from '../../cases/case.ts';
import { prefillStr, type ReportingInstitution, type StrSources } from '../../cases/str-prefill.ts';
import type { StoredStr, StrStore } from '../../cases/str-store.ts';
import { exportStr } from '../../cases/str/str-export.ts';
import type { DomainError, Result } from '../../domain/result.ts';
import type { RiskReason, TapEvent } from '../../domain/transaction.ts';
import type { RuleStore } from '../../rules/index.ts';
import { sendError } from '../http-errors.ts';
import type { LiveFeed } from '../live/console-gateway.ts';
import { errorResponses } from '../schemas/common.ts';

const StrSchema = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  state: Type.String({ description: 'draft, submitted, returned or approved' }),
  document: Type.Object({}, { additionalProperties: true, description: 'The STR (docs/str-format.md); approved, with its totals, approver and time' }),
  draftedBy: Type.String(),
  submittedBy: Type.String(),
  approvedBy: Type.String(),
  comment: Type.String({ description: 'Why it was sent back' }),
  filingReference: Type.String(),
  supersededBy: Type.String({ description: "The approved correction that replaces this version; '' while none does" }),
  updatedAt: Type.String(),
  problems: Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), { description: 'What keeps it from being submitted (a draft) or exported (approved)' }),
});

const CaseId = Type.String({ pattern: '^case_[a-f0-9]{24}$' });
const PaymentIds = Type.Array(Type.String({ pattern: '^pay_[A-Za-z0-9]{10,40}$' }), { minItems: 1, maxItems: 1000, uniqueItems: true });
const Text = (max: number) => Type.String({ maxLength: max });
const Instant = Type.String({ format: 'date-time' });
const Content = {
  paymentIds: Type.Optional(PaymentIds),
  narrative: Type.Optional(Text(20_000)),
  measuresTaken: Type.Optional(Text(5000)),
  typologies: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 }), { minItems: 1, maxItems: 50, uniqueItems: true })),
  subjectName: Type.Optional(Text(256)),
  suspicionConfirmedAt: Type.Optional(Instant),
};
const DraftBody = Type.Object({ caseId: CaseId, ...Content }, { additionalProperties: false });
const EditBody = Type.Object(Content, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ pattern: '^str_[a-f0-9]{26}$' }) });
const ReturnBody = Type.Object({ comment: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false });
const FilingBody = Type.Object({ reference: Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f]+$' }) }, { additionalProperties: false });
const ExportQuery = Type.Object({ format: Type.Union([Type.Literal('xml'), Type.Literal('json'), Type.Literal('html')]) }, { additionalProperties: false });

interface StrRouteOptions {
  strs: StrStore;
  cases: CaseStore;
  alerts: AlertStore;
  rules: Pick<RuleStore, 'list'>;
  /** A payment as the switch recorded it (Redis, then ClickHouse). */
  loadPayment: (paymentId: string) => Promise<{ record: TapEvent; status: string } | undefined>;
  institution: ReportingInstitution;
  live: LiveFeed;
  audit: AuditLog;
  /** A case entering a queue goes to the next officer of its rotation, never `exclude`. */
  rotate: (c: Case, queue: CaseQueue, exclude?: string) => Promise<Case>;
}

const CONTENT_TYPE = { xml: 'application/xml; charset=utf-8', json: 'application/json; charset=utf-8', html: 'text/html; charset=utf-8' } as const;

/**
 * Suspicious transaction reports (docs/cases.md): compliance drafts one from a case, a second
 * compliance officer approves it or sends it back (never its drafter: four eyes), and the
 * approved report is exported as XML validated against the shipped schema, JSON or a
 * printable page. Risk officers read them; a participant's analyst sees nothing.
 */
export default async function strRoutes(app: FastifyInstance, options: StrRouteOptions) {
  const base = { tags: ['operator'], security: [{ operatorToken: [] }] };
  const readers = app.requireRole('risk_officer', 'compliance', 'admin');
  const drafters = app.requireRole('compliance', 'admin');
  const approvers = app.requireRole('compliance');

  /** The draft's sources: the case, its alerts' reasons, the payments in scope (the alerts' by default). */
  async function sources(caseId: string, body: Static<typeof EditBody>): Promise<Result<Omit<StrSources, 'actor' | 'now'>, DomainError>> {
    const found = await options.cases.get(caseId);
    if (!found) return { ok: false, error: { code: 'CASE_NOT_FOUND', message: 'no such case' } };
    const reasons: RiskReason[] = [];
    const scope = new Set(body.paymentIds ?? []);
    for (const id of await options.cases.alertIds(caseId)) {
      const alert = await options.alerts.get(id);
      if (!alert) continue;
      reasons.push(...alert.reasons);
      if (!body.paymentIds) for (const p of [alert.paymentId, alert.lastPaymentId]) if (p) scope.add(p);
    }
    const payments = [];
    for (const id of scope) {
      const payment = await options.loadPayment(id);
      if (!payment) return { ok: false, error: { code: 'PAYMENT_NOT_FOUND', message: `no such payment: ${id}` } };
      payments.push(payment);
    }
    const typologies = new Map((await options.rules.list()).map((r) => [r.id, r.typology]));
    return {
      ok: true,
      value: {
        case: found,
        institution: options.institution,
        reasons,
        typologyOf: (ruleId: string) => typologies.get(ruleId),
        payments,
        narrative: body.narrative,
        measuresTaken: body.measuresTaken,
        subjectName: body.subjectName,
        suspicionConfirmedAt: body.suspicionConfirmedAt,
      },
    };
  }

  const answer = async (request: FastifyRequest, reply: FastifyReply, action: string, target: string, result: Result<StoredStr, DomainError>, status = 200) => {
    const op = request.operator!;
    await options.audit.record({ actor: op.username, actorRole: op.role, action: `str.${action}`, target: result.ok ? result.value.id : target, outcome: result.ok ? 'ok' : 'denied', details: result.ok ? { caseId: result.value.caseId, state: result.value.state } : { code: result.error.code } });
    if (!result.ok) return sendError(reply, result.error);
    let changed = await options.cases.get(result.value.caseId);
    // A submitted STR's case waits in the compliance queue: for its next officer, never the drafter.
    // A correction (version 2 and up) leaves its case where it is, usually closed.
    if (changed && action === 'submit' && result.value.document.version === 1) changed = await options.rotate(changed, 'compliance', result.value.draftedBy);
    if (changed) options.live.case('updated', changed);
    return reply.code(status).send(result.value);
  };

  app.post<{ Body: Static<typeof DraftBody> }>(
    '/v1/strs',
    { preValidation: drafters, schema: { ...base, summary: "Draft a case's STR, filled from the case", body: DraftBody, response: { 201: StrSchema, ...errorResponses } } },
    async (request, reply) => {
      const { caseId, ...content } = request.body;
      const from = await sources(caseId, content);
      if (!from.ok) return answer(request, reply, 'draft', caseId, from);
      const draft = prefillStr({ ...from.value, actor: request.operator!.username, now: Date.now() });
      return answer(request, reply, 'draft', caseId, await options.strs.draft(caseId, request.operator!.username, { ...draft, ...(content.typologies ? { typologies: content.typologies } : {}) }), 201);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/strs/:id',
    { preValidation: readers, schema: { ...base, summary: 'One STR, with what keeps it from the next step', params: IdParams, response: { 200: StrSchema, ...errorResponses } } },
    async (request, reply) => {
      const str = await options.strs.get(request.params.id);
      return str ?? sendError(reply, { code: 'STR_NOT_FOUND', message: 'no such STR' });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/cases/:id/strs',
    { preValidation: readers, schema: { ...base, summary: "A case's STRs, first drafted first", params: Type.Object({ id: CaseId }), response: { 200: Type.Object({ strs: Type.Array(StrSchema) }), ...errorResponses } } },
    async (request) => ({ strs: await options.strs.ofCase(request.params.id) }),
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof EditBody> }>(
    '/v1/strs/:id',
    { preValidation: drafters, schema: { ...base, summary: 'Edit a draft, or an STR sent back; payments named replace those in scope', params: IdParams, body: EditBody, response: { 200: StrSchema, ...errorResponses } } },
    async (request, reply) => {
      const current = await options.strs.get(request.params.id);
      if (!current) return sendError(reply, { code: 'STR_NOT_FOUND', message: 'no such STR' });
      const d = current.document;
      const body = request.body;
      let transactions = d.transactions;
      if (body.paymentIds) {
        const from = await sources(current.caseId, { paymentIds: body.paymentIds });
        if (!from.ok) return answer(request, reply, 'edit', current.id, from);
        transactions = prefillStr({ ...from.value, actor: d.draftedBy, now: Date.now() }).transactions;
      }
      const result = await options.strs.edit(current.id, request.operator!.username, {
        reportingInstitution: d.reportingInstitution,
        subject: body.subjectName === undefined ? d.subject : { ...d.subject, name: body.subjectName },
        transactions,
        typologies: body.typologies ?? d.typologies,
        reasons: d.reasons,
        narrative: body.narrative ?? d.narrative,
        measuresTaken: body.measuresTaken ?? d.measuresTaken,
        suspicionConfirmedAt: body.suspicionConfirmedAt ?? d.suspicionConfirmedAt,
      });
      return answer(request, reply, 'edit', current.id, result);
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/strs/:id/submit',
    { preValidation: drafters, schema: { ...base, summary: "Submit for a second officer's approval: the case waits in the compliance queue", params: IdParams, response: { 200: StrSchema, ...errorResponses } } },
    async (request, reply) => answer(request, reply, 'submit', request.params.id, await options.strs.submit(request.params.id, request.operator!.username)),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/strs/:id/approve',
    { preValidation: approvers, schema: { ...base, summary: 'Approve (a compliance officer other than its drafter)', params: IdParams, response: { 200: StrSchema, ...errorResponses } } },
    async (request, reply) => answer(request, reply, 'approve', request.params.id, await options.strs.approve(request.params.id, request.operator!.username)),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ReturnBody> }>(
    '/v1/strs/:id/return',
    { preValidation: approvers, schema: { ...base, summary: 'Send back to its drafter with a comment (a compliance officer other than its drafter)', params: IdParams, body: ReturnBody, response: { 200: StrSchema, ...errorResponses } } },
    async (request, reply) => answer(request, reply, 'return', request.params.id, await options.strs.sendBack(request.params.id, request.operator!.username, request.body.comment)),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/strs/:id/correct',
    {
      preValidation: drafters,
      schema: {
        ...base,
        summary: 'Draft the correction of an approved STR: a new version, linked to the first, edited and approved by a second officer like any STR; the approved one is never changed',
        params: IdParams,
        response: { 201: StrSchema, ...errorResponses },
      },
    },
    async (request, reply) => answer(request, reply, 'correct', request.params.id, await options.strs.correct(request.params.id, request.operator!.username), 201),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof FilingBody> }>(
    '/v1/strs/:id/filing',
    { preValidation: drafters, schema: { ...base, summary: "Record the regulator's filing reference of an approved STR, once", params: IdParams, body: FilingBody, response: { 200: StrSchema, ...errorResponses } } },
    async (request, reply) => answer(request, reply, 'file', request.params.id, await options.strs.file(request.params.id, request.operator!.username, request.body.reference)),
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ExportQuery> }>(
    '/v1/strs/:id/export',
    { preValidation: drafters, schema: { ...base, summary: 'An approved STR as XML (validated against str-1.0.xsd), JSON or a printable page', params: IdParams, querystring: ExportQuery, response: { ...errorResponses } } },
    async (request, reply) => {
      const str = await options.strs.get(request.params.id);
      if (!str) return sendError(reply, { code: 'STR_NOT_FOUND', message: 'no such STR' });
      if (str.state !== 'approved') return sendError(reply, { code: 'STR_ILLEGAL_TRANSITION', message: 'only an approved STR is exported' });
      const files = await exportStr(str.document as Parameters<typeof exportStr>[0]);
      const op = request.operator!;
      await options.audit.record({ actor: op.username, actorRole: op.role, action: 'str.export', target: str.id, outcome: files.ok ? 'ok' : 'denied', details: { format: request.query.format } });
      if (!files.ok) return sendError(reply, { code: 'STR_INVALID', message: files.error.slice(0, 20).map((p) => `${p.field}: ${p.message}`).join('; ') });
      const format = request.query.format;
      return reply
        .header('content-type', CONTENT_TYPE[format])
        .header('content-disposition', `attachment; filename="${str.id}.${format}"`)
        .send(files.value[format]);
    },
  );
}
