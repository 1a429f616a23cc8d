import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { BACKTEST_JOB_KIND, COMPARISON_JOB_KIND } from '../../analytics/backtest/backtest-jobs.ts';
import type { JobView } from '../../analytics/jobs/job-view.ts';
import { REPORT_JOB_KIND } from '../../analytics/reports/schedules/report-jobs.ts';
import type { Operator } from '../auth/sessions.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { BacktestResultSchema } from './backtest.ts';
import { ReportRunResultSchema } from './report-schedules.ts';
import { ComparisonResultSchema } from './rule-sets.ts';

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
  result: Type.Optional(Type.Union([BacktestResultSchema, ReportRunResultSchema, ComparisonResultSchema])),
  error: Type.Optional(Type.String()),
});

const JobParams = Type.Object({ jobId: Type.String({ pattern: '^[a-z]+-[0-9a-f-]{36}$' }) });

/** Reads one job of a kind by its id; undefined when there is none. */
export type JobReader = (jobId: string) => Promise<JobView<string, unknown, unknown> | undefined>;

export interface JobRouteOptions {
  /** The readers of each kind's queue (the jobs capability's). */
  backtests: JobReader;
  reports: JobReader;
}

/**
 * GET /v1/jobs/{jobId}: the state, progress and result of a job an operator queued (a
 * backtest, a report run). The id starts with its kind, which says which queue holds it and
 * who may read it.
 */
export default async function jobRoutes(app: FastifyInstance, options: JobRouteOptions) {
  /**
   * Who may see each kind of job: anyone else gets the same 404 as for an unknown id. A Map:
   * the kind comes from the URL, and `constructor` must name no kind.
   */
  const kinds = new Map<string, { readers: ReadonlyArray<Operator['role']>; read: JobReader }>([
    [BACKTEST_JOB_KIND, { readers: ['risk_officer', 'admin'], read: options.backtests }],
    [REPORT_JOB_KIND, { readers: ['compliance', 'risk_officer', 'admin'], read: options.reports }],
    // Comparisons of rule-set versions run on the backtests' queue.
    [COMPARISON_JOB_KIND, { readers: ['risk_officer', 'compliance', 'admin'], read: options.backtests }],
  ]);
  const operators = app.requireRole('risk_officer', 'compliance', 'participant_analyst', 'admin');

  app.get<{ Params: Static<typeof JobParams> }>('/v1/jobs/:jobId', {
    preValidation: operators,
    schema: {
      security: [{ operatorToken: [] }],
      tags: ['operator'],
      summary: 'A job: its state, progress and, once done, its result',
      params: JobParams,
      response: { 200: JobSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const { jobId } = request.params;
    const kind = kinds.get(jobId.slice(0, jobId.indexOf('-')));
    const job = kind?.readers.includes(request.operator!.role) ? await kind.read(jobId) : undefined;
    if (!job) return sendError(reply, { code: 'JOB_NOT_FOUND', message: `no job ${jobId}` });
    return job;
  });
}
