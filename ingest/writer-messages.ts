import type { WriterStats } from './writer-loop.ts';

/** What the writer thread is started with (its `workerData`): plain values only. */
export interface WriterThreadSettings {
  redisUrl: string;
  stream: string;
  consumer: string;
  group?: string;
  batchSize?: number;
  maxWaitMs?: number;
  claimIdleMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** The main thread has an `afterInsert` hook: ask it to run it before every ack. */
  afterInsert: boolean;
}

/** Writer thread to main thread. `insert` and `after-insert` are answered with an `answer` of the same id. */
export type FromWriterThread =
  | { kind: 'insert'; id: number; token: string; body: string }
  | { kind: 'after-insert'; id: number; token: string; ids: string[] }
  | { kind: 'stats'; stats: WriterStats }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; fields: Record<string, unknown>; message: string };

/** Main thread to writer thread. An `answer` without `error` means done: ClickHouse confirmed the insert. */
export type ToWriterThread =
  | { kind: 'answer'; id: number; error?: string }
  | { kind: 'close'; drainMs: number };
