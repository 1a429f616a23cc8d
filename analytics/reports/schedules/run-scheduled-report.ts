import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { ErrorCode } from '../../../domain/error-codes.ts';
import type { AuditLog } from '../../audit-log.ts';
import { jsonResultBody } from '../../json-result/json-result.ts';
import type { ReportRunner } from '../run-report.ts';
import type { ReportFiles, ReportFileMeta } from './report-files.ts';
import { prepareRun, type ReportSchedule } from './schedule.ts';

/** Where a run is; `processed` of `total` stages, for a progress bar. */
export type RunStage = 'resolving' | 'querying' | 'writing' | 'done';
const STAGES: readonly RunStage[] = ['resolving', 'querying', 'writing', 'done'];

export interface RunProgress {
  stage: RunStage;
  processed: number;
  total: number;
  rows?: number;
  bytes?: number;
}

export interface ScheduledRunResult {
  scheduleId: string;
  report: string;
  format: string;
  file: string;
  /** GET this to download the file. */
  download: string;
  rows: number;
  bytes: number;
  elapsedMs: number;
  params: Record<string, unknown>;
  createdAt: string;
}

export interface ScheduledRunRequest {
  scheduleId: string;
  trigger: 'cron' | 'manual';
  /** The instant the run stands for: the cron fire time, or when run-now was asked. */
  at: number;
  jobId: string;
  /** The operator who asked for a run-now. */
  requestedBy?: string;
}

/** A run that could not finish, with the code of why. */
export class ScheduledRunError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(`${code}: ${message}`);
  }
}

/** Written bytes are reported at most this often while a long CSV streams to disk. */
const BYTES_PROGRESS_MS = 1000;

/**
 * One run of a schedule: resolve its window and check its parameters, query, write the
 * file and its sidecar, audit as `scheduler:<id>`. The schedule is read when the run
 * starts, so an edit made since the job was queued applies.
 */
export async function runScheduledReport(
  request: ScheduledRunRequest,
  deps: {
    schedule(id: string): Promise<ReportSchedule | undefined>;
    runner: ReportRunner;
    files: ReportFiles;
    audit: AuditLog;
    progress(p: RunProgress): Promise<void>;
  },
): Promise<ScheduledRunResult> {
  const stage = (s: RunStage, extra: Partial<RunProgress> = {}) =>
    deps.progress({ stage: s, processed: STAGES.indexOf(s), total: STAGES.length - 1, ...extra });
  const audit = (report: string, outcome: 'ok' | 'failed', details: Record<string, unknown>) =>
    deps.audit.record({
      actor: `scheduler:${request.scheduleId}`,
      actorRole: 'scheduler',
      action: 'report.run',
      target: `report:${report}`,
      outcome,
      details: { scheduleId: request.scheduleId, trigger: request.trigger, jobId: request.jobId, ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}), ...details },
    });

  await stage('resolving');
  const schedule = await deps.schedule(request.scheduleId);
  if (!schedule) {
    await audit('', 'failed', { error: 'SCHEDULE_NOT_FOUND' });
    throw new ScheduledRunError('SCHEDULE_NOT_FOUND', `schedule ${request.scheduleId} no longer exists`);
  }
  const prepared = prepareRun(deps.runner, schedule.report, schedule.params, request.at, schedule.timezone);
  if (!prepared.ok) {
    await audit(schedule.report, 'failed', { format: schedule.format, window: schedule.params.window, error: prepared.error.code, message: prepared.error.message });
    throw new ScheduledRunError(prepared.error.code, prepared.error.message);
  }
  const params = prepared.value.params;

  await stage('querying');
  const started = performance.now();
  const ran = await deps.runner.run(prepared.value, schedule.format);
  if (!ran.ok) {
    await audit(schedule.report, 'failed', { params, format: schedule.format, error: ran.error.code });
    throw new ScheduledRunError(ran.error.code, ran.error.message);
  }
  const out = ran.value;

  const known = out.format === 'json' ? out.result.rowTexts.length : out.format === 'parquet' ? out.rows : undefined;
  await stage('writing', known === undefined ? { bytes: 0 } : { rows: known, bytes: 0 });
  let lastReport = Date.now();
  const onBytes = (bytes: number) => {
    if (Date.now() - lastReport < BYTES_PROGRESS_MS) return;
    lastReport = Date.now();
    void stage('writing', { ...(known === undefined ? {} : { rows: known }), bytes }).catch(() => undefined);
  };
  const content: Readable | Buffer = out.format === 'json' ? jsonResultBody(out.result).stream : out.format === 'parquet' ? out.body : out.stream;
  // From the query's start to the last byte on disk: a CSV's query time is only its first byte's.
  const elapsedMs = () => Math.round((performance.now() - started) * 10) / 10;
  let saved: ReportFileMeta;
  try {
    const written = await deps.files.write(schedule.id, schedule.report, schedule.format, content, onBytes);
    saved = await written.publish({
      params,
      // A CSV's rows are counted as it streams to disk: known once the file is whole.
      rows: out.format === 'csv' ? await out.rows : known!,
      elapsedMs: elapsedMs(),
      schedule: { id: schedule.id, cron: schedule.cron, timezone: schedule.timezone, window: schedule.params.window },
      trigger: request.trigger,
      jobId: request.jobId,
    });
  } catch (e) {
    await audit(schedule.report, 'failed', { params, format: schedule.format, error: 'REPORT_WRITE_FAILED' });
    throw new ScheduledRunError('REPORT_WRITE_FAILED', (e as Error).message);
  }
  const rows = saved.rows;
  const result: ScheduledRunResult = {
    scheduleId: schedule.id,
    report: schedule.report,
    format: schedule.format,
    file: saved.file,
    download: `/v1/report-files/${schedule.id}/${saved.file}`,
    rows,
    bytes: saved.bytes,
    elapsedMs: saved.elapsedMs,
    params,
    createdAt: saved.createdAt,
  };
  await audit(schedule.report, 'ok', { params, format: schedule.format, rows, bytes: saved.bytes, elapsedMs: saved.elapsedMs, file: saved.file });
  await stage('done', { rows, bytes: saved.bytes });
  return result;
}
