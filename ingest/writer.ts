import type { Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from '../domain/typescript-worker.ts';
import { streamLag, type WriterLag } from './stream-lag.ts';
import { supervise, type RestartBackoff, type Supervisor } from './supervisor.ts';
import { DEFAULT_WRITER_GROUP, NO_WRITER_STATS, writerLoopSettings, type WriterLog, type WriterLoopOptions, type WriterStats } from './writer-options.ts';
import type { FromWriterThread, ToWriterThread, WriterThreadSettings } from './writer-messages.ts';

export type { WriterLag } from './stream-lag.ts';
export type { WriterLog, WriterStats } from './writer-options.ts';

/**
 * Moves the tap's stream into ClickHouse without taking the main thread's time: a worker
 * thread (writer-thread.ts) reads the stream, records each batch in flight, builds its
 * JSONEachRow body and acknowledges it; this thread only runs the ClickHouse insert the
 * worker asks for (embedded ClickHouse cannot be used from two threads) and answers. A
 * thread that dies is logged and started again with backoff (supervisor.ts); the stream
 * grows meanwhile.
 *
 * The loop's options, but `redis` is this thread's connection, for `lag()` (the thread opens
 * its own to `redisUrl`), and `insert`, `afterInsert` and `onDeadLetters` run on this thread.
 */
export interface WriterOptions extends Omit<WriterLoopOptions, 'onStats' | 'rowOf'>, RestartBackoff {
  redisUrl: string;
}

/** A thread that does not stop within its drain budget and this much more is terminated. */
const CLOSE_GRACE_MS = 2000;

export class IngestWriter {
  private readonly o: WriterOptions;
  private log: WriterLog | undefined;
  private worker: Worker | undefined;
  private exited: Promise<number> = Promise.resolve(0);
  private readonly threads: Supervisor;
  /** Figures of the threads that ended, and of the one running. */
  private ended: WriterStats = { ...NO_WRITER_STATS };
  private current: WriterStats = { ...NO_WRITER_STATS };
  /** One ClickHouse insert at a time, also across a thread's death and its successor. */
  private inserting: Promise<void> = Promise.resolve();

  constructor(options: WriterOptions) {
    this.o = options;
    this.log = options.log;
    this.threads = supervise(() => this.spawn(), {
      restartMinMs: options.restartMinMs,
      restartMaxMs: options.restartMaxMs,
      onRestart: (ending, restartInMs) =>
        this.log?.error({ code: 'value' in ending ? ending.value : undefined, restartInMs }, 'ingest writer thread exited; starting a new one'),
    });
  }

  /** Starts the writer thread; `log` (if given) replaces the constructor's. */
  start(log?: WriterLog): void {
    if (log) this.log = log;
    this.threads.start();
  }

  /** The thread stops reading once drained (or after `drainMs`); what is left stays in the stream. */
  async close(drainMs = 5000): Promise<void> {
    this.threads.stop();
    const deadline = Date.now() + drainMs + CLOSE_GRACE_MS;
    const worker = this.worker;
    if (worker) {
      worker.postMessage({ kind: 'close', drainMs } satisfies ToWriterThread);
      if (!(await settlesBy(this.exited, deadline))) {
        this.log?.error({ drainMs }, 'ingest writer thread did not stop in time; terminated');
        await worker.terminate();
      }
    }
    // An insert the thread was waiting for finishes before ClickHouse is closed (within the budget).
    if (!(await settlesBy(this.inserting, deadline))) this.log?.error({ drainMs }, 'ingest writer: closed with a ClickHouse insert still running');
  }

  stats(): WriterStats {
    const [a, b] = [this.ended, this.current];
    return {
      rows: a.rows + b.rows,
      batches: a.batches + b.batches,
      failures: a.failures + b.failures,
      deadLetters: a.deadLetters + b.deadLetters,
      lastBatchRows: b.batches > 0 ? b.lastBatchRows : a.lastBatchRows,
      lastBatchMs: b.batches > 0 ? b.lastBatchMs : a.lastBatchMs,
      retrying: b.retrying,
    };
  }

  /** Read from Redis on this thread: it answers even while the writer thread is down. */
  lag(now = Date.now()): Promise<WriterLag> {
    return streamLag(this.o.redis, this.o.stream, this.o.group ?? DEFAULT_WRITER_GROUP, now);
  }

  /** Starts a writer thread; resolves with its exit code once it exited. */
  private spawn(): Promise<number> {
    const settings: WriterThreadSettings = {
      ...writerLoopSettings(this.o),
      redisUrl: this.o.redisUrl,
      afterInsert: this.o.afterInsert !== undefined,
    };
    const worker = startTypeScriptWorker(new URL('./writer-thread.ts', import.meta.url), settings);
    this.worker = worker;
    this.current = { ...NO_WRITER_STATS };
    worker.on('message', (message: FromWriterThread) => this.onMessage(worker, message));
    worker.on('error', (e) => this.log?.error({ err: e }, 'ingest writer thread failed'));
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        this.ended = this.stats();
        this.current = { ...NO_WRITER_STATS };
        this.worker = undefined;
        resolve(code);
      });
    });
    return this.exited;
  }

  private onMessage(worker: Worker, message: FromWriterThread): void {
    switch (message.kind) {
      case 'insert':
        this.answer(worker, message.id, () => this.o.insert(message.body, message.token, { rowByRow: message.rowByRow }));
        return;
      case 'after-insert':
        this.answer(worker, message.id, () => this.o.afterInsert?.({ token: message.token, ids: message.ids }));
        return;
      case 'stats':
        this.current = message.stats;
        if (message.stats.batches > 0) this.threads.progressed();
        return;
      case 'dead-letters':
        this.o.onDeadLetters?.(message.notice);
        return;
      case 'log':
        this.log?.[message.level](message.fields, message.message);
        return;
    }
  }

  private answer(worker: Worker, id: number, work: () => void | Promise<void>): void {
    const outcome = this.inserting.then(work).then(
      () => ({}),
      (e: unknown) => ({ error: (e instanceof Error ? e.message : String(e)) || 'insert failed', ...clickhouseCodes(e) }),
    );
    this.inserting = outcome.then(() => undefined);
    void outcome.then((failed) => {
      // A thread that died meanwhile gets no answer; its successor finishes the batch with the same token.
      if (this.worker === worker) worker.postMessage({ kind: 'answer', id, ...failed } satisfies ToWriterThread);
    });
  }
}

/** A ClickHouse error's `code` and `type`, as plain strings that cross to the thread. */
function clickhouseCodes(e: unknown): { code?: string; type?: string } {
  const { code, type } = (e ?? {}) as { code?: unknown; type?: unknown };
  return { ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}), ...(typeof type === 'string' ? { type } : {}) };
}

/** Whether `promise` settled before `deadline` (epoch ms). */
async function settlesBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
