/**
 * Settlement holds (docs/cases.md): a reviewed payment approved for the payer with its
 * settlement held is marked so in its record (`settlementHeld`), which never changes; its
 * case keeps the payments it holds, and a release is written apart, here, by the cases' Lua
 * scripts (cases/lua/includes/settlementHolds.lua names the same keys), so the payment's
 * status answer reads whether it was released without the record being rewritten.
 */

/** Hash: payment id -> JSON SettlementRelease, one entry per released payment. */
export const SETTLEMENT_RELEASED_KEY = 'settlement:released';
/** Hash: payment id -> the case holding it, while it is held. */
export const SETTLEMENT_HOLD_CASE_KEY = 'settlement:holdcase';
/** Set of the payment ids a case holds. */
export const caseHeldKey = (caseId: string) => `case:${caseId}:held`;

export interface SettlementRelease {
  /** Unix ms. */
  at: number;
  /** The officer, or `system` when the case's closing released it. */
  by: string;
  caseId: string;
  note: string;
}
