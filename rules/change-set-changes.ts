import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { DecisionPolicy } from './rule-store.ts';
import { RULE_MODES, type Rule, type RuleMode, type StoredRule } from './rule-schema.ts';
import { validateRule } from './validate-rule.ts';
import { checkListChange, type ListChange } from './lists/list-changes.ts';
import type { StagedList } from './lists/list-store.ts';
import { listClaim } from './lists/subject-lists.ts';

/**
 * What a change set changes (docs/rules.md, "Governance"): the kinds of change, their
 * checks when drafted, and what each claims; the store (change-sets.ts) keeps and applies them.
 */

/** One change: a rule written whole (its next version, or a new rule), a rule's mode, the decision thresholds, or a typed list's entries. */
export type Change = { kind: 'rule'; rule: Rule } | { kind: 'mode'; ruleId: string; mode: RuleMode } | ThresholdsChange | ListChange;

/** The decision thresholds, and optionally the risk step's deadline and failure policy (left as they are when absent). */
export type ThresholdsChange = { kind: 'thresholds'; review: number; decline: number } & DecisionPolicy;

/** What a thresholds change may set, in the order a diff lists them. */
export const DECISION_FIELDS = ['review', 'decline', 'deadlineMs', 'fallback'] as const;

/** The longest deadline a change set may give the risk step. */
export const MAX_DEADLINE_MS = 5000;

/** What a thresholds change claims and is based on, beside the rule ids. */
export const THRESHOLDS_CLAIM = '@thresholds';

/** Changes in one set at most. */
export const MAX_CHANGES = 100;

/** The draft's changes checked: every rule valid, every mode known, every list edit valid, each rule and list changed once. */
export function checkChanges(input: unknown, now = Date.now()): Result<Array<Exclude<Change, ListChange> | DraftListChange>, DomainError> {
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_CHANGES) {
    return err({ code: 'VALIDATION_FAILED', message: `changes: between 1 and ${MAX_CHANGES} changes` });
  }
  const changes: Array<Exclude<Change, ListChange> | DraftListChange> = [];
  const seen = new Set<string>();
  for (const [i, raw] of input.entries()) {
    const c = raw as Record<string, unknown> | null;
    let change: Exclude<Change, ListChange> | DraftListChange;
    if (c?.kind === 'rule') {
      const checked = validateRule(c.rule);
      if (!checked.ok) return err({ code: 'RULE_INVALID', message: `/changes/${i}/rule${checked.error.path ?? ''}: ${checked.error.message}` });
      const { version: _v, ...rule } = checked.value;
      change = { kind: 'rule', rule };
    } else if (c?.kind === 'mode' && typeof c.ruleId === 'string' && RULE_MODES.includes(c.mode as RuleMode)) {
      change = { kind: 'mode', ruleId: c.ruleId, mode: c.mode as RuleMode };
    } else if (c?.kind === 'thresholds') {
      const checked = checkThresholdsChange(c, `/changes/${i}`);
      if (!checked.ok) return checked;
      change = checked.value;
    } else if (c?.kind === 'list') {
      const checked = checkListChange(c, `/changes/${i}`, now);
      if (!checked.ok) return checked;
      change = checked.value;
    } else {
      return err({ code: 'VALIDATION_FAILED', message: `/changes/${i}: a change is { "kind": "rule", "rule": {...} }, { "kind": "mode", "ruleId", "mode": ${RULE_MODES.join(' | ')} } or { "kind": "thresholds", "review", "decline" } or { "kind": "list", "list", "add", "remove" }` });
    }
    const id = ruleIdOf(change);
    if (seen.has(id)) return err({ code: 'VALIDATION_FAILED', message: `/changes/${i}: ${id === THRESHOLDS_CLAIM ? 'the thresholds are' : id.startsWith('@list:') ? `list ${id.slice(6)} is` : `rule ${id} is`} changed twice in one set` });
    seen.add(id);
    changes.push(change);
  }
  return ok(changes);
}

/** A thresholds change checked: the thresholds in order, a deadline of 1 to MAX_DEADLINE_MS, a fallback that approves below an amount and reviews or declines the rest. */
function checkThresholdsChange(c: Record<string, unknown>, path: string): Result<ThresholdsChange, DomainError> {
  const bad = (message: string) => err<DomainError>({ code: 'VALIDATION_FAILED', message: `${path}${message}` });
  const extra = Object.keys(c).find((k) => !['kind', 'review', 'decline', 'deadlineMs', 'fallback'].includes(k));
  if (extra) return bad(`/${extra}: a thresholds change is { "kind": "thresholds", "review", "decline", "deadlineMs"?, "fallback"?: { "approveBelowUsd", "otherwise": "review" | "decline" } }`);
  const { review, decline, deadlineMs, fallback } = c as { review?: unknown; decline?: unknown; deadlineMs?: unknown; fallback?: unknown };
  if (!(Number.isInteger(review) && Number.isInteger(decline) && (review as number) >= 1 && (review as number) <= (decline as number) && (decline as number) <= 1000)) {
    return bad(': thresholds are integers with 1 <= review <= decline <= 1000');
  }
  const change: ThresholdsChange = { kind: 'thresholds', review: review as number, decline: decline as number };
  if (deadlineMs !== undefined) {
    if (!(Number.isInteger(deadlineMs) && (deadlineMs as number) >= 1 && (deadlineMs as number) <= MAX_DEADLINE_MS)) return bad(`/deadlineMs: an integer from 1 to ${MAX_DEADLINE_MS}`);
    change.deadlineMs = deadlineMs as number;
  }
  if (fallback !== undefined) {
    const f = fallback as Record<string, unknown> | null;
    const below = f?.approveBelowUsd;
    if (!(typeof f === 'object' && f !== null && Object.keys(f).every((k) => k === 'approveBelowUsd' || k === 'otherwise') && typeof below === 'number' && Number.isFinite(below) && below >= 0 && below <= 1_000_000 && (f.otherwise === 'review' || f.otherwise === 'decline'))) {
      return bad('/fallback: { "approveBelowUsd": 0 to 1000000, "otherwise": "review" | "decline" }');
    }
    change.fallback = { approveBelowUsd: below, otherwise: f.otherwise as 'review' | 'decline' };
  }
  return ok(change);
}

/** A thresholds change's values as the approval script writes them into the thresholds hash. */
export function thresholdsFields(c: ThresholdsChange): string {
  return JSON.stringify({
    review: c.review,
    decline: c.decline,
    ...(c.deadlineMs !== undefined ? { deadlineMs: c.deadlineMs } : {}),
    ...(c.fallback ? { fallbackApproveBelowUsd: c.fallback.approveBelowUsd, fallbackOtherwise: c.fallback.otherwise } : {}),
  });
}

export function ruleIdOf(c: Change | DraftListChange): string {
  return c.kind === 'rule' ? c.rule.id : c.kind === 'mode' ? c.ruleId : c.kind === 'list' ? listClaim(c.list) : THRESHOLDS_CLAIM;
}

/** A list change as drafted, before it is staged. */
export type DraftListChange = Pick<ListChange, 'kind' | 'list' | 'add' | 'remove' | 'import'> & { staged?: StagedList };
/** A stored rule as a rule body: without its version and its store metadata. */
export function stripStored(rule: StoredRule): Rule {
  const { version: _v, createdAt: _c, createdBy: _b, approvedBy: _a, changeSet: _s, ...body } = rule;
  return body as Rule;
}
