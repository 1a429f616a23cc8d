import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { Ledger } from './ledger.ts';
import { paymentAnswer, type PaymentAnswer } from './payment-view.ts';

/**
 * How long a repeat waits for the first attempt of its txnId to finish. A participant that
 * timed out resends while the first attempt is still running; docs/api.md promises it the
 * first answer, so it waits for that rather than being told to come back. A healthy attempt
 * takes milliseconds; one held up by a Redis outage (several round trips, each up to the
 * 1 s command timeout and its retries) can outlast this, and the repeat then gets 409
 * TXN_IN_PROGRESS and retries again.
 */
export const IN_PROGRESS_WAIT_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a txnId's claim until no attempt holds it in progress; undefined once `waitMs` has passed. */
async function unlessInProgress<H extends { kind: string }>(read: () => Promise<H>, waitMs: number): Promise<Exclude<H, { kind: 'in-progress' }> | undefined> {
  const deadline = Date.now() + waitMs;
  for (let pauseMs = 5; ; pauseMs = Math.min(2 * pauseMs, 50)) {
    const holder = await read();
    if (holder.kind !== 'in-progress') return holder as Exclude<H, { kind: 'in-progress' }>;
    if (Date.now() >= deadline) return undefined;
    await sleep(pauseMs);
  }
}

const IN_PROGRESS: DomainError = { code: 'TXN_IN_PROGRESS', message: 'this txnId is being processed; retry shortly' };

async function firstAnswer(ledger: Ledger, paymentId: string): Promise<Result<PaymentAnswer, DomainError>> {
  const first = await ledger.load(paymentId);
  return first ? ok(paymentAnswer(first)) : err({ code: 'PAYMENT_NOT_FOUND', message: 'the first answer has expired' });
}

/**
 * Claims (participant, txnId) for this request. Either the caller now holds the claim, or
 * the request is already answered: the first answer for a repeat (once the first attempt
 * has finished, or its claim was given back and this one took it), 409 for a reused id, or
 * 409 TXN_IN_PROGRESS when the first attempt is still running after `waitMs`.
 */
export async function claimTxn(
  ledger: Ledger,
  participantId: string,
  txnId: string,
  bodyHash: string,
  paymentId: string,
  waitMs = IN_PROGRESS_WAIT_MS,
): Promise<{ claimed: string } | { answered: Result<PaymentAnswer, DomainError> }> {
  const claim = await unlessInProgress(() => ledger.claim(participantId, txnId, bodyHash, paymentId), waitMs);
  if (!claim) return { answered: err(IN_PROGRESS) };
  switch (claim.kind) {
    case 'claimed':
      return { claimed: claim.token };
    case 'conflict':
      return { answered: err({ code: 'TXN_ID_CONFLICT', message: 'this txnId was already used with a different request' }) };
    case 'done':
      return { answered: await firstAnswer(ledger, claim.paymentId) };
  }
}

/**
 * For a request refused before its claim: the first answer when the same request with this
 * txnId was already processed (or TXN_IN_PROGRESS while it still is, after `waitMs`), so no
 * check made before the claim ever contradicts an answer given; undefined when the refusal
 * stands (the txnId is free, or was used for a different request).
 */
export async function answeredBefore(
  ledger: Ledger,
  participantId: string,
  txnId: string,
  bodyHash: string,
  waitMs = IN_PROGRESS_WAIT_MS,
): Promise<Result<PaymentAnswer, DomainError> | undefined> {
  const holder = await unlessInProgress(() => ledger.lookup(participantId, txnId, bodyHash), waitMs);
  if (!holder) return err(IN_PROGRESS);
  return holder.kind === 'done' ? firstAnswer(ledger, holder.paymentId) : undefined;
}
