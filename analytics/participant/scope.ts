import type { Window } from './window.ts';

/**
 * Whose transactions a participant's analytics cover. The rule:
 * - a wallet (overseas or domestic) sees the messages its payers sent, i.e. the rows where
 *   it is `participant` (the payer-side wallet, also for the refunds and reversals of its
 *   payments);
 * - an acquirer sees its merchants' messages, i.e. the rows where it is `acquirer` (the
 *   merchant's acquirer), whichever wallet paid.
 * Messages the switch refused before processing them (`message_type = 'rejected'`) are
 * not transactions and are left out. The participant is always a bound parameter; the
 * column it is compared with is one of two constants chosen by the participant's kind
 * from the configuration, never by the caller.
 */
export type Side = 'wallet' | 'acquirer';

export interface Scope {
  participant: string;
  side: Side;
}

export function scopeOf(participant: { id: string; kind: string }): Scope {
  return { participant: participant.id, side: participant.kind === 'acquirer' ? 'acquirer' : 'wallet' };
}

const SCOPE_CONDITION: Readonly<Record<Side, string>> = {
  wallet: 'participant = {participant:String}',
  acquirer: 'acquirer = {participant:String}',
};

/**
 * The money a participant settles, per currency: a wallet in its own currency (what its
 * payers were debited), an acquirer in its merchants' currencies (what they were paid).
 */
export const SETTLEMENT: Readonly<Record<Side, { currency: string; amount: string }>> = {
  wallet: { currency: 'settlement_currency', amount: 'settlement_amount' },
  acquirer: { currency: 'currency', amount: 'amount' },
};

const AT = (name: string) => `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;

/** Rows of `transactions` in scope and in the window (any processed message type). */
export function scopedRows(side: Side): string {
  return `${SCOPE_CONDITION[side]}
    AND received_at >= ${AT('fromMs')} AND received_at < ${AT('toMs')}
    AND message_type IN ('payment', 'refund', 'reversal')`;
}

/**
 * Payment ids confirmed as fraud: every payment that raised, or was grouped into, an
 * alert a risk officer resolved with disposition `fraud`. Alerts follow their payments, so
 * only events from the window's start on are read. Used only as a membership test against
 * rows already scoped to the participant.
 */
export function fraudConfirmedPayments(database: string): string {
  return `SELECT payment_id FROM ${database}.alert_events
    WHERE kind IN ('created', 'grouped') AND payment_id != '' AND at >= ${AT('fromMs')}
      AND alert_id IN (
        SELECT alert_id FROM ${database}.alert_events
        WHERE kind = 'resolved' AND disposition = 'fraud' AND at >= ${AT('fromMs')}
      )`;
}

/**
 * Why a declined payment was declined: the issuer's code (INSUFFICIENT_FUNDS,
 * ISSUER_LIMIT_DAILY, ...), or for a risk decline the rule that weighed most (reasons are
 * ordered by contribution); RISK_DECLINED when no rule is named (a degraded fallback).
 * The column is materialised at insert (migration 4) and is '' for rows not declined.
 */
export const DECLINE_REASON = 'decline_reason';
export const DECLINE_SOURCE = `if(decline_code = 'RISK_DECLINED', 'risk', 'issuer')`;

export function queryParams(scope: Scope, window: Window): Record<string, unknown> {
  return { participant: scope.participant, fromMs: window.fromMs, toMs: window.toMs };
}
