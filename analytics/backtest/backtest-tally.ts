import type { RiskDecisionKind } from '../../domain/transaction.ts';
import type { CandidateChange } from './candidate-rules.ts';
import type { Disposition } from './transaction-source.ts';

/**
 * What a backtest found, bounded whatever the window: a 3x3 matrix, one entry per rule,
 * and at most `maxExamples` payment ids per list.
 */
export type DecisionCounts = Record<RiskDecisionKind, number>;

export interface ExampleList {
  count: number;
  paymentIds: string[];
}

export interface RuleHits {
  ruleId: string;
  /** Messages where the rule was among the live reasons (enforced) / shadow hits. */
  live: number;
  liveShadow: number;
  /** Messages where the rule fired in the candidate set, enforced / in shadow mode. */
  candidate: number;
  candidateShadow: number;
}

export interface BacktestResult {
  window: { from: string; to: string };
  warmup: { from: string; rows: number };
  baseRuleSetVersion: string;
  candidateRules: CandidateChange[];
  /** Scored messages in the window, by type. */
  messages: { total: number; payment: number; refund: number; reversal: number };
  /** `matrix[live][candidate]`: how many messages live decided one way and the candidate another. */
  matrix: Record<RiskDecisionKind, DecisionCounts>;
  totals: { live: DecisionCounts; candidate: DecisionCounts };
  changed: ExampleList;
  rules: RuleHits[];
  /** Payments whose alert was resolved (fraud, legitimate) or is still open, and who flagged them. */
  dispositions: Record<Disposition, { payments: number; liveFlagged: number; candidateFlagged: number }>;
  /** Confirmed-fraud payments the candidate flags (review or decline) and live did not. */
  wouldHaveCaught: ExampleList;
  /** Confirmed-fraud payments live flagged and the candidate would not. */
  wouldHaveMissed: ExampleList;
  /**
   * Payments the candidate flags and live did not that were confirmed legitimate, or
   * approved without ever raising an alert.
   */
  wouldHaveWronglyStopped: ExampleList & { confirmedLegitimate: number; neverAlerted: number };
  /** Messages that live decided with the fallback (RISK_DEGRADED): the candidate had the full facts. */
  liveDegraded: number;
}

const decisions = (): DecisionCounts => ({ approve: 0, review: 0, decline: 0 });
const MAX_RULES = 500;

export interface ComparedMessage {
  paymentId: string;
  messageType: string;
  status: string;
  live: { decision: RiskDecisionKind; reasonRuleIds: readonly string[]; shadowRuleIds: readonly string[] };
  candidate: { decision: RiskDecisionKind; enforced: readonly string[]; shadow: readonly string[] };
  /** The alert disposition, undefined when the payment never raised an alert. */
  disposition?: Disposition;
}

export function createTally(maxExamples: number) {
  const matrix = { approve: decisions(), review: decisions(), decline: decisions() };
  const totals = { live: decisions(), candidate: decisions() };
  const messages = { total: 0, payment: 0, refund: 0, reversal: 0 };
  const rules = new Map<string, RuleHits>();
  const dispositions = {
    fraud: { payments: 0, liveFlagged: 0, candidateFlagged: 0 },
    legitimate: { payments: 0, liveFlagged: 0, candidateFlagged: 0 },
    open: { payments: 0, liveFlagged: 0, candidateFlagged: 0 },
  };
  const list = (): ExampleList => ({ count: 0, paymentIds: [] });
  const changed = list();
  const caught = list();
  const missed = list();
  const wronglyStopped = { ...list(), confirmedLegitimate: 0, neverAlerted: 0 };
  let liveDegraded = 0;
  const note = (l: ExampleList, paymentId: string) => {
    l.count++;
    if (l.paymentIds.length < maxExamples) l.paymentIds.push(paymentId);
  };
  const bump = (ruleId: string, field: Exclude<keyof RuleHits, 'ruleId'>) => {
    let h = rules.get(ruleId);
    if (!h && rules.size < MAX_RULES) rules.set(ruleId, (h = { ruleId, live: 0, liveShadow: 0, candidate: 0, candidateShadow: 0 }));
    if (h) h[field]++;
  };

  return {
    add(m: ComparedMessage): void {
      messages.total++;
      if (m.messageType === 'payment' || m.messageType === 'refund' || m.messageType === 'reversal') messages[m.messageType]++;
      const live = m.live.decision;
      const candidate = m.candidate.decision;
      matrix[live][candidate]++;
      totals.live[live]++;
      totals.candidate[candidate]++;
      if (live !== candidate) note(changed, m.paymentId);
      for (const id of m.live.reasonRuleIds) {
        if (id === 'RISK_DEGRADED') liveDegraded++;
        else bump(id, 'live');
      }
      for (const id of m.live.shadowRuleIds) bump(id, 'liveShadow');
      for (const id of m.candidate.enforced) bump(id, 'candidate');
      for (const id of m.candidate.shadow) bump(id, 'candidateShadow');

      if (m.messageType !== 'payment') return;
      const liveFlagged = live !== 'approve';
      const candidateFlagged = candidate !== 'approve';
      if (m.disposition) {
        const d = dispositions[m.disposition];
        d.payments++;
        if (liveFlagged) d.liveFlagged++;
        if (candidateFlagged) d.candidateFlagged++;
      }
      if (m.disposition === 'fraud') {
        if (candidateFlagged && !liveFlagged) note(caught, m.paymentId);
        if (liveFlagged && !candidateFlagged) note(missed, m.paymentId);
      }
      if (candidateFlagged && !liveFlagged) {
        if (m.disposition === 'legitimate') {
          wronglyStopped.confirmedLegitimate++;
          note(wronglyStopped, m.paymentId);
        } else if (m.disposition === undefined && m.status === 'APPROVED') {
          wronglyStopped.neverAlerted++;
          note(wronglyStopped, m.paymentId);
        }
      }
    },

    result(meta: Pick<BacktestResult, 'window' | 'warmup' | 'baseRuleSetVersion' | 'candidateRules'>): BacktestResult {
      return {
        ...meta,
        messages,
        matrix,
        totals,
        changed,
        rules: [...rules.values()].sort((a, b) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)),
        dispositions,
        wouldHaveCaught: caught,
        wouldHaveMissed: missed,
        wouldHaveWronglyStopped: wronglyStopped,
        liveDegraded,
      };
    },
  };
}
