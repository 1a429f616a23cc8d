import type { TapEvent, TransactionEvent } from '../domain/transaction.ts';
import type { SwitchDeps } from './deps.ts';

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
 */
export interface LateObserver {
  add(paymentId: string): void;
  /** paymentIds waiting for Redis (for tests and stats). */
  pending(): number;
}

export function createLateObserver(
  load: SwitchDeps['ledger']['load'],
  observe: (event: TransactionEvent) => void,
  options: { retryEveryMs?: number } = {},
): LateObserver {
  const waiting = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      for (const [paymentId, since] of waiting) {
        if (Date.now() - since > GIVE_UP_MS) {
          waiting.delete(paymentId);
          continue;
        }
        let stored: Awaited<ReturnType<typeof load>>;
        try {
          stored = await load(paymentId);
        } catch {
          return; // Redis still not answering: the next sweep tries again.
        }
        waiting.delete(paymentId);
        if (!stored) continue;
        // The stored record is the tap's entry: the whole event but its outcome.
        const event = stored.record as unknown as TapEvent;
        observe({ ...event, status: stored.status, ...(stored.declineCode ? { declineCode: stored.declineCode } : {}) });
      }
    } finally {
      running = false;
      if (waiting.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    }
  };
  return {
    add(paymentId) {
      waiting.set(paymentId, Date.now());
      timer ??= setInterval(() => void sweep(), options.retryEveryMs ?? RETRY_EVERY_MS).unref();
    },
    pending: () => waiting.size,
  };
}

const observers = new WeakMap<SwitchDeps, LateObserver>();

/** The late observer of these deps (one per switch), or undefined when nothing observes. */
export function lateObserverOf(deps: SwitchDeps): LateObserver | undefined {
  if (!deps.observe) return undefined;
  let late = observers.get(deps);
  if (!late) {
    const observe = deps.observe.bind(deps);
    late = createLateObserver((id) => deps.ledger.load(id), observe);
    observers.set(deps, late);
  }
  return late;
}
