import type { CompiledRule, CompiledRuleSet } from './compile-rule.ts';
import type { Facts } from './facts/catalog.ts';

/** What running a rule set on one fact found. */
export interface Evaluation {
  /** Rules whose condition held, in evaluation order (priority first). */
  fired: CompiledRule[];
  /** Ids of rules whose condition threw: counted as not fired. */
  errors: string[];
  /** The deadline passed before every rule ran; `fired` is then partial. */
  timedOut: boolean;
}

/** Runs the rules of one compiled rule-set version; `deadlineAt` is a `performance.now()` instant. */
export interface Evaluator {
  readonly ruleSet: CompiledRuleSet;
  evaluate(facts: Facts, deadlineAt: number): Promise<Evaluation>;
}

export type EvaluatorKind = 'node-rules' | 'direct';

/**
 * The same compiled predicates without node-rules: a loop with the same guarantees
 * (priority order, try/catch per condition, the deadline checked before every 8 rules:
 * reading the clock costs more than a condition).
 */
export function evaluateDirect(ruleSet: CompiledRuleSet, facts: Facts, deadlineAt: number): Evaluation {
  const fired: CompiledRule[] = [];
  const errors: string[] = [];
  const rules = ruleSet.rules;
  for (let i = 0; i < rules.length; i++) {
    if ((i & 7) === 0 && performance.now() > deadlineAt) return { fired, errors, timedOut: true };
    const rule = rules[i]!;
    try {
      if (rule.predicate(facts) === true) fired.push(rule);
    } catch {
      errors.push(rule.id);
    }
  }
  return { fired, errors, timedOut: false };
}

export function createDirectEvaluator(ruleSet: CompiledRuleSet): Evaluator {
  return {
    ruleSet,
    evaluate: (facts, deadlineAt) => Promise.resolve(evaluateDirect(ruleSet, facts, deadlineAt)),
  };
}
