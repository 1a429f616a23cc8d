import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { buildFacts, decide, evaluateDirect, type CompiledRuleSet, type Facts, type RuleHit, type Thresholds } from '../../rules/index.ts';
import type { RiskDecisionKind } from '../../domain/transaction.ts';
import { listFacts } from '../../rules/facts/gather.ts';
import type { ListName } from '../../rules/facts/keys.ts';
import { recordedObservation, REPLAY_CHUNK, REPLAY_SWEEP_EVERY_MS, replayHistory } from '../../rules/state/replay-history.ts';
import { createRiskState } from '../../rules/state/risk-state.ts';
import type { ScreeningTimeline } from './screening-timeline.ts';
import { planPages, readPage, type ReplayRow, type TransactionSource } from './transaction-source.ts';

/** The risk lists as they were when the replay was asked for. */
export type ListSnapshot = Readonly<Record<ListName, ReadonlySet<string>>>;

/**
 * The replay every job that re-decides past payments runs (a backtest, a comparison of two
 * rule-set versions), so each sees the facts the live engine saw: [from - warm-up, to) of
 * `transactions` in received order, the warm-up only building the velocity state
 * (rules/state/, the live one's implementation), each message of the window observed (the
 * attempt counted first), handed over with its facts, then recorded with its recorded
 * status, as history happened whatever a replayed decision says.
 */
export interface ReplayWindow {
  from: number;
  to: number;
  warmupMs: number;
}

export interface ReplayDeps {
  source: TransactionSource;
  lists: ListSnapshot;
  /** The screening list versions as they went live; without it nothing is screened. */
  screening?: ScreeningTimeline;
  cnyPerUsd: number;
  pageSize?: number;
  progress(p: { processed: number; total: number }): Promise<void>;
  /** Checked between chunks: true stops the run with an error (the platform is shutting down). */
  cancelled?(): boolean;
}

export interface ReplayVisitor {
  /** Before a page of the window is handed over, with its rows (the backtest reads their alerts). */
  page?(rows: readonly ReplayRow[], from: number): Promise<void>;
  /** Each scored message of the window, with the facts its rules see; the state is not yet updated by it. */
  message(row: ReplayRow, facts: Facts): void;
}

export const DEFAULT_PAGE_SIZE = 5000;

export async function replayWindow(window: ReplayWindow, deps: ReplayDeps, visit: ReplayVisitor): Promise<{ warmFrom: number; warmRows: number }> {
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  const warmFrom = window.from - window.warmupMs;
  const [warmHistogram, windowHistogram] = await Promise.all([
    window.warmupMs > 0 ? deps.source.histogram(warmFrom, window.from) : Promise.resolve([]),
    deps.source.histogram(window.from, window.to),
  ]);
  const warmRows = warmHistogram.reduce((n, m) => n + m.rows, 0);
  let total = warmRows + windowHistogram.reduce((n, m) => n + m.rows, 0);
  let processed = 0;
  await deps.progress({ processed, total });

  const state = createRiskState();
  let lastSweep = warmFrom;
  const cancelled = () => deps.cancelled?.() ?? false;
  const stopped = () => new Error('replay stopped: the platform is shutting down; run it again');
  async function* warmPages() {
    for (const page of planPages(warmHistogram, warmFrom, window.from, pageSize)) yield* readPage(deps.source, page, pageSize);
  }
  let warmed = 0;
  try {
    await replayHistory(state, warmPages(), {
      cnyPerUsd: deps.cnyPerUsd,
      cancelled,
      progress: async (applied) => {
        processed += applied - warmed;
        warmed = applied;
        total = Math.max(total, processed);
        await deps.progress({ processed, total });
      },
    });
  } catch (e) {
    if (cancelled()) throw stopped();
    throw e;
  }

  for (const page of planPages(windowHistogram, window.from, window.to, pageSize)) {
    for await (const rows of readPage(deps.source, page, pageSize)) {
      await visit.page?.(rows, page.from);
      for (let i = 0; i < rows.length; i++) {
        if (i % REPLAY_CHUNK === 0 && i > 0) {
          if (cancelled()) throw stopped();
          await yieldToEventLoop();
        }
        const row = rows[i]!;
        if (deps.screening && row.message.receivedAt >= deps.screening.nextAt) await deps.screening.advanceTo(row.message.receivedAt);
        const observation = recordedObservation(row, deps.cnyPerUsd);
        const stored = {
          ...state.observe(observation),
          lists: listFacts(row.message, (list, member) => deps.lists[list].has(member)),
          ...(deps.screening ? { screening: deps.screening.screen(row.message) } : {}),
        };
        visit.message(row, buildFacts(row.message, stored, deps.cnyPerUsd));
        state.record(observation, observation.status);
      }
      processed += rows.length;
      total = Math.max(total, processed);
      const at = rows[rows.length - 1]?.message.receivedAt;
      if (at !== undefined && at - lastSweep >= REPLAY_SWEEP_EVERY_MS) {
        state.sweep(at);
        lastSweep = at;
      }
      await deps.progress({ processed, total });
    }
  }
  return { warmFrom, warmRows };
}

/** What a compiled rule set decides on a message's facts: no deadline, no fallback, as `decide` does live. */
export function decideOn(ruleSet: CompiledRuleSet, facts: Facts, thresholds: Thresholds): { decision: RiskDecisionKind; enforced: string[]; shadow: string[] } {
  const { fired } = evaluateDirect(ruleSet, facts, Infinity);
  const hits: RuleHit[] = fired.map((rule) => ({
    mode: rule.mode,
    score: rule.score,
    ...(rule.floor ? { floor: rule.floor } : {}),
    priority: rule.priority,
    reason: rule.reason(facts),
  }));
  const assessment = decide(hits, thresholds, ruleSet.version);
  return {
    decision: assessment.decision,
    enforced: assessment.reasons.map((r) => r.ruleId),
    shadow: assessment.shadowHits.map((r) => r.ruleId),
  };
}
