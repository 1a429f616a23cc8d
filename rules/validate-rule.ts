import Value from 'typebox/value';
import { err, ok, type Result } from '../domain/result.ts';
import { closestFactName, factType, isFactName, type FactType } from './facts/catalog.ts';
import { COMPARISON_OPERATORS, RuleEnvelopeSchema, RuleSchema, type Rule } from './rule-schema.ts';

/** Why a rule was refused: `path` is the JSON Pointer of the offending part, e.g. "/when/all/1/fact". */
export interface RuleInvalidError {
  code: 'RULE_INVALID';
  message: string;
  path: string;
}

const MAX_DEPTH = 8;
const MAX_NODES = 100;
const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const OPERATORS: readonly string[] = [...COMPARISON_OPERATORS, 'in', 'between'];
const ORDERED = new Set(['gt', 'gte', 'lt', 'lte']);

function invalid(path: string, message: string): { ok: false; error: RuleInvalidError } {
  return err({ code: 'RULE_INVALID', message: `${path || '/'}: ${message}`, path });
}

/**
 * Checks a rule written by a person: the schema first, then what a schema cannot say
 * (facts that exist, types that match, one operator per comparison, known placeholders).
 * The first problem is returned with its JSON path; nothing is compiled from an invalid rule.
 */
export function validateRule(input: unknown): Result<Rule, RuleInvalidError> {
  if (!Value.Check(RuleEnvelopeSchema, input)) return schemaError(RuleEnvelopeSchema, input);
  const rule = input as Rule;
  const budget = { nodes: 0 };
  const conditionError = checkCondition(rule.when, '/when', 1, budget);
  if (conditionError) return conditionError;
  const outcomeError = checkOutcome(rule);
  if (outcomeError) return outcomeError;
  // The walker and the schema describe the same language; this keeps them honest.
  if (!Value.Check(RuleSchema, input)) return schemaError(RuleSchema, input);
  return ok(structuredClone(rule));
}

function schemaError(schema: typeof RuleSchema | typeof RuleEnvelopeSchema, input: unknown) {
  const errors = Value.Errors(schema, input);
  const first = errors[0];
  if (!first) return invalid('', 'is not a valid rule');
  if (first.keyword === 'type' && first.instancePath === '') return invalid('', 'a rule must be a JSON object');
  if (first.keyword === 'required') {
    const missing = (first.params as { requiredProperties: string[] }).requiredProperties[0] ?? '';
    return invalid(`${first.instancePath}/${pointerToken(missing)}`, 'is required');
  }
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperties: string[] }).additionalProperties[0] ?? '';
    return invalid(`${first.instancePath}/${pointerToken(extra)}`, 'is not a known property');
  }
  if (first.keyword === 'pattern') return invalid(first.instancePath, 'must be kebab-case (a-z, 0-9 and single hyphens), e.g. "velocity-device-burst"');
  const atPath = errors.filter((e) => e.instancePath === first.instancePath);
  const allowed = atPath.flatMap((e) => (e.keyword === 'const' ? [(e.params as { allowedValue: unknown }).allowedValue] : []));
  if (allowed.length > 0) return invalid(first.instancePath, `must be one of ${allowed.join(', ')}`);
  const informative = atPath.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'boolean') ?? first;
  return invalid(informative.instancePath, informative.message);
}

function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOfLiteral(value: unknown): FactType | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : undefined;
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  return undefined;
}

function unknownFact(path: string, name: unknown) {
  if (typeof name !== 'string') return invalid(path, 'must be a fact name (a string)');
  const hint = closestFactName(name);
  return invalid(path, `unknown fact "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
}

type Problem = { ok: false; error: RuleInvalidError } | undefined;

function checkCondition(node: unknown, path: string, depth: number, budget: { nodes: number }): Problem {
  if (depth > MAX_DEPTH) return invalid(path, `conditions nest at most ${MAX_DEPTH} deep`);
  if (++budget.nodes > MAX_NODES) return invalid(path, `a rule has at most ${MAX_NODES} conditions`);
  if (!isObject(node)) return invalid(path, 'must be a condition: {"all": [...]}, {"any": [...]}, {"not": {...}} or {"fact": ..., <operator>: ...}');
  const keys = Object.keys(node);
  for (const group of ['all', 'any'] as const) {
    if (!(group in node)) continue;
    if (keys.length !== 1) return invalid(path, `"${group}" must be the only property of its condition`);
    const items = node[group];
    if (!Array.isArray(items) || items.length === 0) return invalid(`${path}/${group}`, 'must be a non-empty array of conditions');
    for (let i = 0; i < items.length; i++) {
      const error = checkCondition(items[i], `${path}/${group}/${i}`, depth + 1, budget);
      if (error) return error;
    }
    return undefined;
  }
  if ('not' in node) {
    if (keys.length !== 1) return invalid(path, '"not" must be the only property of its condition');
    return checkCondition(node.not, `${path}/not`, depth + 1, budget);
  }
  if (!('fact' in node)) return invalid(path, 'must have "all", "any", "not" or "fact"');
  return checkComparison(node, path);
}

function checkComparison(node: Record<string, unknown>, path: string): Problem {
  const name = node.fact;
  if (typeof name !== 'string' || !isFactName(name)) return unknownFact(`${path}/fact`, name);
  const type = factType(name);
  const operators = Object.keys(node).filter((k) => k !== 'fact');
  for (const key of operators) {
    if (!OPERATORS.includes(key)) return invalid(`${path}/${pointerToken(key)}`, `unknown operator; expected one of ${OPERATORS.join(', ')}`);
  }
  if (operators.length !== 1) {
    return invalid(path, `needs exactly one operator, found ${operators.length}${operators.length ? ` (${operators.join(', ')})` : ''}`);
  }
  const op = operators[0]!;
  const operand = node[op];
  const opPath = `${path}/${op}`;
  if (op === 'between') {
    if (type !== 'number') return invalid(opPath, `"between" needs a number fact; "${name}" is a ${type}`);
    if (!Array.isArray(operand) || operand.length !== 2 || operand.some((v) => typeOfLiteral(v) !== 'number')) {
      return invalid(opPath, 'must be [low, high], two numbers');
    }
    if ((operand[0] as number) > (operand[1] as number)) return invalid(opPath, 'low must not exceed high');
    return undefined;
  }
  if (op === 'in') {
    if (!Array.isArray(operand) || operand.length === 0) return invalid(opPath, 'must be a non-empty array of literals');
    for (let i = 0; i < operand.length; i++) {
      const literal = typeOfLiteral(operand[i]);
      if (literal !== type) return invalid(`${opPath}/${i}`, `must be a ${type} like the fact "${name}"`);
    }
    return undefined;
  }
  if (ORDERED.has(op) && type !== 'number') return invalid(opPath, `"${op}" needs a number fact; "${name}" is a ${type}`);
  if (isObject(operand)) {
    const other = operand.fact;
    if (Object.keys(operand).length !== 1 || typeof other !== 'string') return invalid(opPath, 'must be a literal or {"fact": "<name>"}');
    if (!isFactName(other)) return unknownFact(`${opPath}/fact`, other);
    if (factType(other) !== type) return invalid(`${opPath}/fact`, `"${other}" is a ${factType(other)}; "${name}" is a ${type}`);
    return undefined;
  }
  const literal = typeOfLiteral(operand);
  if (literal !== type) return invalid(opPath, `must be a ${type} like the fact "${name}" (or {"fact": "<name>"})`);
  return undefined;
}

function checkOutcome(rule: Rule): Problem {
  for (const match of rule.then.reason.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!isFactName(name)) return unknownFact('/then/reason', name);
  }
  if (rule.then.value !== undefined && !isFactName(rule.then.value)) return unknownFact('/then/value', rule.then.value);
  const threshold = rule.then.threshold;
  if (typeof threshold === 'string' && !isFactName(threshold)) return unknownFact('/then/threshold', threshold);
  if (typeof threshold === 'number' && !Number.isFinite(threshold)) return invalid('/then/threshold', 'must be a finite number');
  return undefined;
}

export { PLACEHOLDER as REASON_PLACEHOLDER };
