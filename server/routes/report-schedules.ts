import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditEntry, AuditLog } from '../../analytics/audit-log.ts';
import { createReportRunner } from '../../analytics/reports/run-report.ts';
import { CONTENT_TYPES, REPORT_FILE } from '../../analytics/reports/schedules/report-files.ts';
import { SCHEDULE_ID, type ScheduleErrorCode } from '../../analytics/reports/schedules/schedule.ts';
import { DEFAULT_RETENTION_DAYS, startScheduledReports } from '../../analytics/reports/schedules/scheduled-reports.ts';
import { errorResponses } from '../schemas/common.ts';

/** A scheduled run works in the background: it may take longer than one asked for over HTTP. */
export const SCHEDULED_RUN_SECONDS = 300;

const STATUS: Record<ScheduleErrorCode, number> = {
  SCHEDULE_ID_INVALID: 400,
  SCHEDULE_REPORT_UNKNOWN: 400,
  SCHEDULE_WINDOW_INVALID: 400,
  SCHEDULE_PARAMS_INVALID: 400,
  SCHEDULE_CRON_INVALID: 400,
  SCHEDULE_TIMEZONE_INVALID: 400,
};

const Format = Type.Enum(['csv', 'parquet', 'json']);

const ScheduleBody = Type.Object(
  {
    report: Type.String({ minLength: 1, maxLength: 100, description: 'A report of GET /v1/reports' }),
    params: Type.Object({}, {
      additionalProperties: true,
      description: 'The report\'s parameters without from/to, plus window: { "lastDays": N } (whole days before the run, in `timezone`) or { "lastHours": N }',
    }),
    format: Type.Optional(Type.Enum(['csv', 'parquet', 'json'], { default: 'csv' })),
    cron: Type.String({ minLength: 1, maxLength: 100, description: 'Five-field cron pattern (minute hour day-of-month month day-of-week), e.g. "0 6 * * *"' }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA time zone the cron pattern and the window\'s days are read in' })),
  },
  { additionalProperties: false },
);

const ScheduleSchema = Type.Object({
  id: Type.String(),
  report: Type.String(),
  params: Type.Object({}, { additionalProperties: true }),
  format: Format,
  cron: Type.String(),
  timezone: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedBy: Type.String(),
  updatedAt: Type.String(),
  nextRunAt: Type.Optional(Type.String({ description: 'When the job scheduler fires next' })),
});

const ReportFileSchema = Type.Object({
  scheduleId: Type.String(),
  file: Type.String(),
  report: Type.String(),
  format: Format,
  rows: Type.Integer(),
  bytes: Type.Integer(),
  elapsedMs: Type.Number(),
  params: Type.Object({}, { additionalProperties: true, description: 'The parameters the run used, window resolved to from/to' }),
  trigger: Type.String({ description: 'cron or manual' }),
  createdAt: Type.String(),
});

/** The result of a report job, as GET /v1/jobs/{jobId} shows it. */
export const ReportRunResultSchema = Type.Object({
  scheduleId: Type.String(),
  report: Type.String(),
  format: Type.String(),
  file: Type.String(),
  download: Type.String({ description: 'GET this path to download the file' }),
  rows: Type.Integer(),
  bytes: Type.Integer(),
  elapsedMs: Type.Number(),
  params: Type.Object({}, { additionalProperties: true }),
  createdAt: Type.String(),
});

const IdParams = Type.Object({ id: Type.String({ maxLength: 200, description: `Schedule id: ${SCHEDULE_ID.source}` }) });
const FileParams = Type.Object({
  scheduleId: Type.String({ maxLength: 200, description: `Schedule id: ${SCHEDULE_ID.source}` }),
  file: Type.String({ maxLength: 200, description: `File name as listed: ${REPORT_FILE.source}` }),
});
const FilesQuery = Type.Object({ scheduleId: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

export interface ReportScheduleRouteOptions {
  redisUrl: string;
  clickhouse: ClickHouseClient;
  database: string;
  cnyPerUsd: string;
  audit: AuditLog;
  dataDir: string;
  /** Days report files are kept (config `reports.retentionDays`, default 30). */
  retentionDays?: number;
  /** Run the worker (and retention) in this process (default true). */
  worker?: boolean;
}

function fail(reply: FastifyReply, status: number, code: string, message: string, path?: string) {
  return reply.code(status).send({ error: { code, message, ...(path !== undefined ? { path } : {}) } });
}

/** A caller's text, bounded, for an audit entry or a message. */
const shown = (s: string) => s.slice(0, 200);

/**
 * Scheduled reports: schedules (compliance and admins edit, risk officers read), run-now
 * jobs, and the files the runs wrote. Every change, run request and download is audited;
 * each run itself is audited by the worker as `scheduler:<id>`.
 */
export default async function reportScheduleRoutes(app: FastifyInstance, options: ReportScheduleRouteOptions) {
  const runner = createReportRunner({
    client: options.clickhouse,
    database: options.database,
    context: { cnyPerUsd: options.cnyPerUsd },
    maxExecutionSeconds: SCHEDULED_RUN_SECONDS,
  });
  const log = { info: (o: object, m: string) => app.log.info(o, m), warn: (o: object, m: string) => app.log.warn(o, m), error: (o: object, m: string) => app.log.error(o, m) };
  const scheduled = startScheduledReports({
    redisUrl: options.redisUrl,
    runner,
    dataDir: options.dataDir,
    retentionDays: options.retentionDays ?? DEFAULT_RETENTION_DAYS,
    audit: options.audit,
    worker: options.worker ?? true,
    log,
  });
  app.addHook('onClose', async () => scheduled.close());
  await scheduled.ready;

  const readers = app.requireRole('compliance', 'risk_officer', 'admin');
  const editors = app.requireRole('compliance', 'admin');
  const base = { tags: ['reports'], security: [{ operatorToken: [] }] };
  const audit = (request: FastifyRequest, action: string, target: string, outcome: AuditEntry['outcome'], details: Record<string, unknown>) =>
    options.audit.record({ actor: request.operator!.username, actorRole: request.operator!.role, action, target: shown(target), outcome, details });

  app.get('/v1/report-schedules', {
    preValidation: readers,
    schema: { ...base, summary: 'Every report schedule, with when it runs next', response: { 200: Type.Object({ schedules: Type.Array(ScheduleSchema) }), ...errorResponses } },
  }, async () => ({ schedules: await scheduled.list() }));

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof ScheduleBody> }>('/v1/report-schedules/:id', {
    preValidation: editors,
    schema: {
      ...base,
      summary: 'Create or replace a report schedule: checked as a run would be (report, parameters after resolving the window, cron, time zone)',
      params: IdParams,
      body: ScheduleBody,
      response: { 200: Type.Object({ schedule: ScheduleSchema }), 201: Type.Object({ schedule: ScheduleSchema }), ...errorResponses },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const body = request.body;
    if (!SCHEDULE_ID.test(id)) {
      await audit(request, 'report.schedule.put', `schedule:${id}`, 'denied', { error: 'SCHEDULE_ID_INVALID' });
      return fail(reply, 400, 'SCHEDULE_ID_INVALID', `a schedule id matches ${SCHEDULE_ID.source}`);
    }
    const put = await scheduled.put(id, { ...body, params: body.params as Record<string, unknown> }, request.operator!.username);
    if (!put.ok) {
      await audit(request, 'report.schedule.put', `schedule:${id}`, 'denied', { input: body, error: put.error.code, path: put.error.path });
      return fail(reply, STATUS[put.error.code], put.error.code, put.error.message, put.error.path);
    }
    const { schedule, created } = put.value;
    await audit(request, 'report.schedule.put', `schedule:${id}`, 'ok', { schedule, created });
    return reply.code(created ? 201 : 200).send({ schedule });
  });

  app.delete<{ Params: Static<typeof IdParams> }>('/v1/report-schedules/:id', {
    preValidation: editors,
    schema: {
      ...base,
      summary: 'Delete a report schedule and its job scheduler; files already written stay until retention removes them',
      params: IdParams,
      response: { 200: Type.Object({ deleted: ScheduleSchema }), ...errorResponses },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const removed = SCHEDULE_ID.test(id) ? await scheduled.remove(id) : undefined;
    if (!removed) {
      await audit(request, 'report.schedule.delete', `schedule:${id}`, 'denied', { error: 'SCHEDULE_NOT_FOUND' });
      return fail(reply, 404, 'SCHEDULE_NOT_FOUND', `no schedule ${shown(id)}`);
    }
    await audit(request, 'report.schedule.delete', `schedule:${id}`, 'ok', { schedule: removed });
    return { deleted: removed };
  });

  app.post<{ Params: Static<typeof IdParams> }>('/v1/report-schedules/:id/run', {
    preValidation: editors,
    schema: {
      ...base,
      summary: 'Run a schedule now (a job; poll GET /v1/jobs/{jobId}); its window is resolved at the time of the request',
      params: IdParams,
      response: { 202: Type.Object({ jobId: Type.String() }), ...errorResponses },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const queued = SCHEDULE_ID.test(id) ? await scheduled.runNow(id, request.operator!.username) : undefined;
    if (!queued?.ok) {
      await audit(request, 'report.schedule.run', `schedule:${id}`, 'denied', { error: 'SCHEDULE_NOT_FOUND' });
      return fail(reply, 404, 'SCHEDULE_NOT_FOUND', `no schedule ${shown(id)}`);
    }
    await audit(request, 'report.schedule.run', `schedule:${id}`, 'ok', { jobId: queued.value });
    return reply.code(202).send({ jobId: queued.value });
  });

  app.get<{ Querystring: Static<typeof FilesQuery> }>('/v1/report-files', {
    preValidation: readers,
    schema: {
      ...base,
      summary: 'Files written by scheduled runs, newest first',
      querystring: FilesQuery,
      response: { 200: Type.Object({ files: Type.Array(ReportFileSchema) }), ...errorResponses },
    },
  }, async (request, reply) => {
    const { scheduleId } = request.query;
    if (scheduleId !== undefined && !SCHEDULE_ID.test(scheduleId)) return fail(reply, 400, 'SCHEDULE_ID_INVALID', `a schedule id matches ${SCHEDULE_ID.source}`);
    return { files: await scheduled.files.list(scheduleId === undefined ? {} : { scheduleId }) };
  });

  app.get<{ Params: Static<typeof FileParams> }>('/v1/report-files/:scheduleId/:file', {
    preValidation: readers,
    schema: {
      ...base,
      summary: 'Download one file a scheduled run wrote, named exactly as GET /v1/report-files lists it',
      params: FileParams,
      response: {
        200: {
          description: 'The report file',
          content: {
            'text/csv': { schema: { type: 'string' } },
            'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } },
            'application/json': { schema: { type: 'string' } },
          },
        },
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const { scheduleId, file } = request.params;
    const target = `report-file:${scheduleId}/${file}`;
    const refuse = async (status: number, code: string, message: string) => {
      await audit(request, 'report.file.download', target, 'denied', { error: code });
      return fail(reply, status, code, message);
    };
    if (!SCHEDULE_ID.test(scheduleId)) return refuse(400, 'SCHEDULE_ID_INVALID', `a schedule id matches ${SCHEDULE_ID.source}`);
    if (!REPORT_FILE.test(file)) return refuse(400, 'REPORT_FILE_NAME_INVALID', `a report file name matches ${REPORT_FILE.source}`);
    const found = await scheduled.files.find(scheduleId, file);
    if (!found) return refuse(404, 'REPORT_FILE_NOT_FOUND', `no report file ${scheduleId}/${file}; GET /v1/report-files lists them`);
    // O_NOFOLLOW: the listed name must be the file itself, never a link to elsewhere.
    const handle = await open(found.path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (!handle) return refuse(404, 'REPORT_FILE_NOT_FOUND', `no report file ${scheduleId}/${file}`);
    let size: number;
    try {
      size = (await handle.stat()).size;
      await audit(request, 'report.file.download', target, 'ok', { report: found.entry.report, format: found.entry.format, rows: found.entry.rows, bytes: size });
    } catch (e) {
      await handle.close();
      throw e;
    }
    return reply
      .header('content-type', CONTENT_TYPES[found.entry.format])
      .header('content-length', size)
      .header('content-disposition', `attachment; filename="${found.entry.file}"`)
      .send(handle.createReadStream());
  });
}
