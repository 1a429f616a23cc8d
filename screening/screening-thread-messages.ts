import type { ScreeningHit, ListVersion } from './live-screening.ts';
import type { ProbeFacts } from './match-index.ts';

/** What the screening thread is started with (its `workerData`). */
export interface ScreeningThreadSettings {
  threshold: number;
  /** The longest the thread's index build holds it before answering the names waiting (ms). */
  buildSliceMs: number;
  /** Tests only: the thread obeys `stall`. */
  stallable: boolean;
}

/** Main thread to screening thread. Checks are answered in the order they were asked. */
export type ToScreeningThread =
  | { kind: 'check'; id: number; name: string; probe: ProbeFacts }
  | { kind: 'install'; id: number; name: string; version: number; packed: Uint8Array }
  /** Tests only (with `stallable`): the thread is busy for `ms`, as a thread stuck would be. */
  | { kind: 'stall'; ms: number }
  /** Tests only (with `stallable`): the thread exits, as a crashed one would. */
  | { kind: 'exit' };

/** Screening thread to main thread, each answer with its question's id. */
export type FromScreeningThread =
  | { kind: 'checked'; id: number; hits: ScreeningHit[] }
  | { kind: 'installed'; id: number; version: ListVersion }
  | { kind: 'failed'; id: number; message: string };
