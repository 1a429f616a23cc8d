import type { FastifyInstance, FastifyReply } from 'fastify';
import Type, { type Static } from 'typebox';
import type { CaseStore } from '../../cases/case-store.ts';
import type { Investigation, Subject as InvestigatedSubject } from '../../analytics/investigation/index.ts';
import { parseWindow, type Window } from '../../analytics/participant/window.ts';
import type { Subject } from '../../domain/subject.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';

const Params = Type.Object({ id: Type.String({ pattern: '^case_[a-f0-9]{24}$' }) });
const Query = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 30 days before `to`' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    /** The subject of one of the case's merged cases, `kind:id` (a wallet `wallet:participant:walletId`); default the case's own. */
    subject: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);
const NetworkQuery = Type.Object(
  {
    ...Query.properties,
    hops: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('2')])),
    maxNodes: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,3}$' })),
  },
  { additionalProperties: false },
);
const Answer = Type.Object({}, { additionalProperties: true });
const DAY_MS = 86_400_000;

const investigated = (s: Subject): InvestigatedSubject => (s.kind === 'wallet' ? { kind: 'wallet', id: s.id, participant: s.participant } : { kind: s.kind, id: s.id });
const keyOf = (s: Subject) => (s.kind === 'wallet' ? `wallet:${s.participant}:${s.id}` : `${s.kind}:${s.id}`);

/**
 * The investigation view of a case (docs/cases.md): its subject's history, counterparties
 * and network of shared use, from ClickHouse, over a chosen window (default the last 30
 * days, at most 93). Only a case's own subjects can be looked at, so the view is as scoped
 * as the case; risk officers, compliance and admins.
 */
export default async function caseInvestigationRoutes(app: FastifyInstance, options: { cases: CaseStore; investigation: Investigation }) {
  const base = { tags: ['operator'], security: [{ operatorToken: [] }] };
  const workers = app.requireRole('risk_officer', 'compliance', 'admin');

  async function scope(id: string, q: Static<typeof Query>, reply: FastifyReply): Promise<{ subject: InvestigatedSubject; window: Window } | undefined> {
    const found = await options.cases.get(id);
    if (!found) {
      sendError(reply, { code: 'CASE_NOT_FOUND', message: 'no such case' });
      return undefined;
    }
    const subjects = [found.subject, ...found.mergedSubjects];
    const subject = q.subject === undefined ? found.subject : subjects.find((s) => keyOf(s) === q.subject);
    if (!subject) {
      sendError(reply, { code: 'VALIDATION_FAILED', message: `subject: not one of the case's subjects (${subjects.map(keyOf).join(', ')})` });
      return undefined;
    }
    const to = q.to ?? new Date().toISOString();
    const from = q.from ?? new Date(Date.parse(to) - 30 * DAY_MS).toISOString();
    const window = parseWindow(from, to);
    if (!window.ok) {
      sendError(reply, window.error);
      return undefined;
    }
    return { subject: investigated(subject), window: window.value };
  }

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/v1/cases/:id/investigation/history',
    { preValidation: workers, schema: { ...base, summary: "The case subject's payments over a window: amounts by currency, corridor and day, declines, refunds", params: Params, querystring: Query, response: { 200: Answer, ...errorResponses } } },
    async (request, reply) => {
      const s = await scope(request.params.id, request.query, reply);
      return s ? options.investigation.history(s.subject, s.window) : reply;
    },
  );
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/v1/cases/:id/investigation/counterparties',
    { preValidation: workers, schema: { ...base, summary: "Whom the case's subject paid, or who paid it, or who used it", params: Params, querystring: Query, response: { 200: Answer, ...errorResponses } } },
    async (request, reply) => {
      const s = await scope(request.params.id, request.query, reply);
      return s ? options.investigation.counterparties(s.subject, s.window) : reply;
    },
  );
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof NetworkQuery> }>(
    '/v1/cases/:id/investigation/network',
    { preValidation: workers, schema: { ...base, summary: 'Wallets, devices, IPs and merchants linked to the subject by shared use, up to two hops, suspicious ones marked', params: Params, querystring: NetworkQuery, response: { 200: Answer, ...errorResponses } } },
    async (request, reply) => {
      const s = await scope(request.params.id, request.query, reply);
      if (!s) return reply;
      const q = request.query;
      return options.investigation.network(s.subject, s.window, { hops: q.hops === '1' ? 1 : 2, ...(q.maxNodes ? { maxNodes: Math.min(Number(q.maxNodes), 1000) } : {}) });
    },
  );
}
