import type { Redis } from 'ioredis';
import type { TransactionBodySink } from './clickhouse-sink.ts';
import type { DeadLetterNotice } from './dead-letters.ts';
import type { RowOf } from './writer-batch.ts';

/**
 * What a writer loop (writer-loop.ts) is given. The transactions writer (writer.ts) takes the
 * same options but runs the loop in a thread: the plain values among them cross to it as they
 * are (`WriterLoopSettings`), the functions stay on the main thread and are asked for.
 */
export interface WriterLoopOptions {
  redis: Redis;
  stream: string;
  /** Stable across restarts and distinct per writer: its in-flight record and pending entries are found by it. */
  consumer: string;
  /** One attempt at inserting a JSONEachRow body; the loop retries with backoff. */
  insert: TransactionBodySink;
  /** Default `ingest`. */
  group?: string;
  /** Entries a batch holds at most; default 5000. */
  batchSize?: number;
  /** How long a batch waits to fill; default 1000. */
  maxWaitMs?: number;
  /** Pending entries of another consumer idle this long are taken over; default 60 000. */
  claimIdleMs?: number;
  /** A failing ClickHouse is retried after this, doubled up to `retryMaxMs`; defaults 100 and 5000. */
  retryMinMs?: number;
  retryMaxMs?: number;
  log?: WriterLog;
  /**
   * Fault-injection seam for tests: runs after ClickHouse confirmed, before the ack; for a
   * batch split around refused rows, after each part that landed.
   */
  afterInsert?: (batch: { token: string; ids: string[] }) => void | Promise<void>;
  /** Called whenever a figure changed, with a copy of them all. */
  onStats?: (stats: WriterStats) => void;
  /** Called once a batch moved entries to the dead-letter store (after the ack). */
  onDeadLetters?: (notice: DeadLetterNotice) => void;
  /** Turns a stream entry into its row; undefined (or a throw) dead-letters it as undecodable. Default: the transaction tap. */
  rowOf?: RowOf;
}

export interface WriterLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

/** The writer's figures, as `onStats` reports them and /metrics and /health show them. */
export interface WriterStats {
  rows: number;
  batches: number;
  failures: number;
  deadLetters: number;
  lastBatchRows: number;
  lastBatchMs: number;
  retrying: boolean;
}

export const NO_WRITER_STATS: Readonly<WriterStats> = { rows: 0, batches: 0, failures: 0, deadLetters: 0, lastBatchRows: 0, lastBatchMs: 0, retrying: false };

export const DEFAULT_WRITER_GROUP = 'ingest';

/** The options that are plain values: what the writer thread is started with. */
const SETTINGS = ['stream', 'consumer', 'group', 'batchSize', 'maxWaitMs', 'claimIdleMs', 'retryMinMs', 'retryMaxMs'] as const satisfies ReadonlyArray<
  keyof WriterLoopOptions
>;
export type WriterLoopSettings = Pick<WriterLoopOptions, (typeof SETTINGS)[number]>;

/** Just the plain values of `options`: structured clone refuses functions. */
export function writerLoopSettings(options: WriterLoopSettings): WriterLoopSettings {
  return Object.fromEntries(SETTINGS.map((key) => [key, options[key]])) as WriterLoopSettings;
}

type Hooks = 'afterInsert' | 'log' | 'onStats' | 'onDeadLetters' | 'rowOf';
/** The options with every default filled in. */
export type DefaultedWriterLoopOptions = Required<Omit<WriterLoopOptions, Hooks>> & Pick<WriterLoopOptions, Hooks>;

export function withDefaults(options: WriterLoopOptions): DefaultedWriterLoopOptions {
  return {
    ...options,
    group: options.group ?? DEFAULT_WRITER_GROUP,
    batchSize: options.batchSize ?? 5000,
    maxWaitMs: options.maxWaitMs ?? 1000,
    claimIdleMs: options.claimIdleMs ?? 60_000,
    retryMinMs: options.retryMinMs ?? 100,
    retryMaxMs: options.retryMaxMs ?? 5000,
  };
}
