import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditEntry, AuditLog } from '../../analytics/audit-log.ts';
import { CONTENT_TYPES, REPORT_FILE } from '../../analytics/reports/schedules/report-files.ts';
import { SCHEDULE_ID } from '../../analytics/reports/schedules/schedule.ts';
import type { ScheduledReports } from '../../analytics/reports/schedules/scheduled-reports.ts';
import type { ErrorCode } from '../../domain/error-codes.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';

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
  /** The schedules, their queue and their files (the jobs capability starts them). */
  scheduled: ScheduledReports;
  audit: AuditLog;
}

/** A caller's text, bounded, for an audit entry or a message. */
const shown = (s: string) => s.slice(0, 200);

/**
 * Scheduled reports: schedules (compliance and admins edit, risk officers read), run-now
 * jobs, and the files the runs wrote. Every change, run request and download is audited;
 * each run itself is audited by the worker as `scheduler:<id>`.
 */
export default async function reportScheduleRoutes(app: FastifyInstance, options: ReportScheduleRouteOptions) {
  const shared: Shared = {
    scheduled: options.scheduled,
    readers: app.requireRole('compliance', 'risk_officer', 'admin'),
    editors: app.requireRole('compliance', 'admin'),
    base: { tags: ['reports'], security: [{ operatorToken: [] }] },
    audit: (request, action, target, outcome, details) =>
      options.audit.record({ actor: request.operator!.username, actorRole: request.operator!.role, action, target: shown(target), outcome, details }),
  };
  scheduleRoutes(app, shared);
  reportFileRoutes(app, shared);
}

/** What the schedule routes and the file routes share. */
interface Shared {
  scheduled: ScheduledReports;
  readers: ReturnType<FastifyInstance['requireRole']>;
  editors: ReturnType<FastifyInstance['requireRole']>;
  base: { tags: string[]; security: Array<Record<string, never[]>> };
  audit(request: FastifyRequest, action: string, target: string, outcome: AuditEntry['outcome'], details: Record<string, unknown>): Promise<void>;
}

/** The schedules: list, create or replace, delete, run now. */
function scheduleRoutes(app: FastifyInstance, { scheduled, readers, editors, base, audit }: Shared): void {
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
      return sendError(reply, { code: 'SCHEDULE_ID_INVALID', message: `a schedule id matches ${SCHEDULE_ID.source}` });
    }
    const put = await scheduled.put(id, { ...body, params: body.params as Record<string, unknown> }, request.operator!.username);
    if (!put.ok) {
      await audit(request, 'report.schedule.put', `schedule:${id}`, 'denied', { input: body, error: put.error.code, path: put.error.path });
      return sendError(reply, put.error);
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
      return sendError(reply, { code: 'SCHEDULE_NOT_FOUND', message: `no schedule ${shown(id)}` });
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
      return sendError(reply, { code: 'SCHEDULE_NOT_FOUND', message: `no schedule ${shown(id)}` });
    }
    await audit(request, 'report.schedule.run', `schedule:${id}`, 'ok', { jobId: queued.value });
    return reply.code(202).send({ jobId: queued.value });
  });
}

/** The files the runs wrote: listed, and downloaded one at a time. */
function reportFileRoutes(app: FastifyInstance, { scheduled, readers, base, audit }: Shared): void {
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
    if (scheduleId !== undefined && !SCHEDULE_ID.test(scheduleId)) return sendError(reply, { code: 'SCHEDULE_ID_INVALID', message: `a schedule id matches ${SCHEDULE_ID.source}` });
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
    const refuse = async (code: ErrorCode, message: string) => {
      await audit(request, 'report.file.download', target, 'denied', { error: code });
      return sendError(reply, { code, message });
    };
    if (!SCHEDULE_ID.test(scheduleId)) return refuse('SCHEDULE_ID_INVALID', `a schedule id matches ${SCHEDULE_ID.source}`);
    if (!REPORT_FILE.test(file)) return refuse('REPORT_FILE_NAME_INVALID', `a report file name matches ${REPORT_FILE.source}`);
    const found = await scheduled.files.find(scheduleId, file);
    if (!found) return refuse('REPORT_FILE_NOT_FOUND', `no report file ${scheduleId}/${file}; GET /v1/report-files lists them`);
    // O_NOFOLLOW: the listed name must be the file itself, never a link to elsewhere.
    const handle = await open(found.path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (!handle) return refuse('REPORT_FILE_NOT_FOUND', `no report file ${scheduleId}/${file}`);
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
