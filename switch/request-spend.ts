import type { DomainError } from '../domain/result.ts';

/**
 * What a signed request spends on arrival: its nonce, once, and (only for a fresh nonce) one
 * request of its participant's budget for the window. The participant API hands it to an
 * authorisation, whose one Redis call before the decision spends it with the txnId's claim.
 */
export interface RequestSpend {
  nonceKey: string;
  /** How long the nonce is remembered. */
  nonceTtlMs: number;
  /** The participant's counter of this window; its number is in the key. */
  budgetKey: string;
  budgetWindowMs: number;
  /** Requests the participant may make in a window. */
  budgetMax: number;
}

/** Why a request's arrival was refused with nothing claimed. */
export type SpendRefusal = { kind: 'nonce-reused' } | { kind: 'over-budget' };

/** The same refusals participant authentication gives for a request it spends itself. */
export const SPEND_REFUSALS: Record<SpendRefusal['kind'], DomainError> = {
  'nonce-reused': { code: 'AUTH_NONCE_REUSED', message: 'X-Nonce was already used' },
  'over-budget': { code: 'RATE_LIMITED', message: 'the participant passed its request limit for the window' },
};
