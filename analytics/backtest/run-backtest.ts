import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { buildFacts, decide, evaluateDirect, type CompiledRuleSet, type Rule, type RuleHit, type Thresholds } from '../../rules/index.ts';
import { createTally, type BacktestResult } from './backtest-tally.ts';
import { candidateRuleSet, type BaseRuleSet } from './candidate-rules.ts';
import { createReplayFacts, type ListSnapshot, type ReplayFacts } from './replay-facts.ts';
import { planPages, type Disposition, type PagePlan, type ReplayRow, type TransactionSource } from './transaction-source.ts';

/**
 * Replays [from - warm-up, to) of `transactions` in received order: the warm-up only
 * builds the in-memory velocity store (so the first payments of the window are not seen
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
  thresholds: Thresholds;
  cnyPerUsd: number;
  pageSize?: number;
  progress(p: { processed: number; total: number }): Promise<void>;
  /** Checked between chunks: true stops the run with an error (the platform is shutting down). */
  cancelled?(): boolean;
}

/** Rows handled between two yields to the event loop: payments keep flowing while a backtest runs. */
const CHUNK = 256;
const SWEEP_EVERY_MS = 3600_000;

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

  const facts = createReplayFacts({ lists: deps.lists, cnyPerUsd: deps.cnyPerUsd });
  const { ruleSet, changes } = candidateRuleSet(params.base, params.candidates);
  const tally = createTally(params.maxExamples);
  let lastSweep = warmFrom;

  const each = async (rows: ReplayRow[], handle: (row: ReplayRow) => void) => {
    for (let i = 0; i < rows.length; i++) {
      if (i % CHUNK === 0 && i > 0) {
        if (deps.cancelled?.()) throw new Error('backtest stopped: the platform is shutting down; run it again');
        await yieldToEventLoop();
      }
      handle(rows[i]!);
    }
    processed += rows.length;
    total = Math.max(total, processed);
    const at = rows[rows.length - 1]?.message.receivedAt;
    if (at !== undefined && at - lastSweep >= SWEEP_EVERY_MS) {
      facts.sweep(at);
      lastSweep = at;
    }
    await deps.progress({ processed, total });
  };

  for (const page of planPages(warmHistogram, warmFrom, params.from, pageSize)) {
    for await (const rows of readPage(deps.source, page, pageSize)) {
      await each(rows, (row) => {
        facts.gather(row.message);
        facts.record(row.message, row.status);
      });
    }
  }
  for (const page of planPages(windowHistogram, params.from, params.to, pageSize)) {
    for await (const rows of readPage(deps.source, page, pageSize)) {
      const payments = rows.filter((r) => r.message.messageType === 'payment').map((r) => r.message.paymentId);
      const alerts = await deps.dispositions(payments, page.from);
      await each(rows, (row) => {
        const candidate = score(ruleSet, facts, row, deps);
        facts.record(row.message, row.status);
        const disposition = alerts.get(row.message.paymentId)?.disposition;
        tally.add({
          paymentId: row.message.paymentId,
          messageType: row.message.messageType,
          status: row.status,
          live: row.live,
          candidate,
          ...(disposition ? { disposition } : {}),
        });
      });
    }
  }
  return tally.result({
    window: { from: new Date(params.from).toISOString(), to: new Date(params.to).toISOString() },
    warmup: { from: new Date(warmFrom).toISOString(), rows: warmRows },
    baseRuleSetVersion: params.base.version,
    candidateRules: changes,
  });
}

/** The page's rows in chunks of at most `pageSize`; a single minute above that is read with LIMIT/OFFSET. */
async function* readPage(source: TransactionSource, page: PagePlan, pageSize: number): AsyncGenerator<ReplayRow[]> {
  if (page.rows <= pageSize) {
    yield await source.page(page.from, page.to);
    return;
  }
  for (let offset = 0; ; offset += pageSize) {
    const rows = await source.page(page.from, page.to, { rows: pageSize, offset });
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
  }
}

function score(ruleSet: CompiledRuleSet, replay: ReplayFacts, row: ReplayRow, deps: BacktestDeps) {
  const f = buildFacts(row.message, replay.gather(row.message), deps.cnyPerUsd);
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
