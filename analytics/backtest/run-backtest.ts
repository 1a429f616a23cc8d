import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { buildFacts, decide, evaluateDirect, type CompiledRuleSet, type Rule, type RuleHit, type Thresholds } from '../../rules/index.ts';
import { listFacts } from '../../rules/facts/gather.ts';
import type { ListName } from '../../rules/facts/keys.ts';
import { recordedObservation, REPLAY_CHUNK, REPLAY_SWEEP_EVERY_MS, replayHistory } from '../../rules/state/replay-history.ts';
import { createRiskState, type RiskState } from '../../rules/state/risk-state.ts';
import type { Observation } from '../../rules/state/observation.ts';
import { createTally, type BacktestResult } from './backtest-tally.ts';
import { candidateRuleSet, type BaseRuleSet } from './candidate-rules.ts';
import type { ScreeningTimeline } from './screening-timeline.ts';
import { planPages, readPage, type Disposition, type ReplayRow, type TransactionSource } from './transaction-source.ts';

/** The risk lists as they were when the backtest was asked for. */
export type ListSnapshot = Readonly<Record<ListName, ReadonlySet<string>>>;

/**
 * Replays [from - warm-up, to) of `transactions` in received order: the warm-up only
 * builds the velocity state (rules/state/, the live one's implementation) (so the first payments of the window are not seen
 * as new payers), the window is scored again with the candidate rules and compared with
 * what was decided live. The history is the one that happened: approved amounts,
 * profiles and refunds follow each row's recorded status, not the candidate's decision.
 */
export interface BacktestParams {
  from: number;
  to: number;
  warmupMs: number;
  maxExamples: number;
  base: BaseRuleSet;
  candidates: Rule[];
}

export interface BacktestDeps {
  source: TransactionSource;
  /** The alert and disposition of each payment id that raised or joined an alert (alert events at or after `since`). */
  dispositions(paymentIds: string[], since: number): Promise<Map<string, { alertId: string; disposition: Disposition }>>;
  lists: ListSnapshot;
  /** The screening list versions as they went live; without it nothing is screened. */
  screening?: ScreeningTimeline;
  thresholds: Thresholds;
  cnyPerUsd: number;
  pageSize?: number;
  progress(p: { processed: number; total: number }): Promise<void>;
  /** Checked between chunks: true stops the run with an error (the platform is shutting down). */
  cancelled?(): boolean;
}

export const DEFAULT_PAGE_SIZE = 5000;

export async function runBacktest(params: BacktestParams, deps: BacktestDeps): Promise<BacktestResult> {
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  const warmFrom = params.from - params.warmupMs;
  const [warmHistogram, windowHistogram] = await Promise.all([
    params.warmupMs > 0 ? deps.source.histogram(warmFrom, params.from) : Promise.resolve([]),
    deps.source.histogram(params.from, params.to),
  ]);
  const warmRows = warmHistogram.reduce((n, m) => n + m.rows, 0);
  let total = warmRows + windowHistogram.reduce((n, m) => n + m.rows, 0);
  let processed = 0;
  await deps.progress({ processed, total });

  const state = createRiskState();
  const { ruleSet, changes } = candidateRuleSet(params.base, params.candidates);
  const tally = createTally(params.maxExamples);
  let lastSweep = warmFrom;

  const cancelled = () => deps.cancelled?.() ?? false;
  const stopped = () => new Error('backtest stopped: the platform is shutting down; run it again');
  async function* warmPages() {
    for (const page of planPages(warmHistogram, warmFrom, params.from, pageSize)) yield* readPage(deps.source, page, pageSize);
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

  for (const page of planPages(windowHistogram, params.from, params.to, pageSize)) {
    for await (const rows of readPage(deps.source, page, pageSize)) {
      const payments = rows.filter((r) => r.message.messageType === 'payment').map((r) => r.message.paymentId);
      const alerts = await deps.dispositions(payments, page.from);
      for (let i = 0; i < rows.length; i++) {
        if (i % REPLAY_CHUNK === 0 && i > 0) {
          if (cancelled()) throw stopped();
          await yieldToEventLoop();
        }
        const row = rows[i]!;
        if (deps.screening && row.message.receivedAt >= deps.screening.nextAt) await deps.screening.advanceTo(row.message.receivedAt);
        const observation = recordedObservation(row, deps.cnyPerUsd);
        const candidate = score(ruleSet, state, observation, row, deps);
        state.record(observation, observation.status);
        const disposition = alerts.get(row.message.paymentId)?.disposition;
        tally.add({
          paymentId: row.message.paymentId,
          messageType: row.message.messageType,
          status: row.status,
          live: row.live,
          candidate,
          ...(disposition ? { disposition } : {}),
        });
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
  return tally.result({
    window: { from: new Date(params.from).toISOString(), to: new Date(params.to).toISOString() },
    warmup: { from: new Date(warmFrom).toISOString(), rows: warmRows },
    baseRuleSetVersion: params.base.version,
    candidateRules: changes,
  });
}

function score(ruleSet: CompiledRuleSet, state: RiskState, observation: Observation, row: ReplayRow, deps: BacktestDeps) {
  const stored = {
    ...state.observe(observation),
    lists: listFacts(row.message, (list, member) => deps.lists[list].has(member)),
    ...(deps.screening ? { screening: deps.screening.screen(row.message) } : {}),
  };
  const f = buildFacts(row.message, stored, deps.cnyPerUsd);
  const { fired } = evaluateDirect(ruleSet, f, Infinity);
  const hits: RuleHit[] = fired.map((rule) => ({
    mode: rule.mode,
    score: rule.score,
    ...(rule.floor ? { floor: rule.floor } : {}),
    priority: rule.priority,
    reason: rule.reason(f),
  }));
  const assessment = decide(hits, deps.thresholds, ruleSet.version);
  return {
    decision: assessment.decision,
    enforced: assessment.reasons.map((r) => r.ruleId),
    shadow: assessment.shadowHits.map((r) => r.ruleId),
  };
}
