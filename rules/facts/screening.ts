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

export const NOT_SCREENED: ScreeningFacts = { payer: {}, merchant: {}, lists: '' };

/** A hit as a reason names it: "cpg-sample-kim-jong-un in sample v3"; "" without one. */
export function matchText(hit: ScreeningHit | undefined): string {
  return hit ? `${hit.entityId} in ${hit.list} v${hit.version}` : '';
}

export const payerSubject = (message: SwitchedMessage) => `payer:${message.participant}:${message.payer.walletId}`;
export const merchantSubject = (message: SwitchedMessage) => `merchant:${message.merchant.id}`;

export interface MessageScreenerOptions {
  /** How long a merchant's screening is reused for the same list versions: an allowance made meanwhile applies after it. Default 1000. */
  merchantReuseMs?: number;
  /** Merchants remembered at most; past it the memory starts again. Default 10,000. */
  maxMerchants?: number;
  now?: () => number;
}

const better = (a: ScreeningHit | undefined, b: ScreeningHit | undefined) => (!a || (b && b.score > a.score) ? b : a);

/**
 * Screens a message's parties. The payer every time (its name comes with the message); the
 * merchant once per merchant, names and list versions, reused for `merchantReuseMs`: a merchant
 * paid a hundred times a second is screened about once a second, and a new list version at once.
 */
export function createMessageScreener(live: LiveScreening, options: MessageScreenerOptions = {}): (message: SwitchedMessage) => ScreeningFacts {
  const reuseMs = options.merchantReuseMs ?? 1000;
  const maxMerchants = options.maxMerchants ?? 10_000;
  const now = options.now ?? Date.now;
  const merchants = new Map<string, { lists: string; at: number; screening: PartyScreening }>();

  const screenMerchant = (message: SwitchedMessage, lists: string): PartyScreening => {
    const m = message.merchant;
    // The registry's name goes with its id; the other names may differ with the QR presented.
    const key = m.altNames ? `${m.id}\n${m.altNames.join('\n')}` : m.id;
    const at = now();
    const known = merchants.get(key);
    if (known && known.lists === lists && at - known.at < reuseMs) return known.screening;
    const names = m.altNames ? [m.name, ...m.altNames] : [m.name];
    const screening: PartyScreening = {};
    const probe = { subject: merchantSubject(message), at: message.receivedAt };
    for (const name of names) {
      const found = live.screenParty(name, probe);
      const sanction = better(screening.sanction, found.sanction);
      const pep = better(screening.pep, found.pep);
      if (sanction) screening.sanction = sanction;
      if (pep) screening.pep = pep;
    }
    if (merchants.size >= maxMerchants) merchants.clear();
    merchants.set(key, { lists, at, screening });
    return screening;
  };

  return (message) => {
    const lists = live.versionTag();
    if (lists === '') return NOT_SCREENED;
    return {
      payer: live.screenParty(message.payer.name, {
        subject: payerSubject(message),
        at: message.receivedAt,
        ...(message.payer.birthYear !== undefined ? { birthYear: message.payer.birthYear } : {}),
        ...(message.payer.nationality !== undefined ? { country: message.payer.nationality } : {}),
      }),
      merchant: screenMerchant(message, lists),
      lists,
    };
  };
}
