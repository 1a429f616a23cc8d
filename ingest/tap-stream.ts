import type { Redis } from 'ioredis';
import type { Tap } from '../domain/ports.ts';
import type { PaymentStatus, RejectedMessage, TapEvent, TransactionEvent } from '../domain/transaction.ts';
import { eventOfRow, ROW_FORM, tapRowOf } from './tap-row.ts';

/**
 * The tap's durable buffer: one Redis Stream entry per processed message. Fields:
 * `e` the event in row form (tap-row.ts; entries written before it hold the event as JSON),
 * `s` the status and `d` the decline code decided by the commit, `v` the settlement value
 * actually credited (follow-ups), `r` a rejected request as JSON.
 */
export const DEFAULT_TAP_STREAM = 'tap:transactions';

export function createStreamTap(redis: Redis, stream = DEFAULT_TAP_STREAM): Tap {
  return {
    stream,
    encode: (event: TapEvent) => tapRowOf(event),
    async appendRejected(message: RejectedMessage) {
      await redis.xadd(stream, '*', 'r', JSON.stringify(message));
    },
  };
}

export type TapEntry =
  | { kind: 'transaction'; streamId: string; event: TransactionEvent }
  | { kind: 'rejected'; streamId: string; message: RejectedMessage };

/** Reads one stream entry back; undefined for an entry no version of the tap wrote. */
export function decodeTapEntry(streamId: string, fields: string[]): TapEntry | undefined {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  try {
    const rejected = f.get('r');
    if (rejected !== undefined) return { kind: 'rejected', streamId, message: JSON.parse(rejected) as RejectedMessage };
    const e = f.get('e');
    const status = f.get('s');
    if (e === undefined || (status !== 'APPROVED' && status !== 'DECLINED')) return undefined;
    const code = f.get('d');
    const credited = f.get('v');
    if (e.startsWith(ROW_FORM)) return { kind: 'transaction', streamId, event: eventOfRow(e, status, code, credited) };
    const event = JSON.parse(e) as TransactionEvent;
    event.status = status as PaymentStatus;
    if (code) event.declineCode = code;
    if (credited !== undefined) event.settlement = { ...event.settlement, value: credited };
    return { kind: 'transaction', streamId, event };
  } catch {
    return undefined;
  }
}

/** Stream ids start with the unix ms at which Redis appended the entry. */
export function streamIdMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
