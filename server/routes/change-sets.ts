import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import { err, ok, type DomainError, type Result } from '../../domain/result.ts';
import type { ChangeSet, ChangeSets } from '../../rules/change-sets.ts';
import type { RuleStore } from '../../rules/index.ts';
import type { Operator } from '../auth/sessions.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { enqueueBacktest, type BacktestRouteOptions } from './backtest.ts';

const ChangeSetView = Type.Object({}, { additionalProperties: true, description: 'A change set: see docs/rules.md, "Governance"' });
const IdParams = Type.Object({ id: Type.String({ pattern: '^cs_[a-f0-9]{24}$' }) });
const Title = Type.String({ minLength: 1, maxLength: 200 });
const Changes = Type.Array(Type.Object({}, { additionalProperties: true }), {
  minItems: 1,
  maxItems: 100,
  description: '{ "kind": "rule", "rule": {...} } (a new rule, or the next version of one) or { "kind": "mode", "ruleId", "mode" }',
});
const DraftBody = Type.Object({ title: Title, changes: Changes }, { additionalProperties: false });
const Instant = Type.String({ format: 'date-time' });
/** The longest shadow period: a week. */
export const MAX_SHADOW_HOURS = 168;
const SubmitBody = Type.Object(
  {
    backtestJobId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,80}$', description: 'The backtest the author ran on these rules (POST /v1/rules/backtest), for the approver to read' })),
    window: Type.Optional(
      Type.Object({ from: Instant, to: Instant }, { additionalProperties: false, description: 'Without `backtestJobId`: the platform backtests the changed rules over this window and attaches the job' }),
    ),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
    shadowHours: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_SHADOW_HOURS, description: 'A shadow period: the changed rules run live in shadow for this many hours (or until the set is approved, sent back or discarded), their hits counted (GET /v1/change-sets/{id}/shadow-hits)' }),
    ),
  },
  { additionalProperties: false },
);
const ApproveBody = Type.Object(
  { activateAt: Type.Optional(Type.String({ format: 'date-time', description: 'Go live at this time (in the future, within 90 days) instead of at once' })) },
  { additionalProperties: false },
);
/** The furthest ahead a change set may be scheduled. */
const MAX_SCHEDULE_MS = 90 * 86_400_000;
const RollbackBody = Type.Object({ toVersion: Type.String({ pattern: '^rs-\\d{1,15}$' }) }, { additionalProperties: false });
const ReturnBody = Type.Object({ comment: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false });
const ListQuery = Type.Object(
  { state: Type.Optional(Type.Union(['draft', 'submitted', 'returned', 'scheduled', 'applied', 'stale', 'discarded'].map((s) => Type.Literal(s)))) },
  { additionalProperties: false },
);

/**
 * Change sets (docs/rules.md, "Governance"): a risk officer drafts changes to the rules, submits
 * them with their evidence, and another risk officer or an admin approves them, which makes
 * them live at once on every node as one rule-set version, or sends them back. Every step is
 * audited; a participant's analyst and compliance see none of it but the reading.
 */
export default async function changeSetRoutes(
  app: FastifyInstance,
  options: {
    changeSets: ChangeSets;
    audit: AuditLog;
    /** Queues a scheduled set's activation at its time. */
    schedule(id: string, activateAt: number): Promise<void>;
    rules: RuleStore;
    /** The backtests' queue, where this process has one: a set submitted with a window is backtested on it. */
    backtests?: BacktestRouteOptions['backtests'];
    /** Queues the end of a set's shadow period at its time. */
    endTrialAt(id: string, until: number): Promise<void>;
  },
) {
  const { changeSets, audit } = options;
  const base = { tags: ['rules'], security: [{ operatorToken: [] }] };
  const readers = app.requireRole('risk_officer', 'compliance', 'admin');
  const editors = app.requireRole('risk_officer', 'admin');

  const answer = async (request: FastifyRequest, reply: FastifyReply, action: string, target: string, result: Result<ChangeSet, DomainError>, status = 200) => {
    const op = request.operator!;
    await audit.record({
      actor: op.username,
      actorRole: op.role,
      action: `changeset.${action}`,
      target: result.ok ? result.value.id : target,
      outcome: result.ok ? 'ok' : 'denied',
      details: result.ok ? { state: result.value.state, changes: result.value.changes.length, ...(result.value.ruleSetVersion ? { ruleSetVersion: result.value.ruleSetVersion } : {}) } : { code: result.error.code },
    });
    if (!result.ok) return sendError(reply, result.error);
    return reply.code(status).send(result.value);
  };

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/change-sets',
    { preValidation: readers, schema: { ...base, summary: 'Change sets, newest first', querystring: ListQuery, response: { 200: Type.Object({ changeSets: Type.Array(ChangeSetView) }), ...errorResponses } } },
    async (request) => ({ changeSets: await changeSets.list(request.query.state ? { state: request.query.state } : {}) }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/change-sets/:id',
    {
      preValidation: readers,
      schema: { ...base, summary: 'One change set, each change next to the live rule (its diff)', params: IdParams, response: { 200: Type.Object({ changeSet: ChangeSetView, diff: Type.Array(Type.Object({}, { additionalProperties: true })) }), ...errorResponses } },
    },
    async (request, reply) => {
      const set = await changeSets.get(request.params.id);
      if (!set) return sendError(reply, { code: 'CHANGE_SET_NOT_FOUND', message: 'no such change set' });
      return { changeSet: set, diff: await changeSets.diff(set) };
    },
  );

  app.post<{ Body: Static<typeof DraftBody> }>(
    '/v1/change-sets',
    { preValidation: editors, schema: { ...base, summary: 'Draft a change set', body: DraftBody, response: { 201: ChangeSetView, ...errorResponses } } },
    async (request, reply) => answer(request, reply, 'draft', '', await changeSets.create(request.operator!.username, request.body.title, request.body.changes), 201),
  );

  app.post<{ Body: Static<typeof RollbackBody> }>(
    '/v1/change-sets/rollback',
    {
      preValidation: editors,
      schema: { ...base, summary: 'Draft the rollback to an earlier rule-set version: the changes that make the live rules what they were then, approved like any set', body: RollbackBody, response: { 201: ChangeSetView, ...errorResponses } },
    },
    async (request, reply) => answer(request, reply, 'rollback', request.body.toVersion, await changeSets.rollback(request.operator!.username, request.body.toVersion), 201),
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof DraftBody> }>(
    '/v1/change-sets/:id',
    { preValidation: editors, schema: { ...base, summary: "Replace a draft's (or a set sent back) title and changes: its author only", params: IdParams, body: DraftBody, response: { 200: ChangeSetView, ...errorResponses } } },
    async (request, reply) => {
      if (!(await changeSets.get(request.params.id))) return answer(request, reply, 'edit', request.params.id, { ok: false, error: { code: 'CHANGE_SET_NOT_FOUND', message: 'no such change set' } });
      return answer(request, reply, 'edit', request.params.id, await changeSets.edit(request.params.id, request.operator!.username, request.body.title, request.body.changes));
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof SubmitBody> }>(
    '/v1/change-sets/:id/submit',
    { preValidation: editors, schema: { ...base, summary: 'Submit for approval by another officer, with its evidence', params: IdParams, body: SubmitBody, response: { 200: ChangeSetView, ...errorResponses } } },
    async (request, reply) => {
      const { id } = request.params;
      const op = request.operator!;
      const { shadowHours, ...body } = request.body ?? {};
      let submitted: Result<ChangeSet, DomainError> | undefined;
      if (body.window && !body.backtestJobId) {
        const set = await changeSets.get(id);
        // Only a submission the store would take runs a backtest; the store refuses the others itself.
        if (set && set.author === op.username && (set.state === 'draft' || set.state === 'returned')) {
          const evidence = await backtestEvidence(set, op, body.window);
          if (!evidence.ok) return answer(request, reply, 'submit', id, evidence);
          submitted = await changeSets.submit(id, op.username, { ...body, ...evidence.value });
        }
      }
      submitted ??= await changeSets.submit(id, op.username, body);
      if (submitted.ok && shadowHours !== undefined) {
        const trial = await changeSets.startTrial(id, shadowHours);
        if (trial) {
          await options.endTrialAt(id, trial.until);
          submitted = { ok: true, value: (await changeSets.get(id)) ?? submitted.value };
        }
      }
      return answer(request, reply, 'submit', id, submitted);
    },
  );

  /**
   * The backtest of a set's rule and mode changes over the window, queued as POST
   * /v1/rules/backtest queues one (same checks, same audit): a mode change replays the live
   * rule in that mode. A backtest replays rules only (with the configured thresholds and the
   * live lists), so a set without rule or mode changes needs none.
   */
  async function backtestEvidence(set: ChangeSet, op: Operator, window: { from: string; to: string }): Promise<Result<Record<string, unknown>, DomainError & { path?: string }>> {
    const candidates = (await changeSets.diff(set)).filter((d) => d.kind === 'rule' || d.kind === 'mode').map((d) => d.proposed);
    if (candidates.length === 0) return ok({ backtestSkipped: 'no rule or mode changes: a backtest replays rules, not thresholds or list entries' });
    if (!options.backtests) return err({ code: 'VALIDATION_FAILED', message: '/window: this node runs no backtests; run one (POST /v1/rules/backtest) and submit its backtestJobId' });
    const queued = await enqueueBacktest({ backtests: options.backtests, store: options.rules, audit }, op, { rules: candidates, from: window.from, to: window.to });
    // A window refused is the submission's `/window`; the rules were checked when drafted.
    if (!queued.ok) return err(queued.error.code.startsWith('BACKTEST_WINDOW') ? { ...queued.error, path: `/window${queued.error.path ?? ''}` } : { code: queued.error.code, message: queued.error.message });
    return ok({ backtestJobId: queued.value });
  }

  app.post<{ Params: Static<typeof IdParams>; Body: unknown }>(
    '/v1/change-sets/:id/approve',
    {
      preValidation: editors,
      schema: {
        ...base,
        summary: 'Approve (an officer other than its author): every change goes live as one rule-set version, at once or at `activateAt`',
        params: IdParams,
        // Optional: no body approves for at once; checked here, since a schema would demand one.
        description: `Body (optional): ${JSON.stringify(ApproveBody)}`,
        response: { 200: ChangeSetView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body ?? {};
      if (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some((k) => k !== 'activateAt') || ('activateAt' in body && typeof body.activateAt !== 'string')) {
        return sendError(reply, { code: 'VALIDATION_FAILED', message: 'body: nothing, or { "activateAt": "<date-time>" }' });
      }
      const activateAt = (body as { activateAt?: string }).activateAt;
      if (activateAt === undefined) return answer(request, reply, 'approve', id, await changeSets.approve(id, request.operator!.username));
      const at = Date.parse(activateAt);
      if (!(at > Date.now() && at <= Date.now() + MAX_SCHEDULE_MS)) {
        return sendError(reply, { code: 'VALIDATION_FAILED', message: '/activateAt: must be in the future, at most 90 days ahead' });
      }
      const scheduled = await changeSets.schedule(id, request.operator!.username, at);
      if (scheduled.ok) await options.schedule(id, at);
      return answer(request, reply, 'schedule', id, scheduled);
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ReturnBody> }>(
    '/v1/change-sets/:id/return',
    { preValidation: editors, schema: { ...base, summary: 'Send back to its author with a comment (an officer other than its author)', params: IdParams, body: ReturnBody, response: { 200: ChangeSetView, ...errorResponses } } },
    async (request, reply) => answer(request, reply, 'return', request.params.id, await changeSets.sendBack(request.params.id, request.operator!.username, request.body.comment)),
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/change-sets/:id/discard',
    { preValidation: editors, schema: { ...base, summary: 'Discard a change set not yet applied: its author only; its rules are free for another set', params: IdParams, response: { 200: ChangeSetView, ...errorResponses } } },
    async (request, reply) => answer(request, reply, 'discard', request.params.id, await changeSets.discard(request.params.id, request.operator!.username)),
  );
}
