import type { TransactionEvent } from '../domain/transaction.ts';
import type { StoredPayment } from './ledger.ts';

/** How often Redis is asked again, and for how long at most. */
const RETRY_EVERY_MS = 1000;
const GIVE_UP_MS = 10 * 60_000;

/**
 * A commit whose reply never came (Redis stopped answering after it was sent) may have run:
 * the participant's retry then gets the first answer from the ledger, but nothing told
 * the alerting path, so the payment would raise no alert and count in no live figure. The
 * attempt that lost the reply hands its paymentId here; once Redis answers, the ledger is
 * read and, if the message was committed, it is observed as the attempt would have done.
 * A read issued after the commit on the same connection runs after it (ioredis sends a
 * command it gave up on again, first, after reconnecting), so "not there" means it never
 * will be. Kept in this process only: a crash meanwhile loses it, as it would the answer.
 * Whoever builds the switch creates it (with the switch's ledger and observer) and closes it.
 */
export interface LateObserver {
  add(paymentId: string): void;
  /** paymentIds waiting for Redis (for tests and stats). */
  pending(): number;
  /** Stops asking and forgets what waits: once no payment is switched here any more. */
  close(): void;
}

export function createLateObserver(
  load: (paymentId: string) => Promise<StoredPayment | undefined>,
  observe: (event: TransactionEvent) => void,
  options: { retryEveryMs?: number } = {},
): LateObserver {
  const waiting = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let closed = false;
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      for (const [paymentId, since] of waiting) {
        if (Date.now() - since > GIVE_UP_MS) {
          waiting.delete(paymentId);
          continue;
        }
        let stored: StoredPayment | undefined;
        try {
          stored = await load(paymentId);
        } catch {
          return; // Redis still not answering: the next sweep tries again.
        }
        if (closed) return;
        waiting.delete(paymentId);
        if (!stored) continue;
        observe({ ...stored.record, status: stored.status, ...(stored.declineCode ? { declineCode: stored.declineCode } : {}) });
      }
    } finally {
      running = false;
      if (waiting.size === 0) stop();
    }
  };
  return {
    add(paymentId) {
      if (closed) return;
      waiting.set(paymentId, Date.now());
      timer ??= setInterval(() => void sweep(), options.retryEveryMs ?? RETRY_EVERY_MS).unref();
    },
    pending: () => waiting.size,
    close() {
      closed = true;
      waiting.clear();
      stop();
    },
  };
}
