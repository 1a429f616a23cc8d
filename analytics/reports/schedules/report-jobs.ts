import type { Job, Queue } from 'bullmq';
import { jobView, type JobView } from '../../jobs/job-view.ts';
import type { RunProgress, ScheduledRunResult } from './run-scheduled-report.ts';

/**
 * Scheduled report runs are jobs of one BullMQ queue: those a schedule's job scheduler
 * fires (ids `repeat:<scheduleId>:<ms>`) and run-now jobs (ids `report-<uuid>`, the form
 * GET /v1/jobs/{jobId} reads: kind, dash, uuid).
 */
export const REPORT_QUEUE = 'scheduled-reports';
export const REPORT_JOB_KIND = 'report';

export interface ReportJobData {
  scheduleId: string;
  trigger: 'cron' | 'manual';
  requestedBy?: string;
}

export type ReportJobView = JobView<string, { stage: string; processed: number; total: number; rows?: number; bytes?: number }, ScheduledRunResult>;

/** Finished jobs are kept a week (at most this many), so their outcome can still be read. */
export const KEEP_JOBS = { age: 7 * 24 * 3600, count: 500 };

export function reportJobView(job: Job<ReportJobData, ScheduledRunResult>, state: string): ReportJobView {
  const p = job.progress as Partial<RunProgress> | number;
  const progress =
    typeof p === 'object' && p !== null && typeof p.stage === 'string'
      ? {
          stage: p.stage,
          processed: Number(p.processed) || 0,
          total: Number(p.total) || 0,
          ...(typeof p.rows === 'number' ? { rows: p.rows } : {}),
          ...(typeof p.bytes === 'number' ? { bytes: p.bytes } : {}),
        }
      : { stage: 'waiting', processed: 0, total: 3 };
  return jobView(job, state, progress);
}

export async function readReportJob(queue: Queue<ReportJobData, ScheduledRunResult>, jobId: string): Promise<ReportJobView | undefined> {
  // The state first: a job read before it completed has no result yet (see backtest-jobs.ts).
  const state = await queue.getJobState(jobId);
  const job = (await queue.getJob(jobId)) as Job<ReportJobData, ScheduledRunResult> | undefined;
  if (!job || state === 'unknown') return undefined;
  return reportJobView(job, state);
}
