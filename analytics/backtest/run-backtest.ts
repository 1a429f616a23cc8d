import type { Rule, Thresholds } from '../../rules/index.ts';
import { createTally, type BacktestResult } from './backtest-tally.ts';
import { candidateRuleSet, type BaseRuleSet } from './candidate-rules.ts';
import { decideOn, replayWindow, type ReplayDeps } from './replay-window.ts';
import type { Disposition } from './transaction-source.ts';

export { DEFAULT_PAGE_SIZE, type ListSnapshot } from './replay-window.ts';

/**
 * Replays [from - warm-up, to) of `transactions` in received order (replay-window.ts): the
 * warm-up only builds the velocity state (so the first payments of the window are not seen
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

export interface BacktestDeps extends ReplayDeps {
  /** The alert and disposition of each payment id that raised or joined an alert (alert events at or after `since`). */
  dispositions(paymentIds: string[], since: number): Promise<Map<string, { alertId: string; disposition: Disposition }>>;
  thresholds: Thresholds;
}

export async function runBacktest(params: BacktestParams, deps: BacktestDeps): Promise<BacktestResult> {
  const { ruleSet, changes } = candidateRuleSet(params.base, params.candidates);
  const tally = createTally(params.maxExamples);
  let alerts = new Map<string, { alertId: string; disposition: Disposition }>();
  const { warmFrom, warmRows } = await replayWindow(params, deps, {
    async page(rows, from) {
      const payments = rows.filter((r) => r.message.messageType === 'payment').map((r) => r.message.paymentId);
      alerts = await deps.dispositions(payments, from);
    },
    message(row, facts) {
      const disposition = alerts.get(row.message.paymentId)?.disposition;
      tally.add({
        paymentId: row.message.paymentId,
        messageType: row.message.messageType,
        status: row.status,
        live: row.live,
        candidate: decideOn(ruleSet, facts, deps.thresholds),
        ...(disposition ? { disposition } : {}),
      });
    },
  });
  return tally.result({
    window: { from: new Date(params.from).toISOString(), to: new Date(params.to).toISOString() },
    warmup: { from: new Date(warmFrom).toISOString(), rows: warmRows },
    baseRuleSetVersion: params.base.version,
    candidateRules: changes,
  });
}
