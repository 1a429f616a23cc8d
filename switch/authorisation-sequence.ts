import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { RejectedMessage, RiskAssessment, SwitchedMessage, TapEvent, TransactionEvent } from '../domain/transaction.ts';
import type { SwitchDeps } from './deps.ts';
import type { CommitOutcome } from './ledger.ts';
import type { PaymentAnswer } from './payment-view.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from './store-unavailable.ts';

/**
 * The steps every authorisation shares, payments and follow-ups alike: a claimed message is
 * scored, committed with its tap entry and observed; a refused request is tapped as such.
 */

/** When a request arrived: the clock its switch latency runs from, and its receipt time. */
export interface Arrival {
  started: bigint;
  receivedAt: number;
}

export function arrivalOf(deps: SwitchDeps): Arrival {
  return { started: process.hrtime.bigint(), receivedAt: deps.now() };
}

/** The tap's record of a refusal, but what every refusal has: its id, code and receipt. */
export type RefusedRequest = Omit<RejectedMessage, 'paymentId' | 'messageType' | 'rejectCode' | 'receivedAt'>;

/**
 * Runs one attempt and taps it when it is refused (after its sender was authenticated).
 * Without an answer from Redis the request is refused as a whole with DEPENDENCY_DOWN: a
 * value the participant can act on (send it again, see STORE_UNAVAILABLE), not a 500.
 */
export async function tapRefusal(
  deps: SwitchDeps,
  arrival: Arrival,
  refusedAs: (error: DomainError) => RefusedRequest,
  attempt: () => Promise<Result<PaymentAnswer, DomainError>>,
): Promise<Result<PaymentAnswer, DomainError>> {
  try {
    const outcome = await attempt();
    if (!outcome.ok) {
      const refused = refusedAs(outcome.error);
      await deps.tap.appendRejected({
        paymentId: deps.newPaymentId(refused.requested),
        messageType: 'rejected',
        ...refused,
        rejectCode: outcome.error.code,
        receivedAt: arrival.receivedAt,
      });
    }
    return outcome;
  } catch (e) {
    if (isStoreUnavailable(e)) return err(STORE_UNAVAILABLE);
    throw e;
  }
}

/** What the ledger's commit takes of a scored message. */
export interface ScoredMessage {
  /** The tap's entry, stored as the message's record: the event but the status the commit decides. */
  event: TapEvent;
  /** Whether risk lets the issuer decide (anything but a decline). */
  allowed: boolean;
  tap: { stream: string; entry: string };
}

/** A payment that risk reviews, by a rule that holds or for a wallet that holds every review, is approved with its settlement held. */
function holdsSettlement(deps: SwitchDeps, message: SwitchedMessage, risk: RiskAssessment): boolean {
  if (message.messageType !== 'payment' || risk.decision !== 'review') return false;
  return risk.holdSettlement === true || deps.registry.participant(message.participant)?.holdSettlement === true;
}

/**
 * Scores a claimed message, commits it and tells the observer. A commit without a reply
 * may have run: the claim is given back once Redis answers (the release then finds it done,
 * or frees the txnId for the retry) and the late observer learns whether it ran. A commit
 * that found its claim gone (expired, taken by a retry) is PROCESSING_TIMEOUT.
 */
export async function scoreAndCommit(
  deps: SwitchDeps,
  arrival: Arrival,
  message: SwitchedMessage,
  claimToken: string,
  commit: (scored: ScoredMessage) => Promise<CommitOutcome>,
): Promise<Result<TransactionEvent, DomainError>> {
  let event: TapEvent;
  let outcome: CommitOutcome;
  try {
    const riskStarted = process.hrtime.bigint();
    const risk = await deps.scorer.score(message);
    const riskLatencyUs = Number((process.hrtime.bigint() - riskStarted) / 1000n);
    event = {
      ...message,
      risk,
      ...(holdsSettlement(deps, message, risk) ? { settlementHeld: true as const } : {}),
      riskLatencyUs,
      switchLatencyUs: Number((process.hrtime.bigint() - arrival.started) / 1000n),
      decidedAt: deps.now(),
    };
    outcome = await commit({
      event,
      allowed: risk.decision !== 'decline',
      tap: { stream: deps.tap.stream, entry: deps.tap.encode(event) },
    });
  } catch (e) {
    deps.scorer.settle?.(message, undefined);
    deps.ledger.releaseSoon(message.initiator, message.txnId, claimToken);
    if (isStoreUnavailable(e)) deps.lateObserver?.add(message.paymentId);
    throw e;
  }
  deps.scorer.settle?.(message, 'status' in outcome ? outcome.status : undefined);
  if ('lost' in outcome) {
    const what = message.messageType === 'payment' ? 'payment' : 'request';
    return err({ code: 'PROCESSING_TIMEOUT', message: `the ${what} took too long and was not committed; retry` });
  }
  if ('rejected' in outcome) return err(outcome.rejected);
  const committed: TransactionEvent = { ...event, status: outcome.status, ...(outcome.declineCode ? { declineCode: outcome.declineCode } : {}) };
  deps.observe?.(committed);
  return ok(committed);
}
