import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobView, type JobView as GenericJobView } from '../jobs/job-view.ts';
import { LIST_NAMES, type RuleStore, type Thresholds } from '../../rules/index.ts';
import type { BacktestResult } from './backtest-tally.ts';
import { compareVersions, type ComparisonParams, type ComparisonResult } from './compare-versions.ts';
import type { ListSnapshot } from './run-backtest.ts';
import { runBacktest, type BacktestParams } from './run-backtest.ts';
import { alertDispositions, createTransactionSource } from './transaction-source.ts';
import { listVersionEntities, listVersionsBefore } from './list-versions.ts';
import { createScreeningTimeline } from './screening-timeline.ts';

/**
 * Backtests as BullMQ jobs: the request is checked and queued, a worker in the platform
 * process replays the window (it needs the process's ClickHouse client: embedded chDB
 * allows one process per data directory), reports `{ processed, total }` as the job's
 * progress and leaves the bounded result as its return value.
 */
export const BACKTEST_QUEUE = 'backtests';
export const BACKTEST_JOB_KIND = 'backtest';
/** A comparison of two rule-set versions (compare-versions.ts): the same replay, so the same queue and worker. */
export const COMPARISON_JOB_KIND = 'comparison';

export interface BacktestJobData extends BacktestParams {
  requestedBy: string;
}

export interface ComparisonJobData extends ComparisonParams {
  requestedBy: string;
}

export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'prioritized' | 'waiting-children' | 'unknown';

export type JobView = GenericJobView<JobState, { processed: number; total: number }, BacktestResult | ComparisonResult>;

export interface BacktestJobs {
  submit(data: BacktestJobData): Promise<string>;
  get(jobId: string): Promise<JobView | undefined>;
  close(): Promise<void>;
}

/** Finished jobs are kept a week (at most this many), so their results can still be read. */
const KEEP = { age: 7 * 24 * 3600, count: 500 };

/**
 * Queues comparisons of rule-set versions where the rule-set routes are, without the
 * backtests' worker or ClickHouse: the worker of startBacktestJobs runs them.
 */
export function createComparisonQueue(connection: Redis): { submit(data: ComparisonJobData): Promise<string>; close(): Promise<void> } {
  const queue = new Queue<ComparisonJobData, ComparisonResult>(BACKTEST_QUEUE, { connection });
  return {
    async submit(data) {
      const jobId = `${COMPARISON_JOB_KIND}-${randomUUID()}`;
      await queue.add(COMPARISON_JOB_KIND, data, { jobId, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
      return jobId;
    },
    close: () => queue.close(),
  };
}

/** `connection`: one that never gives up on a command, as BullMQ needs; its owner closes it. */
export function startBacktestJobs(
  connection: Redis,
  options: {
    clickhouse: ClickHouseClient;
    database: string;
    store: Pick<RuleStore, 'lists'>;
    thresholds: Thresholds;
    /** CNY per USD as a decimal string, e.g. "7.12". */
    cnyPerUsd: string;
    /** The screening threshold the platform runs with (config `screening.threshold`); default 0.85. */
    screeningThreshold?: number;
    /** Run the worker in this process (where the ClickHouse jobs run; a process that only serves the API does not). */
    worker: boolean;
    log: { warn(o: object, m: string): void; error(o: object, m: string): void };
    pageSize?: number;
  },
): BacktestJobs {
  const cnyPerUsd = Number(options.cnyPerUsd);
  const queue = new Queue<BacktestJobData, BacktestResult>(BACKTEST_QUEUE, { connection });
  const source = createTransactionSource(options.clickhouse, options.database);
  let closing = false;

  const lists = async (): Promise<ListSnapshot> => {
    const snapshot = {} as Record<(typeof LIST_NAMES)[number], ReadonlySet<string>>;
    for (const name of LIST_NAMES) snapshot[name] = new Set(await options.store.lists.get(name));
    return snapshot;
  };

  const worker = options.worker
    ? new Worker<BacktestJobData | ComparisonJobData, BacktestResult | ComparisonResult>(
        BACKTEST_QUEUE,
        async (job) => {
          const replay = {
            source,
            lists: await lists(),
            // The list versions live at each row's time, read from ClickHouse where every live version is recorded.
            screening: createScreeningTimeline(
              await listVersionsBefore(options.clickhouse, options.database, job.data.to),
              (name, version) => listVersionEntities(options.clickhouse, options.database, name, version),
              options.screeningThreshold !== undefined ? { threshold: options.screeningThreshold } : {},
            ),
            cnyPerUsd,
            ...(options.pageSize ? { pageSize: options.pageSize } : {}),
            progress: (p: { processed: number; total: number }) => job.updateProgress(p),
            cancelled: () => closing,
          };
          if (job.name === COMPARISON_JOB_KIND) return compareVersions(job.data as ComparisonJobData, replay);
          return runBacktest(job.data as BacktestJobData, {
            ...replay,
            dispositions: (ids, since) => alertDispositions(options.clickhouse, options.database, ids, since),
            thresholds: options.thresholds,
          });
        },
        // One at a time: a replay is CPU work on the cores that also authorise payments.
        { connection, concurrency: 1 },
      )
    : undefined;
  worker?.on('error', (e) => options.log.error({ err: e.message }, 'backtest worker error'));
  worker?.on('failed', (job, e) => options.log.warn({ jobId: job?.id, err: e.message }, 'backtest failed'));

  return {
    async submit(data) {
      const jobId = `${BACKTEST_JOB_KIND}-${randomUUID()}`;
      await queue.add(BACKTEST_JOB_KIND, data, { jobId, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
      return jobId;
    },
    async get(jobId) {
      // The state first: a job read before it completed has no result yet, even if its state
      // read just after says completed. BullMQ stores the result and the state in one step.
      const state = await queue.getJobState(jobId);
      const job = (await queue.getJob(jobId)) as Job<BacktestJobData | ComparisonJobData, BacktestResult | ComparisonResult> | undefined;
      if (!job || state === 'unknown') return undefined;
      return viewOf(job, state as JobState);
    },
    async close() {
      closing = true;
      await worker?.close();
      await queue.close();
    },
  };
}

function viewOf(job: Job<BacktestJobData | ComparisonJobData, BacktestResult | ComparisonResult>, state: JobState): JobView {
  const p = job.progress as { processed?: unknown; total?: unknown } | number;
  const progress =
    typeof p === 'object' && p !== null
      ? { processed: Number(p.processed) || 0, total: Number(p.total) || 0 }
      : { processed: 0, total: 0 };
  return jobView(job, state, progress);
}
