import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { err, ok, type Result } from '../../../domain/result.ts';
import type { AuditLog } from '../../audit-log.ts';
import type { ReportRunner } from '../run-report.ts';
import { createReportFiles, type ReportFiles } from './report-files.ts';
import { KEEP_JOBS, readReportJob, REPORT_JOB_KIND, REPORT_QUEUE, type ReportJobData, type ReportJobView } from './report-jobs.ts';
import { runScheduledReport, type ScheduledRunResult } from './run-scheduled-report.ts';
import { checkSchedule, type ReportSchedule, type ScheduleError, type ScheduleInput } from './schedule.ts';
import { createScheduleStore } from './schedule-store.ts';

const DAY_MS = 86_400_000;
/** A scheduled run works in the background: it may take longer than one asked for over HTTP. */
export const SCHEDULED_RUN_SECONDS = 300;

export interface ScheduledReportsOptions {
  runner: ReportRunner;
  /** Files go to `<dataDir>/reports/<scheduleId>/`. */
  dataDir: string;
  retentionDays: number;
  audit: AuditLog;
  /** Run the worker (and retention) in this process. */
  worker: boolean;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  now?: () => number;
}

export type ScheduleView = ReportSchedule & { nextRunAt?: string };

/**
 * Scheduled reports: schedules kept in Redis, each mirrored to a BullMQ job scheduler with
 * its cron pattern and time zone, and a worker that runs them one at a time through the
 * report runner (the platform's one ClickHouse client: embedded chDB allows one process per
 * data directory). At start every stored schedule is upserted again and any job scheduler
 * without a schedule removed, so Redis and BullMQ agree; old files are deleted at start and
 * after every run.
 */
export function startScheduledReports(connection: Redis, options: ScheduledReportsOptions) {
  const now = options.now ?? Date.now;
  // `connection` never gives up on a command, as BullMQ needs; the store shares it, its owner closes it.
  const queue = new Queue<ReportJobData, ScheduledRunResult>(REPORT_QUEUE, { connection });
  const store = createScheduleStore(connection);
  const files: ReportFiles = createReportFiles(path.join(options.dataDir, 'reports'));

  const upsert = (s: ReportSchedule) =>
    queue.upsertJobScheduler(
      s.id,
      { pattern: s.cron, tz: s.timezone },
      { name: REPORT_JOB_KIND, data: { scheduleId: s.id, trigger: 'cron' }, opts: { attempts: 1, removeOnComplete: KEEP_JOBS, removeOnFail: KEEP_JOBS } },
    );

  async function expire(): Promise<void> {
    const cutoff = now() - options.retentionDays * DAY_MS;
    const deleted = await files.expire(cutoff, now());
    if (deleted.length === 0) return;
    options.log.info({ deleted: deleted.length }, 'expired scheduled report files');
    await options.audit.record({
      actor: 'system:retention',
      actorRole: 'scheduler',
      action: 'report.file.expire',
      target: 'reports',
      outcome: 'ok',
      details: { retentionDays: options.retentionDays, files: deleted.map((d) => `${d.scheduleId}/${d.file}`) },
    });
  }
  const expireQuietly = () => expire().catch((e: unknown) => options.log.error({ err: (e as Error).message }, 'report file retention failed'));

  async function synchronise(): Promise<void> {
    const schedules = await store.list();
    for (const s of schedules) await upsert(s);
    const known = new Set(schedules.map((s) => s.id));
    for (const scheduler of await queue.getJobSchedulers(0, -1)) {
      if (!known.has(scheduler.key)) await queue.removeJobScheduler(scheduler.key);
    }
    if (options.worker) await expireQuietly();
  }
  const ready = synchronise();
  ready.catch((e: unknown) => options.log.error({ err: (e as Error).message }, 'report schedules not synchronised with BullMQ'));

  const worker = options.worker
    ? new Worker<ReportJobData, ScheduledRunResult>(
        REPORT_QUEUE,
        async (job) => {
          try {
            return await runScheduledReport(
              {
                scheduleId: job.data.scheduleId,
                trigger: job.data.trigger,
                at: job.opts.prevMillis ?? job.timestamp,
                jobId: job.id!,
                ...(job.data.requestedBy ? { requestedBy: job.data.requestedBy } : {}),
              },
              { schedule: (id) => store.get(id), runner: options.runner, files, audit: options.audit, progress: (p) => job.updateProgress(p) },
            );
          } finally {
            await expireQuietly();
          }
        },
        // One at a time: a report is ClickHouse work on the cores that also authorise payments.
        { connection, concurrency: 1 },
      )
    : undefined;
  worker?.on('error', (e) => options.log.error({ err: e.message }, 'scheduled report worker error'));
  worker?.on('failed', (job, e) => options.log.warn({ jobId: job?.id, scheduleId: job?.data.scheduleId, err: e.message }, 'scheduled report failed'));

  return {
    queue,
    files,
    /** Resolves once the schedules are mirrored to BullMQ and start-up retention has run. */
    ready,

    async list(): Promise<ScheduleView[]> {
      const next = new Map((await queue.getJobSchedulers(0, -1)).map((j) => [j.key, j.next]));
      return (await store.list()).map((s) => {
        const at = next.get(s.id);
        return { ...s, ...(typeof at === 'number' ? { nextRunAt: new Date(at).toISOString() } : {}) };
      });
    },

    get: (id: string) => store.get(id),

    /** Creates or replaces a schedule after checking it as a run would; mirrors it to BullMQ. */
    async put(id: string, input: ScheduleInput, actor: string): Promise<Result<{ schedule: ReportSchedule; created: boolean }, ScheduleError>> {
      const checked = checkSchedule(input, options.runner, now());
      if (!checked.ok) return checked;
      const previous = await store.get(id);
      const at = new Date(now()).toISOString();
      const schedule: ReportSchedule = {
        id,
        ...checked.value,
        createdBy: previous?.createdBy ?? actor,
        createdAt: previous?.createdAt ?? at,
        updatedBy: actor,
        updatedAt: at,
      };
      await store.put(schedule);
      await upsert(schedule);
      return ok({ schedule, created: !previous });
    },

    /** Removes a schedule and its job scheduler; its files stay until retention removes them. */
    async remove(id: string): Promise<ReportSchedule | undefined> {
      const previous = await store.get(id);
      if (!previous) return undefined;
      await store.remove(id);
      await queue.removeJobScheduler(id);
      return previous;
    },

    /** Queues a run of the schedule now; its job id is readable through GET /v1/jobs/{jobId}. */
    async runNow(id: string, requestedBy: string): Promise<Result<string, { code: 'SCHEDULE_NOT_FOUND'; message: string }>> {
      if (!(await store.get(id))) return err({ code: 'SCHEDULE_NOT_FOUND', message: `no schedule ${id}` });
      const jobId = `${REPORT_JOB_KIND}-${randomUUID()}`;
      await queue.add(REPORT_JOB_KIND, { scheduleId: id, trigger: 'manual', requestedBy }, { jobId, attempts: 1, removeOnComplete: KEEP_JOBS, removeOnFail: KEEP_JOBS });
      return ok(jobId);
    },

    job: (jobId: string): Promise<ReportJobView | undefined> => readReportJob(queue, jobId),

    async close() {
      await ready.catch(() => undefined);
      await worker?.close();
      await queue.close();
    },
  };
}

export type ScheduledReports = ReturnType<typeof startScheduledReports>;
