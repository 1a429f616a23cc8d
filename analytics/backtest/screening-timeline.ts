import type { SwitchedMessage } from '../../domain/transaction.ts';
import { createMessageScreener, type ScreeningFacts } from '../../rules/facts/screening.ts';
import type { ListEntity } from '../../screening/list-entity.ts';
import { createLiveScreening } from '../../screening/live-screening.ts';
import type { RecordedListVersion } from './list-versions.ts';

/**
 * The screening lists as they were live while the replay's time passes: each recorded version
 * is installed once the replay reaches the time it went live, and only over an older one of
 * its list, as a node would have. Allowances are not replayed: an officer's false-positive
 * decision made since would otherwise hide what was hit at the time.
 */
export interface ScreeningTimeline {
  /** Unix ms of the next version to go live; Infinity when none is left. */
  readonly nextAt: number;
  /** Installs what went live at or before `at`; of the versions before the first call, only the last of each list. */
  advanceTo(at: number): Promise<void>;
  /** The parties of a message screened with the versions installed. */
  screen(message: SwitchedMessage): ScreeningFacts;
  /** What was installed, in order: `sample:2`, ... (the result says which versions the replay used). */
  readonly installed: readonly string[];
}

export function createScreeningTimeline(
  versions: readonly RecordedListVersion[],
  entitiesOf: (name: string, version: number) => Promise<ListEntity[]>,
  options: { threshold?: number } = {},
): ScreeningTimeline {
  const pending = [...versions].sort((a, b) => a.uploadedAt - b.uploadedAt || a.version - b.version);
  const live = createLiveScreening({ ...(options.threshold !== undefined ? { threshold: options.threshold } : {}) });
  // Merchants are screened again at every new version (the screener keeps them per list tag).
  const screener = createMessageScreener(live);
  const installed: string[] = [];
  const current = new Map<string, number>();

  return {
    get nextAt() {
      return pending[0]?.uploadedAt ?? Number.POSITIVE_INFINITY;
    },
    async advanceTo(at) {
      const due = new Map<string, RecordedListVersion>();
      while (pending.length > 0 && pending[0]!.uploadedAt <= at) {
        const v = pending.shift()!;
        // Only ever forward, as the live pointer moves: a later, lower number never went live.
        if (v.version > (due.get(v.name)?.version ?? current.get(v.name) ?? 0)) due.set(v.name, v);
      }
      for (const v of due.values()) {
        // Built in time slices: a backtest may run in a process that takes payments.
        const entities = await entitiesOf(v.name, v.version);
        live.install(v.name, v.version, entities, await live.build(entities));
        current.set(v.name, v.version);
        installed.push(`${v.name}:${v.version}`);
      }
    },
    screen: (message) => screener(message),
    installed,
  };
}
