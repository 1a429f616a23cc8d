import type { ProbeFacts } from './match-index.ts';
import type { IsAllowed, ListVersion, LiveScreening, PartyScreening, ScreenProbe, ScreeningHit } from './live-screening.ts';
import { unpackEntities } from './packed-entities.ts';

/**
 * The screening lists as a process that takes payments uses them: names are matched where
 * the lists are held (the screening thread, threaded-screening.ts, or this thread for tests
 * and small lists), so matching is asked for and answered later; what a decision needs at
 * once (the versions, the allowances) is answered here.
 */
export interface ScreeningService {
  /** Where names are matched: this thread, or the screening thread. */
  readonly matchedOn: 'main' | 'thread';
  /**
   * Makes a list version live from its entities as Redis stores them (packed-entities.ts);
   * resolves once every later screening uses it. A version not newer than the live one is
   * ignored (resolves with the live one).
   */
  install(name: string, version: number, packed: Uint8Array): Promise<ListVersion>;
  /** The live version of every list, by name. */
  versions(): ListVersion[];
  /** The lists and versions a decision uses, e.g. "sample:3,ofac:12" ("" with none). */
  versionTag(): string;
  /**
   * Every candidate of a name over every live list, best first, allowances not applied.
   * Rejects with ScreeningUnavailableError when the lists cannot be asked in time (their
   * thread stuck, or started again and not yet holding them): never "no hit" instead.
   */
  check(name: string, probe?: ProbeFacts): Promise<ScreeningHit[]>;
  /** The best sanction and PEP hits among candidates (best first) from `check`, allowances applied. */
  partyOf(candidates: readonly ScreeningHit[], probe?: Pick<ScreenProbe, 'subject' | 'at'>): PartyScreening;
  /** Replaces the allowance check (an officer's false-positive decisions, kept current by the caller). */
  setAllowances(isAllowed: IsAllowed): void;
  close(): Promise<void>;
}

/** The lists could not be asked in time; the decision is taken without them, as degraded. */
export class ScreeningUnavailableError extends Error {
  override name = 'ScreeningUnavailableError';
}

/** A LiveScreening on this thread behind the service's interface: tests, backtests' tools, small lists. */
export function inProcessScreening(live: LiveScreening): ScreeningService {
  /** Per list, installs in order: a version never overtakes the one before it. */
  const queues = new Map<string, Promise<unknown>>();
  const liveVersion = (name: string) => live.versions().find((v) => v.name === name);
  return {
    matchedOn: 'main',
    install(name, version, packed) {
      const work = async (): Promise<ListVersion> => {
        const known = liveVersion(name);
        if (known && known.version >= version) return known;
        const entities = await unpackEntities(packed);
        const index = await live.build(entities);
        const again = liveVersion(name);
        if (again && again.version >= version) return again;
        return live.install(name, version, entities, index);
      };
      const next = (queues.get(name) ?? Promise.resolve()).then(work, work);
      queues.set(name, next);
      return next;
    },
    versions: () => live.versions(),
    versionTag: () => live.versionTag(),
    check: async (name, probe) => live.check(name, probe),
    partyOf: (candidates, probe) => live.partyOf(candidates, probe),
    setAllowances: (fn) => live.setAllowances(fn),
    async close() {
      await Promise.allSettled(queues.values());
    },
  };
}
