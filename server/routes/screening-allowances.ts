import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { ErrorCode } from '../../domain/error-codes.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { MAX_ALLOWANCE_DAYS, type Allowance, type Allowances } from '../screening/allowances.ts';

const AllowanceView = Type.Object({
  id: Type.String(),
  subject: Type.String(),
  entityId: Type.String(),
  reason: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  /** False once expired: kept for the record, no longer applied. */
  active: Type.Boolean(),
});
const AllowanceBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 200, description: 'payer:<participant>:<walletId> or merchant:<merchantId>' }),
    entityId: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,200}$', description: 'The list entity judged a false positive for this subject' }),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
    expiresAt: Type.String({ format: 'date-time', description: `At most ${MAX_ALLOWANCE_DAYS} days ahead` }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: '^alw_[a-f0-9]{20}$' }) });

const viewOf = (a: Allowance, now: number) => ({
  ...a,
  expiresAt: new Date(a.expiresAt).toISOString(),
  createdAt: new Date(a.createdAt).toISOString(),
  active: a.expiresAt > now,
});

/**
 * False-positive allowances of screening hits: an officer exempts one subject from one list
 * entity, with a reason, until an expiry. Every node applies them within a second; additions
 * and removals are audited by the store, refusals here.
 */
export default async function screeningAllowanceRoutes(app: FastifyInstance, options: { allowances: Allowances; audit?: AuditLog; now?: () => number }) {
  const { allowances } = options;
  const now = options.now ?? Date.now;
  const officers = app.requireRole('risk_officer', 'compliance', 'admin');
  const base = { tags: ['screening'], security: [{ operatorToken: [] }] };
  const refused = (operator: { username: string; role: string }, action: string, target: string, code: ErrorCode) =>
    options.audit
      ?.record({ actor: operator.username, actorRole: operator.role, action, target: target.slice(0, 200), outcome: 'denied', details: { code } })
      .catch((e: unknown) => app.log.error({ err: (e as Error).message }, 'audit write failed'));

  app.get('/v1/screening/allowances', {
    preValidation: officers,
    schema: { ...base, summary: 'Every false-positive allowance, the latest first, expired ones included', response: { 200: Type.Object({ allowances: Type.Array(AllowanceView) }), ...errorResponses } },
  }, async () => ({ allowances: (await allowances.list()).map((a) => viewOf(a, now())) }));

  app.post<{ Body: Static<typeof AllowanceBody> }>('/v1/screening/allowances', {
    preValidation: officers,
    schema: {
      ...base,
      summary: 'Marks a hit a false positive: this subject no longer hits this entity until the expiry',
      body: AllowanceBody,
      response: { 201: Type.Object({ allowance: AllowanceView }), ...errorResponses },
    },
  }, async (request, reply) => {
    const { subject, entityId, reason, expiresAt } = request.body;
    const added = await allowances.add({ subject, entityId, reason, expiresAt: Date.parse(expiresAt) }, request.operator!);
    if (!added.ok) {
      await refused(request.operator!, 'screening.allowance.add', `${subject} ${entityId}`, added.error.code);
      return sendError(reply, added.error);
    }
    return reply.code(201).send({ allowance: viewOf(added.value, now()) });
  });

  app.delete<{ Params: Static<typeof IdParams> }>('/v1/screening/allowances/:id', {
    preValidation: officers,
    schema: { ...base, summary: 'Removes an allowance: the entity hits the subject again', params: IdParams, response: { 200: Type.Object({ allowance: AllowanceView }), ...errorResponses } },
  }, async (request, reply) => {
    const removed = await allowances.remove(request.params.id, request.operator!);
    if (!removed.ok) return sendError(reply, removed.error);
    return { allowance: viewOf(removed.value, now()) };
  });
}
