import type { RiskReason } from '../domain/transaction.ts';
import { LOCAL_FACTS, type FactValue, type Facts } from './facts/catalog.ts';
import type { Condition, Literal, Operand, Rule } from './rule-schema.ts';
import { REASON_PLACEHOLDER, validateRule, type RuleInvalidError } from './validate-rule.ts';

/**
 * Rules compiled to plain closures over the flat fact (never eval, never new Function).
 * A compiled rule set is immutable: a rule change compiles a new one and swaps it in.
 */

type FactRecord = Readonly<Record<string, FactValue>>;
export type Predicate = (facts: Facts) => boolean;

export interface CompiledRule {
  id: string;
  version: number;
  priority: number;
  mode: 'enforce' | 'shadow';
  typology: string;
  score: number;
  floor?: 'review' | 'decline';
  /** A review it fired in holds the payment's settlement. */
  holdSettlement?: true;
  predicate: Predicate;
  /** Names only LOCAL_FACTS: it still runs, on the lists held in memory, when the risk step degrades. */
  local: boolean;
  /** The reason this rule gives when it fires on these facts. */
  reason(facts: Facts): RiskReason;
}

export interface CompiledRuleSet {
  /** e.g. "rs-17"; changes with every rule change. */
  version: string;
  /** Enforced and shadow rules, highest priority first (ties by id); rules that are off are left out. */
  rules: readonly CompiledRule[];
  /** Stored rules that no longer compile (e.g. a fact was retired): left out, reported. */
  rejected: ReadonlyArray<{ id: string; version: number; error: RuleInvalidError }>;
}

/** Compiles the enforced and shadow rules of a stored rule set (store metadata such as createdAt is ignored). */
export function compileRuleSet(
  version: string,
  rules: ReadonlyArray<Rule & { version: number; createdAt?: number; createdBy?: string; approvedBy?: string; changeSet?: string }>,
): CompiledRuleSet {
  const compiled: CompiledRule[] = [];
  const rejected: Array<{ id: string; version: number; error: RuleInvalidError }> = [];
  for (const { createdAt: _at, createdBy: _by, approvedBy: _approver, changeSet: _set, ...rule } of rules) {
    if (rule.mode === 'off') continue;
    const checked = validateRule(rule);
    if (!checked.ok) {
      rejected.push({ id: rule.id, version: rule.version, error: checked.error });
      continue;
    }
    compiled.push(compileRule({ ...checked.value, version: rule.version }));
  }
  compiled.sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { version, rules: Object.freeze(compiled), rejected: Object.freeze(rejected) };
}

/** Compiles one validated rule whose mode is enforce or shadow. */
export function compileRule(rule: Rule & { version: number }): CompiledRule {
  if (rule.mode === 'off') throw new Error(`rule ${rule.id} is off and is not compiled`);
  const reason = compileReason(rule);
  return {
    id: rule.id,
    version: rule.version,
    priority: rule.priority,
    mode: rule.mode,
    typology: rule.typology,
    score: rule.then.score,
    ...(rule.then.floor ? { floor: rule.then.floor } : {}),
    ...(rule.then.holdSettlement ? { holdSettlement: true as const } : {}),
    predicate: compileCondition(rule.when) as Predicate,
    local: [...factsNamedIn(rule.when)].every((name) => LOCAL_FACTS.has(name)),
    reason,
  };
}

/** Every fact a condition names, on either side of a comparison. */
export function factsNamedIn(condition: Condition, into = new Set<string>()): Set<string> {
  if ('all' in condition) for (const c of condition.all) factsNamedIn(c, into);
  else if ('any' in condition) for (const c of condition.any) factsNamedIn(c, into);
  else if ('not' in condition) factsNamedIn(condition.not, into);
  else {
    into.add(condition.fact);
    for (const op of ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const) {
      const operand = condition[op];
      if (operand !== undefined && typeof operand === 'object') into.add(operand.fact);
    }
  }
  return into;
}

type RecordPredicate = (facts: FactRecord) => boolean;

export function compileCondition(condition: Condition): RecordPredicate {
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (f) => {
      for (const p of parts) if (!p(f)) return false;
      return true;
    };
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    return (f) => {
      for (const p of parts) if (p(f)) return true;
      return false;
    };
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not);
    return (f) => !inner(f);
  }
  const key = condition.fact;
  if (condition.in !== undefined) {
    const set = new Set<FactValue>(condition.in);
    return (f) => set.has(f[key]!);
  }
  if (condition.between !== undefined) {
    const [low, high] = condition.between;
    return (f) => {
      const x = f[key] as number;
      return x >= low && x <= high;
    };
  }
  for (const op of ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const) {
    const operand = condition[op];
    if (operand !== undefined) return compileComparison(key, op, operand);
  }
  throw new Error(`condition on "${key}" has no operator`);
}

function compileComparison(key: string, op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte', operand: Operand): RecordPredicate {
  if (typeof operand === 'object') {
    const other = operand.fact;
    switch (op) {
      case 'eq': return (f) => f[key] === f[other];
      case 'ne': return (f) => f[key] !== f[other];
      case 'gt': return (f) => f[key]! > f[other]!;
      case 'gte': return (f) => f[key]! >= f[other]!;
      case 'lt': return (f) => f[key]! < f[other]!;
      case 'lte': return (f) => f[key]! <= f[other]!;
    }
  }
  const v: Literal = operand;
  switch (op) {
    case 'eq': return (f) => f[key] === v;
    case 'ne': return (f) => f[key] !== v;
    case 'gt': return (f) => f[key]! > v;
    case 'gte': return (f) => f[key]! >= v;
    case 'lt': return (f) => f[key]! < v;
    case 'lte': return (f) => f[key]! <= v;
  }
}

/** Formats a fact for a reason: integers as they are, other numbers with two decimals. */
export function formatFactValue(value: FactValue | undefined): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return String(value ?? '');
}

function reasonValue(value: FactValue | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? value : Math.round(value * 100) / 100;
  return String(value);
}

function compileReason(rule: Rule & { version: number }): (facts: Facts) => RiskReason {
  // The template is split once into text and fact names, so a firing costs one join.
  const parts: Array<{ text: string } | { fact: string }> = [];
  let at = 0;
  for (const match of rule.then.reason.matchAll(REASON_PLACEHOLDER)) {
    if (match.index > at) parts.push({ text: rule.then.reason.slice(at, match.index) });
    parts.push({ fact: match[1]! });
    at = match.index + match[0].length;
  }
  if (at < rule.then.reason.length) parts.push({ text: rule.then.reason.slice(at) });
  const { id, version } = rule;
  const valueFact = rule.then.value;
  const threshold = rule.then.threshold;
  return (facts) => {
    const f = facts as unknown as FactRecord;
    let message = '';
    for (const part of parts) message += 'text' in part ? part.text : formatFactValue(f[part.fact]);
    const reason: RiskReason = { ruleId: id, ruleVersion: version, message };
    if (valueFact !== undefined) {
      const v = reasonValue(f[valueFact]);
      if (v !== undefined) reason.value = v;
    }
    if (threshold !== undefined) {
      const t = typeof threshold === 'number' ? threshold : reasonValue(f[threshold]);
      if (t !== undefined) reason.threshold = t;
    }
    return reason;
  };
}
