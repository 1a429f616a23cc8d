import type { ListEntity } from './list-entity.ts';
import { buildMatchIndex, createMatchIndex, DEFAULT_MATCH_OPTIONS, type Candidate, type MatchIndex, type ProbeFacts } from './match-index.ts';

/**
 * The screening lists a process matches names against right now: one index per list name,
 * each of one version, swapped whole when a new version is installed (a decision in flight
 * keeps the index it started with). No Redis and no ClickHouse: screening runs on the
 * degraded path too. Who installs versions (at start, from an upload, from another node's
 * announcement) and who keeps the allowances is the caller's business.
 */

export interface ListVersion {
  name: string;
  version: number;
  entities: number;
  names: number;
  /** Unix ms when this process installed it. */
  installedAt: number;
  /** The index's arrays, estimated. */
  memoryBytes: number;
}

/** A candidate and the list version it came from. */
export interface ScreeningHit extends Candidate {
  list: string;
  version: number;
}

/** The best sanction and the best PEP hit of one party (payer or merchant), if any. */
export interface PartyScreening {
  sanction?: ScreeningHit;
  pep?: ScreeningHit;
}

/**
 * Whether an officer allowed this entity for this subject (a hit judged a false positive),
 * at `at`. Subjects: `payer:<participant>:<walletId>`, `merchant:<merchantId>`.
 */
export type IsAllowed = (subject: string, entityId: string, at: number) => boolean;

export interface ScreenProbe extends ProbeFacts {
  /** The party's subject, for allowances; without one no allowance applies. */
  subject?: string;
  /** Unix ms of the decision (allowances expire); default now. */
  at?: number;
}

export interface LiveScreening {
  /**
   * Makes a list version the live one of its name: with `index` (from `build`), at once;
   * without, its index is built here, synchronously (a test, a backtest, a small list).
   */
  install(name: string, version: number, entities: readonly ListEntity[], index?: MatchIndex): ListVersion;
  /** A version's index built in time slices of about 10 ms, so a process taking payments keeps answering meanwhile. */
  build(entities: readonly ListEntity[]): Promise<MatchIndex>;
  /** The live version of every list, by name. */
  versions(): ListVersion[];
  /** The lists and versions a decision uses, e.g. "sample:3,ofac:12" ("" with none): recorded with the decision. */
  versionTag(): string;
  /** The best sanction and PEP hits of one party's name over every live list, allowances applied. */
  screenParty(name: string | undefined, probe?: ScreenProbe): PartyScreening;
  /** Every candidate over every live list, best first (the console's test box, a merchant's kept screening); allowances not applied. */
  check(name: string, probe?: ProbeFacts): ScreeningHit[];
  /** The best sanction and PEP hits among candidates (best first) from `check`, allowances applied now. */
  partyOf(candidates: readonly ScreeningHit[], probe?: Pick<ScreenProbe, 'subject' | 'at'>): PartyScreening;
  /** Replaces the allowance check (an officer's false-positive decisions, kept current by the caller). */
  setAllowances(isAllowed: IsAllowed): void;
}

export interface LiveScreeningOptions {
  /** Score at or above which a candidate is a hit, 0..1. Default DEFAULT_MATCH_OPTIONS.threshold (0.85). */
  threshold?: number;
  now?: () => number;
}

const isSanction = (hit: ScreeningHit) => hit.kind === 'sanction' || hit.kind === 'both';
const isPep = (hit: ScreeningHit) => hit.kind === 'pep' || hit.kind === 'both';

/** The best sanction and PEP hits among candidates (best first), the subject's allowances at `at` applied. */
export function bestOfParty(hits: readonly ScreeningHit[], isAllowed: IsAllowed, subject: string | undefined, at: number): PartyScreening {
  const result: PartyScreening = {};
  for (const hit of hits) {
    if (subject !== undefined && isAllowed(subject, hit.entityId, at)) continue;
    if (!result.sanction && isSanction(hit)) result.sanction = hit;
    if (!result.pep && isPep(hit)) result.pep = hit;
    if (result.sanction && result.pep) break;
  }
  return result;
}

export function createLiveScreening(options: LiveScreeningOptions = {}): LiveScreening {
  const threshold = options.threshold ?? DEFAULT_MATCH_OPTIONS.threshold;
  const now = options.now ?? Date.now;
  const live = new Map<string, { version: ListVersion; index: MatchIndex }>();
  let isAllowed: IsAllowed = () => false;
  let tag = '';

  const candidates = (name: string, probe: ProbeFacts): ScreeningHit[] => {
    const hits: ScreeningHit[] = [];
    for (const { version, index } of live.values()) {
      for (const c of index.screen(name, probe).candidates) hits.push({ ...c, list: version.name, version: version.version });
    }
    return hits.sort((a, b) => b.score - a.score);
  };

  const partyOf = (hits: readonly ScreeningHit[], subject: string | undefined, at = now()) => bestOfParty(hits, isAllowed, subject, at);

  return {
    install(name, version, entities, built) {
      const index = built ?? createMatchIndex(entities, { threshold });
      const installed: ListVersion = {
        name,
        version,
        entities: index.size.entities,
        names: index.size.names,
        installedAt: now(),
        memoryBytes: index.memoryBytes,
      };
      live.set(name, { version: installed, index });
      tag = [...live.values()]
        .map((l) => `${l.version.name}:${l.version.version}`)
        .sort()
        .join(',');
      return installed;
    },
    build: (entities) => buildMatchIndex(entities, { threshold }),
    versions: () => [...live.values()].map((l) => l.version),
    versionTag: () => tag,
    screenParty(name, probe = {}) {
      if (!name || live.size === 0) return {};
      const { subject, at, ...facts } = probe;
      return partyOf(candidates(name, facts), subject, at);
    },
    check: (name, probe = {}) => candidates(name, probe),
    partyOf: (hits, probe = {}) => partyOf(hits, probe.subject, probe.at),
    setAllowances(fn) {
      isAllowed = fn;
    },
  };
}
