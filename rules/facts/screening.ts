import type { SwitchedMessage } from '../../domain/transaction.ts';
import type { LiveScreening, PartyScreening, ScreeningHit } from '../../screening/live-screening.ts';

/**
 * The screening half of the facts: the payer's and the merchant's names matched against the
 * live screening lists, in process (no Redis: it runs on the degraded path too). The payer's
 * year of birth and nationality strengthen or weaken a match when the wallet sent them; the
 * wallet's country is not its holder's nationality and is not passed as one.
 */

export interface ScreeningFacts {
  payer: PartyScreening;
  merchant: PartyScreening;
  /** The lists and versions matched against (LiveScreening.versionTag()), "" with none. */
  lists: string;
}

/** No hit on either party (shared: never written to). */
const NO_HIT: PartyScreening = Object.freeze({});

export const NOT_SCREENED: ScreeningFacts = Object.freeze({ payer: NO_HIT, merchant: NO_HIT, lists: '' });

/** A hit as a reason names it: "cpg-sample-kim-jong-un in sample v3"; "" without one. */
export function matchText(hit: ScreeningHit | undefined): string {
  return hit ? `${hit.entityId} in ${hit.list} v${hit.version}` : '';
}

export const payerSubject = (message: SwitchedMessage) => `payer:${message.participant}:${message.payer.walletId}`;
export const merchantSubject = (message: SwitchedMessage) => `merchant:${message.merchant.id}`;

export interface MessageScreenerOptions {
  /** Merchants whose screening is kept at most; past it the longest kept make room. Default 100,000. */
  maxMerchants?: number;
}

const byScore = (a: ScreeningHit, b: ScreeningHit) => b.score - a.score;

/** Drops the `count` entries set longest ago (a Map iterates in insertion order). */
function forgetOldest(map: Map<string, unknown>, count: number): void {
  for (const key of map.keys()) {
    if (count-- <= 0) return;
    map.delete(key);
  }
}

/**
 * Screens a message's parties. The payer at every payment, by the name, year of birth and
 * nationality the message carries (remembering payers' names too was measured: the map of
 * names made every new name's step slower at p99, 1.3-1.8 ms against 0.92-0.97 ms, more
 * than returning payers gained). The merchant once per merchant, names and list versions:
 * its candidates are kept until a list changes, and the officers' allowances are applied to
 * them at every payment, so one made meanwhile counts at once. A merchant takes the payment
 * path's time once, not once a second: with many merchants, nearly every payment would
 * otherwise screen a company name, the slowest kind to screen.
 */
export function createMessageScreener(live: LiveScreening, options: MessageScreenerOptions = {}): (message: SwitchedMessage) => ScreeningFacts {
  const maxMerchants = options.maxMerchants ?? 100_000;
  const merchants = new Map<string, { lists: string; name: string; candidates: readonly ScreeningHit[] }>();

  const merchantCandidates = (message: SwitchedMessage, lists: string): readonly ScreeningHit[] => {
    const m = message.merchant;
    // The other names may differ with the QR presented: each set is kept. The registry's name
    // is compared (a rename screens again); most merchants have no other name, and their key
    // is their id, made by no payment.
    const key = m.altNames ? `${m.id}\n${m.altNames.join('\n')}` : m.id;
    const known = merchants.get(key);
    if (known && known.lists === lists && known.name === m.name) return known.candidates;
    const names = m.altNames ? [m.name, ...m.altNames] : [m.name];
    const candidates = names.length === 1 ? live.check(m.name) : names.flatMap((name) => live.check(name)).sort(byScore);
    // A tenth of the longest kept make room at once, not one per payment.
    if (known) merchants.delete(key);
    else if (merchants.size >= maxMerchants) forgetOldest(merchants, Math.ceil(maxMerchants / 10));
    merchants.set(key, { lists, name: m.name, candidates });
    return candidates;
  };

  const payerCandidates = (message: SwitchedMessage): readonly ScreeningHit[] => {
    const { name, birthYear, nationality } = message.payer;
    if (!name) return NO_CANDIDATES;
    if (birthYear === undefined && nationality === undefined) return live.check(name);
    return live.check(name, { ...(birthYear !== undefined ? { birthYear } : {}), ...(nationality !== undefined ? { country: nationality } : {}) });
  };

  // Allowances are asked of hits only: a party without one needs no subject built.
  const party = (candidates: readonly ScreeningHit[], subjectOf: (message: SwitchedMessage) => string, message: SwitchedMessage): PartyScreening =>
    candidates.length === 0 ? NO_HIT : live.partyOf(candidates, { subject: subjectOf(message), at: message.receivedAt });

  return (message) => {
    const lists = live.versionTag();
    if (lists === '') return NOT_SCREENED;
    return {
      payer: party(payerCandidates(message), payerSubject, message),
      merchant: party(merchantCandidates(message, lists), merchantSubject, message),
      lists,
    };
  };
}

const NO_CANDIDATES: readonly ScreeningHit[] = [];
