import type { Payer, SwitchedMessage } from '../../domain/transaction.ts';
import type { LiveScreening, PartyScreening, ScreeningHit } from '../../screening/live-screening.ts';
import type { ProbeFacts } from '../../screening/match-index.ts';
import type { ScreeningService } from '../../screening/screening-service.ts';

/**
 * The screening half of the facts: the payer's and the merchant's names matched against the
 * live screening lists, in process (no Redis: it runs on the degraded path too), on the
 * screening thread (threaded-screening.ts) or, in backtests, on this one. The payer's
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

/** The facts of the payer's name a match weighs, as the message carries them. */
function payerProbe(payer: Payer): ProbeFacts | undefined {
  const { birthYear, nationality } = payer;
  if (birthYear === undefined && nationality === undefined) return undefined;
  return { ...(birthYear !== undefined ? { birthYear } : {}), ...(nationality !== undefined ? { country: nationality } : {}) };
}

/**
 * The merchants' candidates, kept once per merchant, names and list versions: until a list
 * changes, and the officers' allowances are applied to them at every payment, so one made
 * meanwhile counts at once. A merchant takes the payment path's time once, not once a second:
 * with many merchants, nearly every payment would otherwise screen a company name, the
 * slowest kind to screen.
 */
function merchantMemory(maxMerchants: number) {
  const merchants = new Map<string, { lists: string; name: string; candidates: readonly ScreeningHit[] }>();
  return {
    /** The merchant's key, and its candidates if kept for these lists and this name. */
    recall(message: SwitchedMessage, lists: string): { key: string; names: string[]; candidates?: readonly ScreeningHit[] } {
      const m = message.merchant;
      // The other names may differ with the QR presented: each set is kept. The registry's name
      // is compared (a rename screens again); most merchants have no other name, and their key
      // is their id, made by no payment.
      const key = m.altNames ? `${m.id}\n${m.altNames.join('\n')}` : m.id;
      const known = merchants.get(key);
      if (known && known.lists === lists && known.name === m.name) return { key, names: [], candidates: known.candidates };
      return { key, names: m.altNames ? [m.name, ...m.altNames] : [m.name] };
    },
    keep(key: string, lists: string, name: string, perName: readonly (readonly ScreeningHit[])[]): readonly ScreeningHit[] {
      const candidates = perName.length === 1 ? perName[0]! : perName.flat().sort(byScore);
      // A tenth of the longest kept make room at once, not one per payment.
      if (merchants.has(key)) merchants.delete(key);
      else if (merchants.size >= maxMerchants) forgetOldest(merchants, Math.ceil(maxMerchants / 10));
      merchants.set(key, { lists, name, candidates });
      return candidates;
    },
  };
}

type Party = Pick<LiveScreening, 'partyOf'>;

// Allowances are asked of hits only: a party without one needs no subject built.
const partyOf = (screening: Party, candidates: readonly ScreeningHit[], subject: (message: SwitchedMessage) => string, message: SwitchedMessage): PartyScreening =>
  candidates.length === 0 ? NO_HIT : screening.partyOf(candidates, { subject: subject(message), at: message.receivedAt });

const factsOf = (screening: Party, message: SwitchedMessage, payer: readonly ScreeningHit[], merchant: readonly ScreeningHit[], lists: string): ScreeningFacts => ({
  payer: partyOf(screening, payer, payerSubject, message),
  merchant: partyOf(screening, merchant, merchantSubject, message),
  lists,
});

/**
 * Screens a message's parties on this thread (backtests). The payer at every payment, by the
 * name, year of birth and nationality the message carries (remembering payers' names too was
 * measured: the map of names made every new name's step slower at p99, 1.3-1.8 ms against
 * 0.92-0.97 ms, more than returning payers gained); the merchant once per merchant.
 */
export function createMessageScreener(live: LiveScreening, options: MessageScreenerOptions = {}): (message: SwitchedMessage) => ScreeningFacts {
  const memory = merchantMemory(options.maxMerchants ?? 100_000);
  return (message) => {
    const lists = live.versionTag();
    if (lists === '') return NOT_SCREENED;
    const { name } = message.payer;
    const payer = name ? live.check(name, payerProbe(message.payer)) : NO_CANDIDATES;
    const known = memory.recall(message, lists);
    const merchant = known.candidates ?? memory.keep(known.key, lists, message.merchant.name, known.names.map((n) => live.check(n)));
    return factsOf(live, message, payer, merchant, lists);
  };
}

export interface AsyncMessageScreener {
  /**
   * Starts matching the payer's name now, at the payment's arrival: the screening thread
   * works on it while this thread checks the payment and makes its first Redis call, and
   * `screen` collects the answer. Keyed by the payer object the message carries.
   */
  prescreen(payer: Payer): void;
  /** The parties' facts; rejects with ScreeningUnavailableError when the lists could not be asked. */
  screen(message: SwitchedMessage): Promise<ScreeningFacts>;
}

/** The same screening through a ScreeningService: names matched on the screening thread, the payer's started at the payment's arrival. */
export function createAsyncMessageScreener(
  service: Pick<ScreeningService, 'check' | 'partyOf' | 'versionTag' | 'matchedOn'>,
  options: MessageScreenerOptions & {
    /** Whether `prescreen` starts the payer's match. Default: when names are matched on the screening thread (on this one, starting early gains nothing, and a payment refused at its claim would cost a match). */
    handOver?: boolean;
  } = {},
): AsyncMessageScreener {
  const memory = merchantMemory(options.maxMerchants ?? 100_000);
  const handOver = options.handOver ?? service.matchedOn === 'thread';
  /** Payers whose names are being matched, with the lists they are matched against; a payment that never gets scored leaves its entry to the collector. */
  const started = new WeakMap<Payer, { lists: string; hits: Promise<ScreeningHit[]> }>();
  const check = (payer: Payer) => service.check(payer.name!, payerProbe(payer));

  return {
    prescreen(payer) {
      if (!handOver) return;
      const lists = service.versionTag();
      if (lists === '' || !payer.name) return;
      const hits = check(payer);
      // Collected by `screen`; a payment refused before it is scored leaves nothing unhandled.
      hits.catch(() => undefined);
      started.set(payer, { lists, hits });
    },
    async screen(message) {
      const lists = service.versionTag();
      if (lists === '') return NOT_SCREENED;
      const ahead = started.get(message.payer);
      if (ahead) started.delete(message.payer);
      const payerHits = !message.payer.name ? NO_CANDIDATES : ahead && ahead.lists === lists ? ahead.hits : check(message.payer);
      const known = memory.recall(message, lists);
      const merchant = known.candidates ?? memory.keep(known.key, lists, message.merchant.name, await Promise.all(known.names.map((n) => service.check(n))));
      return factsOf(service, message, await payerHits, merchant, lists);
    },
  };
}

const NO_CANDIDATES: readonly ScreeningHit[] = [];
