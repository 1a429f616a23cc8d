import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { RiskDecisionKind } from '../../domain/transaction.ts';
import type { Typology } from '../traffic/scenarios/scenario.ts';

/**
 * The two files a detection run leaves behind, one JSON object a line: the ground truth
 * of every request sent, and what the gateway answered. Scoring reads only these, so it
 * can be re-run offline (npm run bench:detection -- --score-only).
 */

export type Phase = 'warmup' | 'measure';

export interface TruthRecord {
  txnId: string;
  typology: Typology | 'legitimate';
  shouldFlag: boolean;
  /** Other typologies the request truly shows and should be flagged for. */
  also?: Typology[];
  kind: 'payment' | 'refund';
  phase: Phase;
  /** "typology/variant" and instance id, for scenario requests; "legitimate/variant" for ordinary people played like one. */
  scenario?: string;
  instance?: string;
}

export interface ResponseRecord {
  txnId: string;
  /** 0 when nothing came back (a network error) or the request was never sent. */
  httpStatus: number;
  decision?: RiskDecisionKind;
  score?: number;
  ruleIds?: string[];
  paymentId?: string;
  status?: string;
  declineCode?: string;
  /** The error code of a 4xx/5xx, a network error, or why the request was not sent. */
  error?: string;
  latencyMs?: number;
  /** Unix ms when it was sent (or given up). */
  at: number;
}

export interface JsonlWriter<T> {
  write(record: T): void;
  readonly count: number;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

export function createJsonlWriter<T>(file: string): JsonlWriter<T> {
  mkdirSync(path.dirname(file), { recursive: true });
  const stream = createWriteStream(file, { flags: 'w' });
  let count = 0;
  let failure: Error | undefined;
  stream.on('error', (e) => {
    failure = e;
  });
  return {
    write(record) {
      if (failure) throw failure;
      stream.write(`${JSON.stringify(record)}\n`);
      count++;
    },
    get count() {
      return count;
    },
    close() {
      return new Promise((resolve, reject) => {
        stream.end(() => (failure ? reject(failure) : resolve()));
      });
    },
  };
}

/** Every line of a JSONL file, parsed; a blank line is skipped, a broken one names its line number. */
export async function readJsonl<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch (e) {
      throw new Error(`${file}:${n}: ${(e as Error).message}`);
    }
  }
  return out;
}
