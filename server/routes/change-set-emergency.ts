import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { ChangeSet, ChangeSets } from '../../rules/change-sets.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';

const ChangeSetView = Type.Object({}, { additionalProperties: true, description: 'A change set: see docs/rules.md, "Governance"' });
const IdParams = Type.Object({ id: Type.String({ pattern: '^cs_[a-f0-9]{24}$' }) });
const EmergencyBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why it cannot wait for a second officer' }) }, { additionalProperties: false });

/**
 * The emergency path (docs/rules.md, "Governance"): an admin makes a change set live at once,
 * alone; it is marked so, an alert says so until a second officer ratifies it, and a second,
 * critical one if that has not happened within 24 hours. Changes through the direct rule
 * routes are recorded the same way. Ratifying is an approval after the fact: by an officer
 * who is neither the set's author nor who made it live.
 */
export default async function emergencyChangeRoutes(
  app: FastifyInstance,
  options: { changeSets: ChangeSets; audit: AuditLog; /** Raises its alert and queues the overdue check. */ unratified(set: ChangeSet): Promise<void> },
) {
  const { changeSets, audit } = options;
  const base = { tags: ['rules'], security: [{ operatorToken: [] }] };
  const record = (actor: { username: string; role: string }, action: string, target: string, outcome: 'ok' | 'denied', details: Record<string, unknown>) =>
    audit.record({ actor: actor.username, actorRole: actor.role, action, target, outcome, details });

  app.get('/v1/change-sets/awaiting-ratification', {
    preValidation: app.requireRole('risk_officer', 'compliance', 'admin'),
    schema: { ...base, summary: 'Change sets live without a second approval (emergencies, direct rule changes), newest first', response: { 200: Type.Object({ changeSets: Type.Array(ChangeSetView) }), ...errorResponses } },
  }, async () => ({ changeSets: await changeSets.list({ awaitingRatification: true }) }));

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof EmergencyBody> }>('/v1/change-sets/:id/emergency', {
    preValidation: app.requireRole('admin'),
    schema: {
      ...base,
      summary: 'Make a change set live at once without a second officer (admins): marked as an emergency, to be ratified within 24 hours, alerted until then',
      params: IdParams,
      body: EmergencyBody,
      response: { 200: ChangeSetView, ...errorResponses },
    },
  }, async (request, reply) => {
    const op = request.operator!;
    const live = await changeSets.emergency(request.params.id, op.username, request.body.reason);
    await record(op, 'changeset.emergency', request.params.id, live.ok ? 'ok' : 'denied', live.ok ? { reason: request.body.reason, ruleSetVersion: live.value.ruleSetVersion } : { code: live.error.code });
    if (!live.ok) return sendError(reply, live.error);
    await options.unratified(live.value).catch((e: unknown) => request.log.error({ changeSet: live.value.id, err: (e as Error).message }, 'unratified change alert not raised'));
    return live.value;
  });

  app.post<{ Params: Static<typeof IdParams> }>('/v1/change-sets/:id/ratify', {
    preValidation: app.requireRole('risk_officer', 'admin'),
    schema: { ...base, summary: 'Approve after the fact a set live without a second officer (neither its author nor who made it live)', params: IdParams, response: { 200: ChangeSetView, ...errorResponses } },
  }, async (request, reply) => {
    const op = request.operator!;
    const ratified = await changeSets.ratify(request.params.id, op.username);
    await record(op, 'changeset.ratify', request.params.id, ratified.ok ? 'ok' : 'denied', ratified.ok ? {} : { code: ratified.error.code });
    if (!ratified.ok) return sendError(reply, ratified.error);
    return ratified.value;
  });
}
