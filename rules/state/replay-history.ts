import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { SwitchedMessage } from '../../domain/transaction.ts';
import { observationOf, type Observation } from './observation.ts';
import type { RiskState } from './risk-state.ts';

/**
 * Applies recorded history to a velocity state, in received order: each message counted as
 * it was scored and recorded with the status its commit decided. The one way history
 * enters a state, for the rebuild on start and for a backtest's warm-up, so both see what
 * the live rules saw.
 */

/** One scored message as history recorded it. */
export interface RecordedMessage {
  message: SwitchedMessage;
  status: string;
}

/** Rows handled between two yields to the event loop: payments keep flowing while history replays. */
export const REPLAY_CHUNK = 256;
/** Replayed history between two sweeps of what no window can read any more. */
export const REPLAY_SWEEP_EVERY_MS = 3600_000;

export function recordedObservation(row: RecordedMessage, cnyPerUsd: number): Observation {
  const o = observationOf(row.message, cnyPerUsd);
  return row.status === 'APPROVED' || row.status === 'DECLINED' ? { ...o, status: row.status } : o;
}

export interface ReplayOptions {
  cnyPerUsd: number;
  /** Messages applied already (scored live, or another node's): skipped; the ones applied here received from `rememberFrom` on are added. */
  seen?: Set<string>;
  rememberFrom?: number;
  /** Told of every message applied. */
  applied?(o: Observation): void;
  /** Checked between chunks: true stops the replay with an error. */
  cancelled?(): boolean;
  /** After every page, with the messages applied so far. */
  progress?(applied: number): Promise<void> | void;
}

/**
 * Applies pages of recorded messages to `state`; forgets what no window can read any more
 * once an hour of history has passed. Returns how many messages were applied.
 */
export async function replayHistory(state: RiskState, pages: AsyncIterable<readonly RecordedMessage[]>, options: ReplayOptions): Promise<number> {
  let applied = 0;
  let lastSweep = -Infinity;
  for await (const rows of pages) {
    for (let i = 0; i < rows.length; i++) {
      if (i % REPLAY_CHUNK === 0 && i > 0) {
        if (options.cancelled?.()) throw new Error('replay stopped: the platform is shutting down');
        await yieldToEventLoop();
      }
      const row = rows[i]!;
      if (options.seen) {
        if (options.seen.has(row.message.paymentId)) continue;
        if (row.message.receivedAt >= (options.rememberFrom ?? -Infinity)) options.seen.add(row.message.paymentId);
      }
      const o = recordedObservation(row, options.cnyPerUsd);
      state.apply(o);
      options.applied?.(o);
      applied++;
    }
    const at = rows[rows.length - 1]?.message.receivedAt;
    if (at !== undefined && at - lastSweep >= REPLAY_SWEEP_EVERY_MS) {
      if (lastSweep !== -Infinity) state.sweep(at);
      lastSweep = at;
    }
    await options.progress?.(applied);
  }
  return applied;
}
