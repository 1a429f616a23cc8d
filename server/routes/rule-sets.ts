import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { ComparisonJobData } from '../../analytics/backtest/backtest-jobs.ts';
import type { ErrorCode } from '../../domain/error-codes.ts';
import type { ChangeSets } from '../../rules/change-sets.ts';
import { MAX_PAGE, type RuleSetVersions } from '../../rules/rule-set-versions.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { MAX_WARMUP_DAYS, MAX_WINDOW_DAYS } from './backtest.ts';

const DAY_MS = 24 * 3600_000;
const MAX_EXAMPLES = 20;
const Version = Type.String({ pattern: '^rs-\\d{1,15}$', description: 'A rule-set version, `rs-N`' });
const VersionParams = Type.Object({ version: Version });
const ListQuery = Type.Object(
  {
    // A string: query strings are not coerced (server/app.ts).
    limit: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,2}$', description: `Versions in the page, at most ${MAX_PAGE} (default 20)` })),
    before: Type.Optional(Type.String({ pattern: '^rs-\\d{1,15}$', description: 'Versions older than this one (the `next` of the previous page)' })),
  },
  { additionalProperties: false },
);
const ThresholdsSchema = Type.Object({ review: Type.Integer(), decline: Type.Integer() });
const ChangeSetRef = Type.Object({
  id: Type.String(),
  title: Type.String(),
  author: Type.String(),
  approvedBy: Type.String(),
  approvedAt: Type.String(),
  evidence: Type.Object({}, { additionalProperties: true }),
});
const header = {
  version: Type.String(),
  live: Type.Boolean({ description: 'The version every node runs now' }),
  at: Type.String({ description: 'When it was made' }),
  by: Type.String({ description: 'What made it: `seed`, `rule <id>` or `mode <id>` (the direct rule routes), `change set <id>`' }),
  changeSet: Type.Optional(ChangeSetRef),
  thresholds: ThresholdsSchema,
};
const VersionSummary = Type.Object({ ...header, rules: Type.Integer({ description: 'How many rules it holds, whatever their mode' }) });
const VersionDetail = Type.Object({
  ...header,
  rules: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'Each rule at the version it had then (id, version, body, who wrote it), in the mode it ran in then' }),
});
const CompareBody = Type.Object(
  {
    a: Version,
    b: Version,
    from: Type.String({ format: 'date-time', description: 'Start of the window (inclusive)' }),
    to: Type.String({ format: 'date-time', description: 'End of the window (exclusive)' }),
    warmupDays: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WARMUP_DAYS, description: 'History replayed before `from` to build velocity and profiles (default 30)' })),
  },
  { additionalProperties: false },
);

const Counts = Type.Object({ approve: Type.Integer(), review: Type.Integer(), decline: Type.Integer() });
const Side = Type.Object({
  version: Type.String(),
  thresholds: ThresholdsSchema,
  recorded: Type.Integer({ description: 'Messages decided live under this version: their recorded decision kept on this side' }),
  recordedDegraded: Type.Integer(),
  rejectedRules: Type.Array(Type.String()),
});

/** The result of a comparison job, as GET /v1/jobs/{jobId} shows it. */
export const ComparisonResultSchema = Type.Object({
  window: Type.Object({ from: Type.String(), to: Type.String() }),
  warmup: Type.Object({ from: Type.String(), rows: Type.Integer() }),
  a: Side,
  b: Side,
  messages: Type.Object({ total: Type.Integer(), payment: Type.Integer(), refund: Type.Integer(), reversal: Type.Integer() }),
  otherVersions: Type.Integer({ description: 'Messages decided live under neither version: replayed on both sides' }),
  matrix: Type.Object({ approve: Counts, review: Counts, decline: Counts }, { description: 'matrix[a][b]' }),
  totals: Type.Object({ a: Counts, b: Counts }),
  changed: Type.Object({ count: Type.Integer(), paymentIds: Type.Array(Type.String()) }),
  rules: Type.Array(Type.Object({ ruleId: Type.String(), a: Type.Integer(), aShadow: Type.Integer(), b: Type.Integer(), bShadow: Type.Integer() })),
});

const base = { tags: ['rules'], security: [{ operatorToken: [] }] };

/**
 * Rule-set versions (docs/rules.md, "Rule-set versions"): what each recorded version was
 * and what made it, read by risk officers, compliance and admins; the rollback to one is a
 * change set drafted here and approved with four eyes like any other.
 */
export default async function ruleSetRoutes(app: FastifyInstance, options: { versions: RuleSetVersions; changeSets: ChangeSets; audit: AuditLog }) {
  const { versions, changeSets, audit } = options;
  const readers = app.requireRole('risk_officer', 'compliance', 'admin');
  const editors = app.requireRole('risk_officer', 'admin');

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/rule-sets',
    {
      preValidation: readers,
      schema: { ...base, summary: 'The recorded rule-set versions, newest first', querystring: ListQuery, response: { 200: Type.Object({ versions: Type.Array(VersionSummary), next: Type.Optional(Type.String()) }), ...errorResponses } },
    },
    async (request, reply) => {
      const limit = Number(request.query.limit ?? 20);
      if (limit > MAX_PAGE) return sendError(reply, { code: 'VALIDATION_FAILED', message: `querystring/limit: at most ${MAX_PAGE}`, path: '/limit' });
      return versions.list({ limit, ...(request.query.before ? { before: request.query.before } : {}) });
    },
  );

  app.get<{ Params: Static<typeof VersionParams> }>(
    '/v1/rule-sets/:version',
    { preValidation: readers, schema: { ...base, summary: 'One rule-set version in full: its rules as they were, its thresholds, what made it', params: VersionParams, response: { 200: VersionDetail, ...errorResponses } } },
    async (request, reply) => {
      const found = await versions.get(request.params.version);
      return found.ok ? found.value : sendError(reply, found.error);
    },
  );

  app.post<{ Params: Static<typeof VersionParams> }>(
    '/v1/rule-sets/:version/rollback',
    {
      preValidation: editors,
      schema: {
        ...base,
        summary: 'Draft the rollback to this version: the change set that makes the live rules what they were then, approved like any set',
        params: VersionParams,
        response: { 201: Type.Object({}, { additionalProperties: true, description: 'The drafted change set' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const op = request.operator!;
      const drafted = await changeSets.rollback(op.username, request.params.version);
      // Audited as the change-set route audits a rollback: one action whichever route drafted it.
      await audit.record({
        actor: op.username,
        actorRole: op.role,
        action: 'changeset.rollback',
        target: drafted.ok ? drafted.value.id : request.params.version,
        outcome: drafted.ok ? 'ok' : 'denied',
        details: drafted.ok ? { state: drafted.value.state, changes: drafted.value.changes.length, toVersion: request.params.version } : { code: drafted.error.code, toVersion: request.params.version },
      });
      return drafted.ok ? reply.code(201).send(drafted.value) : sendError(reply, drafted.error);
    },
  );
}

/**
 * `POST /v1/rule-sets/compare`: what two versions decide over a past window, as a job on the
 * backtests' queue (analytics/backtest/compare-versions.ts), read through GET /v1/jobs/{jobId}.
 * Served where the backtests are, the nodes reading ClickHouse.
 */
export async function ruleSetCompareRoutes(
  app: FastifyInstance,
  options: { versions: RuleSetVersions; comparisons: { submit(data: ComparisonJobData): Promise<string> }; audit: AuditLog },
) {
  const readers = app.requireRole('risk_officer', 'compliance', 'admin');

  app.post<{ Body: Static<typeof CompareBody> }>(
    '/v1/rule-sets/compare',
    {
      preValidation: readers,
      schema: {
        ...base,
        summary: 'Compare what two rule-set versions decide over a past window (a job; poll GET /v1/jobs/{jobId})',
        body: CompareBody,
        response: { 202: Type.Object({ jobId: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const op = request.operator!;
      const body = request.body;
      const from = Date.parse(body.from);
      const to = Date.parse(body.to);
      const warmupDays = body.warmupDays ?? MAX_WARMUP_DAYS;
      const details = { a: body.a, b: body.b, from: body.from, to: body.to, warmupDays };
      const refuse = async (code: ErrorCode, message: string, path?: string) => {
        await options.audit.record({ actor: op.username, actorRole: op.role, action: 'rulesets.compare', target: '', outcome: 'denied', details: { ...details, code } });
        return sendError(reply, { code, message, ...(path ? { path } : {}) });
      };

      if (!(to > from)) return refuse('BACKTEST_WINDOW_INVALID', '`to` must be after `from`', '/to');
      if (to - from > MAX_WINDOW_DAYS * DAY_MS) return refuse('BACKTEST_WINDOW_TOO_LONG', `a comparison covers at most ${MAX_WINDOW_DAYS} days, as a backtest does`, '/to');
      if (body.a === body.b) return refuse('VALIDATION_FAILED', '/b: compare two different versions', '/b');
      const a = await options.versions.runnable(body.a);
      if (!a.ok) return refuse(a.error.code, a.error.message, '/a');
      const b = await options.versions.runnable(body.b);
      if (!b.ok) return refuse(b.error.code, b.error.message, '/b');

      const jobId = await options.comparisons.submit({ from, to, warmupMs: warmupDays * DAY_MS, maxExamples: MAX_EXAMPLES, a: a.value, b: b.value, requestedBy: op.username });
      await options.audit.record({ actor: op.username, actorRole: op.role, action: 'rulesets.compare', target: jobId, outcome: 'ok', details });
      return reply.code(202).send({ jobId });
    },
  );
}
