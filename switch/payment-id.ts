import { randomBytes } from 'node:crypto';
import type { MessageType } from '../domain/transaction.ts';

const PREFIX: Record<MessageType, string> = { payment: 'pay', refund: 'rfd', reversal: 'rev' };

/** Time-ordered, unguessable ids: a millisecond timestamp then 80 random bits. */
export function newPaymentId(type: MessageType, now = Date.now()): string {
  return `${PREFIX[type]}_${now.toString(36).padStart(9, '0')}${randomBytes(10).toString('base64url')}`;
}
