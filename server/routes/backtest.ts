import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import { BACKTEST_JOB_KIND, startBacktestJobs, type BacktestJobs } from '../../analytics/backtest/backtest-jobs.ts';
import { checkCandidates, MAX_CANDIDATE_RULES } from '../../analytics/backtest/candidate-rules.ts';
import { openReportJobReader, REPORT_JOB_KIND } from '../../analytics/reports/schedules/report-jobs.ts';
import type { RuleStore, Thresholds } from '../../rules/index.ts';
import type { Operator } from '../auth/sessions.ts';
import { errorResponses } from '../schemas/common.ts';
import { ReportRunResultSchema } from './report-schedules.ts';

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

const BacktestResultSchema = Type.Object({
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

const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.String({ description: 'waiting, active, completed, failed, delayed, ...' }),
  progress: Type.Object({
    processed: Type.Integer(),
    total: Type.Integer(),
    stage: Type.Optional(Type.String({ description: 'report jobs: resolving, querying, writing, done' })),
    rows: Type.Optional(Type.Integer()),
    bytes: Type.Optional(Type.Integer()),
  }),
  createdAt: Type.String(),
  finishedAt: Type.Optional(Type.String()),
  result: Type.Optional(Type.Union([BacktestResultSchema, ReportRunResultSchema])),
  error: Type.Optional(Type.String()),
});

const JobParams = Type.Object({ jobId: Type.String({ pattern: '^[a-z]+-[0-9a-f-]{36}$' }) });

/**
 * Who may see each kind of job: anyone else gets the same 404 as for an unknown id. A Map:
 * the kind comes from the URL, and `constructor` must name no kind.
 */
const JOB_READERS = new Map<string, ReadonlyArray<Operator['role']>>([
  [BACKTEST_JOB_KIND, ['risk_officer', 'admin']],
  [REPORT_JOB_KIND, ['compliance', 'risk_officer', 'admin']],
]);

function fail(reply: FastifyReply, status: number, code: string, message: string, path?: string) {
  return reply.code(status).send({ error: { code, message, ...(path !== undefined ? { path } : {}) } });
}

export interface BacktestRouteOptions {
  redisUrl: string;
  clickhouse: ClickHouseClient;
  database: string;
  store: RuleStore;
  audit: AuditLog;
  thresholds: Thresholds;
  cnyPerUsd: number;
  /** Run the backtest worker in this process (default true). */
  worker?: boolean;
}

/**
 * Backtests (CONTRACT.md): replay a window of transactions through candidate rules in a
 * BullMQ job, and the jobs route. The queue and its worker live as long as the app: they
 * are closed on the app's close, before the platform closes Redis and ClickHouse.
 */
export default async function backtestRoutes(app: FastifyInstance, options: BacktestRouteOptions) {
  const jobs: BacktestJobs = startBacktestJobs({
    redisUrl: options.redisUrl,
    clickhouse: options.clickhouse,
    database: options.database,
    store: options.store,
    thresholds: options.thresholds,
    cnyPerUsd: options.cnyPerUsd,
    worker: options.worker ?? true,
    log: { warn: (o, m) => app.log.warn(o, m), error: (o, m) => app.log.error(o, m) },
  });
  app.addHook('onClose', async () => jobs.close());
  // Report jobs live in the scheduled reports' queue (analytics/reports/schedules/).
  const reportJobs = openReportJobReader(options.redisUrl, { warn: (o, m) => app.log.warn(o, m) });
  app.addHook('onClose', async () => reportJobs.close());

  const editors = app.requireRole('risk_officer', 'admin');
  const operators = app.requireRole('risk_officer', 'compliance', 'participant_analyst', 'admin');
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
    const op = request.operator!;
    const body = request.body;
    const from = Date.parse(body.from);
    const to = Date.parse(body.to);
    const warmupDays = body.warmupDays ?? MAX_WARMUP_DAYS;
    const details = { from: body.from, to: body.to, warmupDays, rules: body.rules.map((r) => (typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string' ? (r as { id: string }).id : null)) };
    const refuse = async (status: number, code: string, message: string, path?: string) => {
      await options.audit.record({ actor: op.username, actorRole: op.role, action: 'rules.backtest', target: '', outcome: 'denied', details: { ...details, code, ...(path ? { path } : {}) } });
      return fail(reply, status, code, message, path);
    };

    if (!(to > from)) return refuse(400, 'BACKTEST_WINDOW_INVALID', '`to` must be after `from`', '/to');
    if (to - from > MAX_WINDOW_DAYS * DAY_MS) {
      return refuse(400, 'BACKTEST_WINDOW_TOO_LONG', `a backtest covers at most ${MAX_WINDOW_DAYS} days`, '/to');
    }
    const candidates = checkCandidates(body.rules);
    if (!candidates.ok) return refuse(400, candidates.error.code, candidates.error.message, candidates.error.path);

    const running = await options.store.ruleSet();
    const jobId = await jobs.submit({
      from,
      to,
      warmupMs: warmupDays * DAY_MS,
      maxExamples: body.maxExamples ?? 20,
      base: { version: running.version, rules: running.rules.map(({ createdAt: _at, createdBy: _by, ...rule }) => rule) },
      candidates: candidates.value,
      requestedBy: op.username,
    });
    await options.audit.record({ actor: op.username, actorRole: op.role, action: 'rules.backtest', target: jobId, outcome: 'ok', details: { ...details, baseRuleSetVersion: running.version } });
    return reply.code(202).send({ jobId });
  });

  app.get<{ Params: Static<typeof JobParams> }>('/v1/jobs/:jobId', {
    preValidation: operators,
    schema: {
      ...base,
      tags: ['operator'],
      summary: 'A job: its state, progress and, once done, its result',
      params: JobParams,
      response: { 200: JobSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const { jobId } = request.params;
    const kind = jobId.slice(0, jobId.indexOf('-'));
    const readers = JOB_READERS.get(kind);
    const read = kind === REPORT_JOB_KIND ? reportJobs.get : jobs.get;
    const job = readers?.includes(request.operator!.role) ? await read(jobId) : undefined;
    if (!job) return fail(reply, 404, 'JOB_NOT_FOUND', `no job ${jobId}`);
    return job;
  });
}
