import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { MonitorRunResult } from './judge-minute.ts';
import type { MonitorConfig } from './monitor-config.ts';

/**
 * The monitors run as a BullMQ job scheduler: one job a minute for the whole platform,
 * however many nodes run a worker, fired `settleSeconds` into the minute so the one
 * before it has landed in ClickHouse. A job may also name its minute (`trigger`).
 */
export const MONITOR_QUEUE = 'monitors';
export const MONITOR_SCHEDULER = 'judge-every-minute';

export interface MonitorJobData {
  /** The minute to judge, unix ms; scheduled jobs leave it out and judge the last settled minute. */
  minute?: number;
}

export type MonitorJobResult = MonitorRunResult | { minute: string; skipped: 'INGEST_LAGGING'; lagMs: number };

/** The minute a run fired at `firedAt` judges: the last one that ended at least `settleSeconds` before. */
export function minuteToJudge(firedAt: number, settleSeconds: number): number {
  return Math.floor((firedAt - settleSeconds * 1000) / 60_000) * 60_000 - 60_000;
}

const keep = { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } };

export function startMonitorJobs(
  connection: Redis,
  options: {
    config: Pick<MonitorConfig, 'enabled' | 'settleSeconds'>;
    judge(minute: number): Promise<MonitorRunResult>;
    /** How far the ingest writer is behind: a minute judged before it has landed would look like a drop. */
    ingestLagMs?: () => Promise<number>;
    /** Run a worker in this process, when enabled (the scheduler is shared through Redis either way). */
    worker: boolean;
    log: { warn(o: object, m: string): void; error(o: object, m: string): void };
  },
) {
  const { settleSeconds } = options.config;
  const queue = new Queue<MonitorJobData, MonitorJobResult>(MONITOR_QUEUE, { connection });
  // Upserted on every start: a changed settleSeconds replaces the schedule, disabling removes it.
  const ready = options.config.enabled
    ? queue.upsertJobScheduler(
        MONITOR_SCHEDULER,
        { pattern: `${settleSeconds} * * * * *` },
        { name: 'judge-minute', data: {}, opts: { ...keep, attempts: 3, backoff: { type: 'fixed', delay: 5000 } } },
      )
    : queue.removeJobScheduler(MONITOR_SCHEDULER);
  ready.catch((e: unknown) => options.log.error({ err: (e as Error).message }, 'monitor scheduler not registered'));

  const worker = options.worker && options.config.enabled
    ? new Worker<MonitorJobData, MonitorJobResult>(
        MONITOR_QUEUE,
        async (job) => {
          if (job.data.minute !== undefined) return options.judge(job.data.minute);
          const minute = minuteToJudge(job.opts.prevMillis ?? job.timestamp, settleSeconds);
          const lagMs = (await options.ingestLagMs?.()) ?? 0;
          if (lagMs > settleSeconds * 1000) {
            options.log.warn({ lagMs, minute: new Date(minute).toISOString() }, 'monitors skipped a minute: ingest is behind');
            return { minute: new Date(minute).toISOString(), skipped: 'INGEST_LAGGING', lagMs };
          }
          return options.judge(minute);
        },
        { connection, concurrency: 1 },
      )
    : undefined;
  worker?.on('failed', (job, e) => options.log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: e.message }, 'monitor run failed'));

  // Waiting for a job needs a connection of its own: QueueEvents blocks on XREAD.
  let events: { connection: Redis; queueEvents: QueueEvents } | undefined;

  return {
    queue,
    /** Resolves once the schedule is registered (or removed). */
    ready: ready.then(() => undefined),
    /** Judges `minute` now, through the queue, and waits for the outcome. */
    async trigger(minute: number, timeoutMs = 30_000): Promise<MonitorJobResult> {
      if (!events) {
        const c = connection.duplicate();
        events = { connection: c, queueEvents: new QueueEvents(MONITOR_QUEUE, { connection: c }) };
      }
      await events.queueEvents.waitUntilReady();
      const job = await queue.add('judge-minute', { minute }, keep);
      return job.waitUntilFinished(events.queueEvents, timeoutMs);
    },
    async close() {
      await worker?.close();
      if (events) {
        await events.queueEvents.close();
        await events.connection.quit().catch(() => undefined);
      }
      await queue.close();
    },
  };
}

export type MonitorJobs = ReturnType<typeof startMonitorJobs>;
