import type { DeadLetterNotice } from './dead-letters.ts';
import type { WriterLoopSettings, WriterStats } from './writer-options.ts';

/** What the writer thread is started with (its `workerData`): plain values only. */
export interface WriterThreadSettings extends WriterLoopSettings {
  /** The thread opens its own connections to this Redis. */
  redisUrl: string;
  /** The main thread has an `afterInsert` hook: ask it to run it before every ack. */
  afterInsert: boolean;
}

/** Writer thread to main thread. `insert` and `after-insert` are answered with an `answer` of the same id. */
export type FromWriterThread =
  | { kind: 'insert'; id: number; token: string; body: string; rowByRow?: boolean }
  | { kind: 'after-insert'; id: number; token: string; ids: string[] }
  | { kind: 'stats'; stats: WriterStats }
  | { kind: 'dead-letters'; notice: DeadLetterNotice }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; fields: Record<string, unknown>; message: string };

/**
 * Main thread to writer thread. An `answer` without `error` means done: ClickHouse confirmed
 * the insert. A ClickHouse error keeps its `code` and `type`: they tell a refused row from a
 * failing ClickHouse (insert-refusal.ts).
 */
export type ToWriterThread =
  | { kind: 'answer'; id: number; error?: string; code?: string; type?: string }
  | { kind: 'close'; drainMs: number };
