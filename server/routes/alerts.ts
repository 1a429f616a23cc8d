import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { Alert } from '../../analytics/alerts/alert.ts';
import type { AlertStore } from '../../analytics/alerts/alert-store.ts';
import { sendError } from '../http-errors.ts';
import type { LiveFeed } from '../live/console-gateway.ts';
import { errorResponses } from '../schemas/common.ts';

const AlertSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  paymentId: Type.String(),
  lastPaymentId: Type.String(),
  participant: Type.String(),
  walletId: Type.String(),
  payerName: Type.String({ description: "The payer's name as the payment carried it; '' without one" }),
  merchantId: Type.String(),
  merchantName: Type.String(),
  ruleId: Type.String(),
  subjectKind: Type.String({ description: "What the alert is about: wallet, merchant, device or ip; '' for a monitor's alert about no merchant" }),
  subjectId: Type.String(),
  amountUsd: Type.String({ description: "The first payment's amount in US dollars; '' for a monitor's alert" }),
  score: Type.Integer(),
  decision: Type.String(),
  reasons: Type.Array(Type.Object({}, { additionalProperties: true })),
  severity: Type.String(),
  status: Type.String(),
  count: Type.Integer(),
  assignee: Type.String(),
  disposition: Type.String(),
  note: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('assigned'), Type.Literal('resolved')])),
    severity: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')])),
    participant: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,62}$' })),
    rule: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,2}$' })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: '^alt_[A-Za-z0-9_-]{10,40}$' }) });
const AssignBody = Type.Object({ to: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,62}$' }) }, { additionalProperties: false });
const ResolveBody = Type.Object(
  { disposition: Type.Union([Type.Literal('fraud'), Type.Literal('legitimate')]), note: Type.String({ maxLength: 2000 }) },
  { additionalProperties: false },
);

/** Alerts REST (docs/api.md). A participant analyst sees its own participant's alerts only. */
export default async function alertRoutes(app: FastifyInstance, options: AlertRouteOptions) {
  const base = { tags: ['operator'], security: [{ operatorToken: [] }] };
  alertReadRoutes(app, options, base);
  alertActionRoutes(app, options, base);
}

interface AlertRouteOptions {
  alerts: AlertStore;
  live: LiveFeed;
  audit: AuditLog;
  usernames: Set<string>;
}

/** The participant a caller is confined to, or a 403 when it asks for another. */
function scope(request: FastifyRequest, reply: FastifyReply, asked?: string): { participant?: string } | undefined {
  const op = request.operator!;
  if (op.role !== 'participant_analyst') return { participant: asked };
  if (asked && asked !== op.participant) {
    sendError(reply, { code: 'FORBIDDEN_PARTICIPANT', message: 'you may only see your own participant' });
    return undefined;
  }
  return { participant: op.participant };
}

const visible = (request: FastifyRequest, alert: Alert | undefined) =>
  alert && (request.operator!.role !== 'participant_analyst' || alert.participant === request.operator!.participant);

/** Listing and reading alerts: every operator role, an analyst within its participant. */
function alertReadRoutes(app: FastifyInstance, options: AlertRouteOptions, base: object): void {
  const readers = app.requireRole('risk_officer', 'compliance', 'participant_analyst', 'admin');
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/alerts',
    { preValidation: readers, schema: { ...base, summary: 'Alerts, newest first', querystring: ListQuery, response: { 200: Type.Object({ alerts: Type.Array(AlertSchema) }), ...errorResponses } } },
    async (request, reply) => {
      const q = request.query;
      const scoped = scope(request, reply, q.participant);
      if (!scoped) return reply;
      const alerts = await options.alerts.list({
        status: q.status,
        severity: q.severity,
        participant: scoped.participant,
        rule: q.rule,
        from: q.from ? Date.parse(q.from) : undefined,
        to: q.to ? Date.parse(q.to) : undefined,
        limit: q.limit ? Number(q.limit) : undefined,
      });
      return { alerts };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/alerts/:id',
    { preValidation: readers, schema: { ...base, summary: 'One alert', params: IdParams, response: { 200: AlertSchema, ...errorResponses } } },
    async (request, reply) => {
      const alert = await options.alerts.get(request.params.id);
      if (!visible(request, alert)) return sendError(reply, { code: 'ALERT_NOT_FOUND', message: 'no such alert' });
      return alert;
    },
  );
}

/** Acknowledging, assigning and resolving: risk officers and admins, each audited and pushed to the consoles. */
function alertActionRoutes(app: FastifyInstance, options: AlertRouteOptions, base: object): void {
  const workers = app.requireRole('risk_officer', 'admin');
  const action = async (
    request: FastifyRequest<{ Params: Static<typeof IdParams> }>,
    reply: FastifyReply,
    kind: 'ack' | 'assign' | 'resolve',
    params: { to?: string; disposition?: 'fraud' | 'legitimate'; note?: string },
  ) => {
    const op = request.operator!;
    if (kind === 'assign' && params.to && !options.usernames.has(params.to)) {
      return sendError(reply, { code: 'UNKNOWN_ASSIGNEE', message: `no operator named ${params.to}` });
    }
    const result = await options.alerts.act(request.params.id, kind, op.username, params);
    await options.audit.record({
      actor: op.username,
      actorRole: op.role,
      action: `alert.${kind}`,
      target: request.params.id,
      outcome: result.ok ? 'ok' : 'denied',
      details: result.ok ? params : { ...params, code: result.error.code },
    });
    if (!result.ok) return sendError(reply, result.error);
    options.live.alert('updated', result.value);
    return result.value;
  };

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/alerts/:id/ack',
    { preValidation: workers, schema: { ...base, summary: 'Acknowledge an alert', params: IdParams, response: { 200: AlertSchema, ...errorResponses } } },
    (request, reply) => action(request, reply, 'ack', {}),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof AssignBody> }>(
    '/v1/alerts/:id/assign',
    { preValidation: workers, schema: { ...base, summary: 'Assign an alert to an operator', params: IdParams, body: AssignBody, response: { 200: AlertSchema, ...errorResponses } } },
    (request, reply) => action(request, reply, 'assign', { to: request.body.to }),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ResolveBody> }>(
    '/v1/alerts/:id/resolve',
    { preValidation: workers, schema: { ...base, summary: 'Resolve an alert as fraud or legitimate', params: IdParams, body: ResolveBody, response: { 200: AlertSchema, ...errorResponses } } },
    (request, reply) => action(request, reply, 'resolve', { disposition: request.body.disposition, note: request.body.note }),
  );
}
