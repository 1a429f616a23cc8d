/**
 * The risk engine: rules as data, compiled and run on facts from the velocity state held
 * in the process (rules/state/), a decision in a hard time budget. See docs/rules.md.
 */
export { createRiskEngine, type RiskEngine, type RiskEngineOptions, type RiskEngineStats } from './risk-engine.ts';
export {
  createRuleStore,
  loadDefaultPack,
  RULES_CHANNEL,
  type DefaultPack,
  type RuleChange,
  type RuleNotFoundError,
  type RuleSet,
  type RuleStore,
  type RuleStoreError,
  type RuleSubscription,
} from './rule-store.ts';
export {
  createRiskLists,
  isListName,
  LIST_NAMES,
  type Audit,
  type AuditEntry,
  type ListName,
  type ListValueInvalidError,
  type RiskLists,
} from './risk-lists.ts';
export { validateRule, type RuleInvalidError } from './validate-rule.ts';
export {
  ConditionSchema,
  OutcomeSchema,
  RULE_MODES,
  RuleIdSchema,
  RuleModeSchema,
  RuleSchema,
  type Condition,
  type Outcome,
  type Rule,
  type RuleMode,
  type StoredRule,
} from './rule-schema.ts';
export { compileRuleSet, type CompiledRule, type CompiledRuleSet } from './compile-rule.ts';
export { evaluateDirect, createDirectEvaluator, type Evaluation, type Evaluator, type EvaluatorKind } from './evaluation.ts';
export { createNodeRulesEvaluator } from './evaluate-node-rules.ts';
export { decide, type RuleHit, type Thresholds } from './decide.ts';
export { degradedAssessment, RISK_DEGRADED, type DegradedCause, type FallbackPolicy } from './degraded.ts';
export { FACTS, type FactName, type Facts } from './facts/catalog.ts';
export { buildFacts } from './facts/derive.ts';
export { defineRiskScripts } from './lua-scripts.ts';
