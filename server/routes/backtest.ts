import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { BacktestJobs } from '../../analytics/backtest/backtest-jobs.ts';
import { checkCandidates, MAX_CANDIDATE_RULES } from '../../analytics/backtest/candidate-rules.ts';
import type { RuleStore } from '../../rules/index.ts';
import type { ErrorCode } from '../../domain/error-codes.ts';
import { err, ok, type DomainError, type Result } from '../../domain/result.ts';
import type { Operator } from '../auth/sessions.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';

/** The longest window one backtest replays, and the longest warm-up before it. */
export const MAX_WINDOW_DAYS = 31;
export const MAX_WARMUP_DAYS = 30;
const DAY_MS = 24 * 3600_000;

const BacktestBody = Type.Object(
  {
    rules: Type.Array(Type.Unknown({ description: 'A rule in the format of docs/rules.md, checked as PUT /v1/rules/{id} checks it' }), {
      maxItems: MAX_CANDIDATE_RULES,
      description: 'Candidate rules: each replaces the running rule with its id, or is added; mode "off" takes the rule out',
    }),
    from: Type.String({ format: 'date-time', description: 'Start of the window (inclusive)' }),
    to: Type.String({ format: 'date-time', description: 'End of the window (exclusive)' }),
    warmupDays: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WARMUP_DAYS, description: 'History replayed before `from` to build velocity and profiles (default 30)' })),
    maxExamples: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Payment ids listed per finding (default 20)' })),
  },
  { additionalProperties: false },
);

const Counts = Type.Object({ approve: Type.Integer(), review: Type.Integer(), decline: Type.Integer() });
const Examples = Type.Object({ count: Type.Integer(), paymentIds: Type.Array(Type.String()) });
const DispositionCounts = Type.Object({ payments: Type.Integer(), liveFlagged: Type.Integer(), candidateFlagged: Type.Integer() });

/** The result of a backtest job, as GET /v1/jobs/{jobId} shows it. */
export const BacktestResultSchema = Type.Object({
  window: Type.Object({ from: Type.String(), to: Type.String() }),
  warmup: Type.Object({ from: Type.String(), rows: Type.Integer() }),
  baseRuleSetVersion: Type.String(),
  candidateRules: Type.Array(Type.Object({ id: Type.String(), version: Type.Integer(), mode: Type.String(), change: Type.String() })),
  messages: Type.Object({ total: Type.Integer(), payment: Type.Integer(), refund: Type.Integer(), reversal: Type.Integer() }),
  matrix: Type.Object({ approve: Counts, review: Counts, decline: Counts }, { description: 'matrix[live][candidate]' }),
  totals: Type.Object({ live: Counts, candidate: Counts }),
  changed: Examples,
  rules: Type.Array(Type.Object({ ruleId: Type.String(), live: Type.Integer(), liveShadow: Type.Integer(), candidate: Type.Integer(), candidateShadow: Type.Integer() })),
  dispositions: Type.Object({ fraud: DispositionCounts, legitimate: DispositionCounts, open: DispositionCounts }),
  wouldHaveCaught: Examples,
  wouldHaveMissed: Examples,
  wouldHaveWronglyStopped: Type.Object({ count: Type.Integer(), paymentIds: Type.Array(Type.String()), confirmedLegitimate: Type.Integer(), neverAlerted: Type.Integer() }),
  liveDegraded: Type.Integer(),
});

export interface BacktestRouteOptions {
  /** The backtests' queue (the jobs capability starts it and, where ClickHouse jobs run, its worker). */
  backtests: BacktestJobs;
  store: RuleStore;
  audit: AuditLog;
}

/**
 * Backtests (docs/api.md): replay a window of transactions through candidate rules in a
 * BullMQ job; GET /v1/jobs/{jobId} (routes/jobs.ts) shows its progress and result.
 */
export default async function backtestRoutes(app: FastifyInstance, options: BacktestRouteOptions) {
  const editors = app.requireRole('risk_officer', 'admin');
  const base = { security: [{ operatorToken: [] }] };

  app.post<{ Body: Static<typeof BacktestBody> }>('/v1/rules/backtest', {
    preValidation: editors,
    schema: {
      ...base,
      tags: ['rules'],
      summary: 'Replay a window of transactions through candidate rules (a job; poll GET /v1/jobs/{jobId})',
      body: BacktestBody,
      response: { 202: Type.Object({ jobId: Type.String() }), ...errorResponses },
    },
  }, async (request, reply) => {
    const queued = await enqueueBacktest(options, request.operator!, request.body);
    if (!queued.ok) return sendError(reply, queued.error);
    return reply.code(202).send({ jobId: queued.value });
  });
}

/** What a backtest is asked for: candidate rules and a window, as POST /v1/rules/backtest takes them. */
export type BacktestRequest = Static<typeof BacktestBody>;

/**
 * Checks a backtest's window and candidates, queues it against the running rule set and
 * audits it (`rules.backtest`, refused ones with their code): the job's id, or the refusal.
 * The route and the change sets' submission (which backtests a set over its window) share it.
 */
export async function enqueueBacktest(
  options: BacktestRouteOptions,
  op: Operator,
  body: BacktestRequest,
): Promise<Result<string, DomainError & { path?: string }>> {
  const from = Date.parse(body.from);
  const to = Date.parse(body.to);
  const warmupDays = body.warmupDays ?? MAX_WARMUP_DAYS;
  const details = { from: body.from, to: body.to, warmupDays, rules: body.rules.map((r) => (typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string' ? (r as { id: string }).id : null)) };
  const refuse = async (code: ErrorCode, message: string, path?: string) => {
    await options.audit.record({ actor: op.username, actorRole: op.role, action: 'rules.backtest', target: '', outcome: 'denied', details: { ...details, code, ...(path ? { path } : {}) } });
    return err({ code, message, ...(path !== undefined ? { path } : {}) });
  };

  if (!(to > from)) return refuse('BACKTEST_WINDOW_INVALID', '`to` must be after `from`', '/to');
  if (to - from > MAX_WINDOW_DAYS * DAY_MS) {
    return refuse('BACKTEST_WINDOW_TOO_LONG', `a backtest covers at most ${MAX_WINDOW_DAYS} days`, '/to');
  }
  const candidates = checkCandidates(body.rules);
  if (!candidates.ok) return refuse(candidates.error.code, candidates.error.message, candidates.error.path);

  const running = await options.store.ruleSet();
  const jobId = await options.backtests.submit({
    from,
    to,
    warmupMs: warmupDays * DAY_MS,
    maxExamples: body.maxExamples ?? 20,
    base: { version: running.version, rules: running.rules.map(({ createdAt: _at, createdBy: _by, ...rule }) => rule) },
    candidates: candidates.value,
    requestedBy: op.username,
  });
  await options.audit.record({ actor: op.username, actorRole: op.role, action: 'rules.backtest', target: jobId, outcome: 'ok', details: { ...details, baseRuleSetVersion: running.version } });
  return ok(jobId);
}
