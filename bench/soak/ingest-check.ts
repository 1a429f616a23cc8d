import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT } from '../platform-process.ts';
import { readHealth, type HealthReading } from './health.ts';

export interface Drain {
  /** Lag 0 and nothing pending, as /health reported it. */
  drained: boolean;
  seconds: number;
  /** The last reading: after the drain, or when the timeout ran out. */
  health: HealthReading;
}

/** Polls GET /health until the ingest lag is 0 with nothing pending, or `timeoutMs` ran out. */
export async function waitForIngestDrain(url: string, timeoutMs: number): Promise<Drain> {
  const started = performance.now();
  for (;;) {
    const health = await readHealth(url);
    const ingest = health.ingest;
    const seconds = (performance.now() - started) / 1000;
    if (ingest && ingest.lagMs === 0 && ingest.pending === 0) return { drained: true, seconds, health };
    if (seconds * 1000 >= timeoutMs) return { drained: false, seconds, health };
    await sleep(500);
  }
}

export interface StoredCounts {
  /** Rows with message_type 'payment', and their distinct txnIds. */
  paymentRows: number;
  paymentTxns: number;
  /** Refused requests the switch tapped (message_type 'rejected'). */
  rejectedRows: number;
}

/**
 * Counts what landed in the stopped platform's embedded ClickHouse: one data directory per
 * process, and this one is not ours to open while the platform runs, so a child asks.
 */
export async function countStoredPayments(dataDir: string, database = 'cpg'): Promise<StoredCounts> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import', 'tsx', 'bench/clickhouse-query.ts', dataDir,
      `SELECT toUInt64(countIf(message_type = 'payment')) AS payment_rows,
              toUInt64(uniqExactIf(txn_id, message_type = 'payment')) AS payment_txns,
              toUInt64(countIf(message_type = 'rejected')) AS rejected_rows
       FROM ${database}.transactions`,
    ],
    { cwd: REPOSITORY_ROOT, timeout: 180_000 },
  );
  const [row] = JSON.parse(stdout) as Array<Record<string, string | number>>;
  return { paymentRows: Number(row?.payment_rows), paymentTxns: Number(row?.payment_txns), rejectedRows: Number(row?.rejected_rows) };
}

export interface IngestVerdict {
  /** true: every 2xx payment is there; false: some are missing; null: the figures cannot tell. */
  everyAnsweredPaymentIngested: boolean | null;
  reason: string;
}

/**
 * From /health: the writer's row count covers every tapped message, and refused requests
 * (some non-2xx answers) are tapped too, so it proves completeness only when every answer
 * was a 2xx; it proves a loss whenever it is below the 2xx count.
 */
export function verdictFromHealth(rows: number, ok2xx: number, others: number): IngestVerdict {
  if (rows < ok2xx) return { everyAnsweredPaymentIngested: false, reason: `${rows} rows ingested for ${ok2xx} 2xx answers: at least ${ok2xx - rows} missing` };
  if (rows === ok2xx && others === 0) return { everyAnsweredPaymentIngested: true, reason: `${rows} rows ingested, ${ok2xx} 2xx answers, no other answers` };
  if (rows <= ok2xx + others) {
    return {
      everyAnsweredPaymentIngested: null,
      reason: `${rows} rows ingested for ${ok2xx} 2xx answers and ${others} other outcomes, some of which the switch taps as rejected: consistent, not exact`,
    };
  }
  return { everyAnsweredPaymentIngested: null, reason: `${rows} rows ingested, more than ${ok2xx} 2xx answers and ${others} other outcomes` };
}

/** From ClickHouse after the stop: payment rows by distinct txnId against the 2xx answers. */
export function verdictFromClickHouse(stored: StoredCounts, ok2xx: number, unanswered: number): IngestVerdict {
  const duplicates = stored.paymentRows - stored.paymentTxns;
  const dup = duplicates > 0 ? `, ${duplicates} duplicate rows` : '';
  const figures = `${stored.paymentTxns} payments in ClickHouse (${stored.paymentRows} rows${dup}, ${stored.rejectedRows} rejected) for ${ok2xx} 2xx answers`;
  if (stored.paymentTxns < ok2xx) return { everyAnsweredPaymentIngested: false, reason: `${figures}: at least ${ok2xx - stored.paymentTxns} missing` };
  if (stored.paymentTxns === ok2xx) return { everyAnsweredPaymentIngested: true, reason: figures };
  // A request that timed out on our side may still have been authorised and tapped.
  if (stored.paymentTxns <= ok2xx + unanswered) return { everyAnsweredPaymentIngested: null, reason: `${figures} and ${unanswered} requests without an answer: consistent, not exact` };
  return { everyAnsweredPaymentIngested: null, reason: `${figures}: more payments than answers` };
}
