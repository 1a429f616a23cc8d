import type { RiskDecisionKind } from '../../domain/transaction.ts';
import { compileRuleSet, RISK_DEGRADED, type Facts, type Rule, type StoredRule, type Thresholds } from '../../rules/index.ts';
import type { DecisionCounts, ExampleList } from './backtest-tally.ts';
import { decideOn, replayWindow, type ReplayDeps } from './replay-window.ts';
import type { ReplayRow } from './transaction-source.ts';

/**
 * What two recorded rule-set versions decide for the payments of a past window, side by
 * side (`POST /v1/rule-sets/compare`). A message decided live under one of the two keeps,
 * on that side, the decision it was given (that is what the version did); every other side
 * is replayed through the version's rules and thresholds with the backtest's replay
 * (replay-window.ts), so velocity and profile facts are rebuilt as the backtest rebuilds them.
 */

/** A version as the comparison runs it: each rule's body at that version, in the mode the version ran it. */
export interface VersionRules {
  version: string;
  rules: Array<Pick<StoredRule, keyof Rule | 'version'>>;
  thresholds: Thresholds;
}

export interface ComparisonParams {
  from: number;
  to: number;
  warmupMs: number;
  maxExamples: number;
  a: VersionRules;
  b: VersionRules;
}

export interface ComparisonSide {
  version: string;
  thresholds: Thresholds;
  /** Messages decided live under this version: their recorded decision kept on this side, not replayed. */
  recorded: number;
  /** Of those, decided by the fallback (RISK_DEGRADED) live. */
  recordedDegraded: number;
  /** Rules of this version that did not compile (none, unless the rule schema changed since). */
  rejectedRules: string[];
}

export interface ComparisonResult {
  window: { from: string; to: string };
  warmup: { from: string; rows: number };
  a: ComparisonSide;
  b: ComparisonSide;
  /** Scored messages in the window, by type. */
  messages: { total: number; payment: number; refund: number; reversal: number };
  /** Messages decided live under neither version: replayed on both sides. */
  otherVersions: number;
  /** `matrix[a][b]`: how many messages version a decides one way and version b another. */
  matrix: Record<RiskDecisionKind, DecisionCounts>;
  totals: { a: DecisionCounts; b: DecisionCounts };
  /** Messages the two versions decide differently, with at most `maxExamples` payment ids. */
  changed: ExampleList;
  /** Per rule: messages where it was among the reasons (enforced) or the shadow hits, on each side. */
  rules: Array<{ ruleId: string; a: number; aShadow: number; b: number; bShadow: number }>;
}

type Side = 'a' | 'b';
type Decided = { decision: RiskDecisionKind; enforced: readonly string[]; shadow: readonly string[] };
const decisions = (): DecisionCounts => ({ approve: 0, review: 0, decline: 0 });
const MAX_RULES = 500;

export async function compareVersions(params: ComparisonParams, deps: ReplayDeps): Promise<ComparisonResult> {
  const compiled = { a: compileRuleSet(params.a.version, params.a.rules), b: compileRuleSet(params.b.version, params.b.rules) };
  const side = (s: Side): ComparisonSide => ({
    version: params[s].version,
    thresholds: params[s].thresholds,
    recorded: 0,
    recordedDegraded: 0,
    rejectedRules: compiled[s].rejected.map((r) => r.id),
  });
  const sides = { a: side('a'), b: side('b') };
  const messages = { total: 0, payment: 0, refund: 0, reversal: 0 };
  const matrix = { approve: decisions(), review: decisions(), decline: decisions() };
  const totals = { a: decisions(), b: decisions() };
  const changed: ExampleList = { count: 0, paymentIds: [] };
  const rules = new Map<string, ComparisonResult['rules'][number]>();
  let otherVersions = 0;

  const bump = (ruleId: string, field: 'a' | 'aShadow' | 'b' | 'bShadow') => {
    let h = rules.get(ruleId);
    if (!h && rules.size < MAX_RULES) rules.set(ruleId, (h = { ruleId, a: 0, aShadow: 0, b: 0, bShadow: 0 }));
    if (h) h[field]++;
  };
  const decidedBy = (s: Side, row: ReplayRow, facts: Facts): Decided => {
    if (row.live.ruleSetVersion !== params[s].version) return decideOn(compiled[s], facts, params[s].thresholds);
    sides[s].recorded++;
    if (row.live.reasonRuleIds.includes(RISK_DEGRADED)) sides[s].recordedDegraded++;
    return { decision: row.live.decision, enforced: row.live.reasonRuleIds.filter((id) => id !== RISK_DEGRADED), shadow: row.live.shadowRuleIds };
  };

  const { warmFrom, warmRows } = await replayWindow(params, deps, {
    message(row, facts) {
      const type = row.message.messageType;
      messages.total++;
      if (type === 'payment' || type === 'refund' || type === 'reversal') messages[type]++;
      if (row.live.ruleSetVersion !== params.a.version && row.live.ruleSetVersion !== params.b.version) otherVersions++;
      const a = decidedBy('a', row, facts);
      const b = decidedBy('b', row, facts);
      matrix[a.decision][b.decision]++;
      totals.a[a.decision]++;
      totals.b[b.decision]++;
      if (a.decision !== b.decision) {
        changed.count++;
        if (changed.paymentIds.length < params.maxExamples) changed.paymentIds.push(row.message.paymentId);
      }
      for (const id of a.enforced) bump(id, 'a');
      for (const id of a.shadow) bump(id, 'aShadow');
      for (const id of b.enforced) bump(id, 'b');
      for (const id of b.shadow) bump(id, 'bShadow');
    },
  });
  return {
    window: { from: new Date(params.from).toISOString(), to: new Date(params.to).toISOString() },
    warmup: { from: new Date(warmFrom).toISOString(), rows: warmRows },
    a: sides.a,
    b: sides.b,
    messages,
    otherVersions,
    matrix,
    totals,
    changed,
    rules: [...rules.values()].sort((x, y) => (x.ruleId < y.ruleId ? -1 : x.ruleId > y.ruleId ? 1 : 0)),
  };
}
