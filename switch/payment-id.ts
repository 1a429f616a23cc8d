import { randomFillSync } from 'node:crypto';
import type { MessageType } from '../domain/transaction.ts';

const PREFIX: Record<MessageType, string> = { payment: 'pay', refund: 'rfd', reversal: 'rev' };

const RANDOM_BYTES = 10;
/** Random bytes drawn from the CSPRNG a page at a time: one call per 409 ids, not one per id. */
const pool = Buffer.alloc(RANDOM_BYTES * 409);
let offset = pool.length;

function nextRandom(): string {
  if (offset + RANDOM_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  // Each byte is handed out once: the offset only moves forward until the next refill.
  const text = pool.toString('base64url', offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  return text;
}

/** Time-ordered, unguessable ids: a millisecond timestamp then 80 random bits. */
export function newPaymentId(type: MessageType, now = Date.now()): string {
  return `${PREFIX[type]}_${now.toString(36).padStart(9, '0')}${nextRandom()}`;
}
