import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { Claim, Holder, Ledger } from './ledger.ts';
import { paymentAnswer, type PaymentAnswer } from './payment-view.ts';
import { SPEND_REFUSALS, type RequestSpend } from './request-spend.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from './store-unavailable.ts';

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

/**
 * A txnId's claim as first read, then read again until no attempt holds it in progress;
 * undefined once `waitMs` has passed. Only the first read spends the request's nonce.
 */
async function unlessInProgress<H extends { kind: string }>(
  first: H,
  readAgain: () => Promise<H>,
  waitMs: number,
): Promise<Exclude<H, { kind: 'in-progress' }> | undefined> {
  const deadline = Date.now() + waitMs;
  let holder = first;
  for (let pauseMs = 5; holder.kind === 'in-progress'; pauseMs = Math.min(2 * pauseMs, 50)) {
    if (Date.now() >= deadline) return undefined;
    await sleep(pauseMs);
    holder = await readAgain();
  }
  return holder as Exclude<H, { kind: 'in-progress' }>;
}

const IN_PROGRESS: DomainError = { code: 'TXN_IN_PROGRESS', message: 'this txnId is being processed; retry shortly' };

async function firstAnswer(ledger: Ledger, paymentId: string): Promise<Result<PaymentAnswer, DomainError>> {
  const first = await ledger.load(paymentId);
  return first ? ok(paymentAnswer(first)) : err({ code: 'PAYMENT_NOT_FOUND', message: 'the first answer has expired' });
}

/**
 * An authorisation's arrival: its one Redis call before the decision, which spends the
 * request's nonce and budget (when the participant API hands them over) and claims the
 * txnId, or only reads what holds it. Refused, it has claimed nothing, and the refusal is
 * not a message of the switch (the tap records none, as for any request refused on its
 * signature); without an answer from Redis it is STORE_UNAVAILABLE.
 */
export type Arrived<H> = { refused: DomainError } | { first: H };

async function arrive<H>(read: () => Promise<H | { kind: 'nonce-reused' } | { kind: 'over-budget' }>): Promise<Arrived<H>> {
  let first: H | { kind: 'nonce-reused' } | { kind: 'over-budget' };
  try {
    first = await read();
  } catch (e) {
    if (isStoreUnavailable(e)) return { refused: STORE_UNAVAILABLE };
    throw e;
  }
  const kind = (first as { kind: string }).kind;
  if (kind === 'nonce-reused' || kind === 'over-budget') return { refused: SPEND_REFUSALS[kind] };
  return { first: first as H };
}

/** Arrival of a request the switch will process: its txnId claimed, or what holds it. */
export function arriveClaiming(
  ledger: Ledger,
  spend: RequestSpend | undefined,
  participantId: string,
  txnId: string,
  bodyHash: string,
  paymentId: string,
): Promise<Arrived<Claim>> {
  return arrive(() =>
    spend ? ledger.spendAndClaim(spend, participantId, txnId, bodyHash, paymentId) : ledger.claim(participantId, txnId, bodyHash, paymentId),
  );
}

/** Arrival of a request the switch refuses unless its txnId was answered before: what holds the txnId. */
export function arriveLookingUp(
  ledger: Ledger,
  spend: RequestSpend | undefined,
  participantId: string,
  txnId: string,
  bodyHash: string,
): Promise<Arrived<Holder | { kind: 'free' }>> {
  return arrive(() => (spend ? ledger.spendAndLookup(spend, participantId, txnId, bodyHash) : ledger.lookup(participantId, txnId, bodyHash)));
}

/**
 * From the claim taken on arrival: either the caller now holds the claim, or the request
 * is already answered: the first answer for a repeat (once the first attempt has finished,
 * or its claim was given back and this one took it), 409 for a reused id, or 409
 * TXN_IN_PROGRESS when the first attempt is still running after `waitMs`.
 */
export async function claimTxn(
  ledger: Ledger,
  participantId: string,
  txnId: string,
  bodyHash: string,
  paymentId: string,
  first: Claim,
  waitMs = IN_PROGRESS_WAIT_MS,
): Promise<{ claimed: string } | { answered: Result<PaymentAnswer, DomainError> }> {
  const claim = await unlessInProgress(first, () => ledger.claim(participantId, txnId, bodyHash, paymentId), waitMs);
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
 * For a request refused before its claim, from what held its txnId on arrival: the first
 * answer when the same request with this txnId was already processed (or TXN_IN_PROGRESS
 * while it still is, after `waitMs`), so no check made before the claim ever contradicts an
 * answer given; undefined when the refusal stands (the txnId is free, or was used for a
 * different request).
 */
export async function answeredBefore(
  ledger: Ledger,
  participantId: string,
  txnId: string,
  bodyHash: string,
  first: Holder | { kind: 'free' },
  waitMs = IN_PROGRESS_WAIT_MS,
): Promise<Result<PaymentAnswer, DomainError> | undefined> {
  const holder = await unlessInProgress(first, () => ledger.lookup(participantId, txnId, bodyHash), waitMs);
  if (!holder) return err(IN_PROGRESS);
  return holder.kind === 'done' ? firstAnswer(ledger, holder.paymentId) : undefined;
}
