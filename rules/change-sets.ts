import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ErrorCode } from '../domain/error-codes.ts';
import { defineScripts } from '../domain/redis-scripts.ts';
import { scriptRefusal } from '../domain/script-refusal.ts';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import { RULE_MODES, type Rule, type RuleMode, type StoredRule } from './rule-schema.ts';
import { RULES_CHANNEL, type RuleStore } from './rule-store.ts';
import { validateRule } from './validate-rule.ts';
import type { Thresholds } from './decide.ts';

/**
 * Change sets (docs/rules.md, "Governance"): a draft groups changes to the rules (a new rule,
 * a new version, a mode), is submitted with its evidence, and goes live only when a second
 * officer approves it: all its changes at once, as one new rule-set version on every node.
 * A rule is changed by one open change set at a time (claims), and a set whose rules moved
 * since it was drafted is stale: it cannot go live over changes its approver never saw.
 */

/** `scheduled`: approved, to go live at `activateAt`; `stale`: a scheduled set whose rules moved before its time, never applied. */
export type ChangeSetState = 'draft' | 'submitted' | 'returned' | 'scheduled' | 'applied' | 'stale' | 'discarded';

/** One change: a rule written whole (its next version, or a new rule), a rule's mode, or the decision thresholds. */
export type Change = { kind: 'rule'; rule: Rule } | { kind: 'mode'; ruleId: string; mode: RuleMode } | { kind: 'thresholds'; review: number; decline: number };

/** What a thresholds change claims and is based on, beside the rule ids. */
export const THRESHOLDS_CLAIM = '@thresholds';

export interface ChangeSet {
  id: string;
  title: string;
  author: string;
  state: ChangeSetState;
  changes: Change[];
  /** Each changed rule's current version when the set was last drafted (0: a new rule); `@thresholds`: "review/decline" live then. */
  base: Record<string, number | string>;
  /** What the author attached on submitting: the backtest's job, the window. */
  evidence: Record<string, unknown>;
  /** Why it was sent back. */
  comment: string;
  approvedBy: string;
  /** The rule-set version it made live. */
  ruleSetVersion: string;
  /** When a scheduled set goes live ('' for one approved to go live at once). */
  activateAt: string;
  appliedAt: string;
  createdAt: string;
  updatedAt: string;
  submittedAt: string;
  approvedAt: string;
}

/** One change next to what is live: what an approver reads. */
export interface ChangeDiff {
  /** The rule, or `@thresholds`. */
  ruleId: string;
  kind: Change['kind'];
  /** The live rule (current version), absent for a new rule; the live thresholds. */
  live?: StoredRule | Thresholds;
  /** The rule as it would be: its body for a rule change, the live rule in its new mode for a mode change; the thresholds. */
  proposed: Rule | Thresholds;
  /** Top-level fields whose value differs (`when`, `then`, `mode`, ...). */
  fields: string[];
}

export const CHANGE_SET_REFUSALS = [
  'CHANGE_SET_NOT_FOUND',
  'CHANGE_SET_ILLEGAL_TRANSITION',
  'CHANGE_SET_NOT_AUTHOR',
  'CHANGE_SET_CONFLICT',
  'CHANGE_SET_STALE',
  'FOUR_EYES_REQUIRED',
] as const satisfies readonly ErrorCode[];

const TEXT: Record<(typeof CHANGE_SET_REFUSALS)[number], string> = {
  CHANGE_SET_NOT_FOUND: 'no such change set',
  CHANGE_SET_ILLEGAL_TRANSITION: 'the change set cannot do that from its state',
  CHANGE_SET_NOT_AUTHOR: 'only its author edits, submits or discards a change set',
  CHANGE_SET_CONFLICT: 'another open change set already changes that rule',
  CHANGE_SET_STALE: 'a rule it changes moved since it was drafted: draft it again against the live rules',
  FOUR_EYES_REQUIRED: 'the author of a change set cannot approve it or send it back',
};

const refusal = scriptRefusal<(typeof CHANGE_SET_REFUSALS)[number]>(TEXT, 'CHANGE_SET_ILLEGAL_TRANSITION');

interface ChangeSetScripts {
  draftChangeSet(...args: string[]): Promise<string[]>;
  moveChangeSet(...args: string[]): Promise<string[]>;
  approveChangeSet(...args: (string | number)[]): Promise<Array<string | number>>;
  scheduleChangeSet(...args: string[]): Promise<string[]>;
}

const CLAIMS = 'changesets:claims';
const INDEX = 'changesets:index';
const RULE_KEYS = ['risk:rules:current', 'risk:rules:mode', 'risk:rules:versions', 'risk:rules:seq'];
/** Changes in one set at most. */
export const MAX_CHANGES = 100;

export const newChangeSetId = () => `cs_${randomUUID().replaceAll('-', '').slice(0, 24)}`;

/** The draft's changes checked: every rule valid, every mode known, each rule changed once. */
export function checkChanges(input: unknown): Result<Change[], DomainError> {
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_CHANGES) {
    return err({ code: 'VALIDATION_FAILED', message: `changes: between 1 and ${MAX_CHANGES} changes` });
  }
  const changes: Change[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of input.entries()) {
    const c = raw as Record<string, unknown> | null;
    let change: Change;
    if (c?.kind === 'rule') {
      const checked = validateRule(c.rule);
      if (!checked.ok) return err({ code: 'RULE_INVALID', message: `/changes/${i}/rule${checked.error.path ?? ''}: ${checked.error.message}` });
      const { version: _v, ...rule } = checked.value;
      change = { kind: 'rule', rule };
    } else if (c?.kind === 'mode' && typeof c.ruleId === 'string' && RULE_MODES.includes(c.mode as RuleMode)) {
      change = { kind: 'mode', ruleId: c.ruleId, mode: c.mode as RuleMode };
    } else if (c?.kind === 'thresholds') {
      const { review, decline } = c as { review?: unknown; decline?: unknown };
      if (!(Number.isInteger(review) && Number.isInteger(decline) && (review as number) >= 1 && (review as number) <= (decline as number) && (decline as number) <= 1000)) {
        return err({ code: 'VALIDATION_FAILED', message: `/changes/${i}: thresholds are integers with 1 <= review <= decline <= 1000` });
      }
      change = { kind: 'thresholds', review: review as number, decline: decline as number };
    } else {
      return err({ code: 'VALIDATION_FAILED', message: `/changes/${i}: a change is { "kind": "rule", "rule": {...} }, { "kind": "mode", "ruleId", "mode": ${RULE_MODES.join(' | ')} } or { "kind": "thresholds", "review", "decline" }` });
    }
    const id = ruleIdOf(change);
    if (seen.has(id)) return err({ code: 'VALIDATION_FAILED', message: `/changes/${i}: ${id === THRESHOLDS_CLAIM ? 'the thresholds are' : `rule ${id} is`} changed twice in one set` });
    seen.add(id);
    changes.push(change);
  }
  return ok(changes);
}

function ruleIdOf(c: Change): string {
  return c.kind === 'rule' ? c.rule.id : c.kind === 'mode' ? c.ruleId : THRESHOLDS_CLAIM;
}
const thresholdsText = (t: Thresholds | undefined) => (t ? `${t.review}/${t.decline}` : '');
const time = (v: string | undefined) => (v ? new Date(Number(v)).toISOString() : '');

export function createChangeSets(redis: Redis, rules: Pick<RuleStore, 'get' | 'ruleSet' | 'snapshot' | 'ruleAt'>, options: { now?: () => number } = {}) {
  const scripts = defineScripts<ChangeSetScripts>(redis, new URL('./lua/', import.meta.url));
  const now = options.now ?? Date.now;

  async function get(id: string): Promise<ChangeSet | undefined> {
    const h = await redis.hgetall(`changeset:${id}`);
    if (!h.id) return undefined;
    return {
      id: h.id,
      title: h.title ?? '',
      author: h.author ?? '',
      state: h.state as ChangeSetState,
      changes: JSON.parse(h.changes ?? '[]') as Change[],
      base: JSON.parse(h.base ?? '{}') as Record<string, number | string>,
      evidence: JSON.parse(h.evidence ?? '{}') as Record<string, unknown>,
      comment: h.comment ?? '',
      approvedBy: h.approvedBy ?? '',
      ruleSetVersion: h.ruleSetVersion ?? '',
      activateAt: time(h.activateAt),
      appliedAt: time(h.appliedAt),
      createdAt: time(h.createdAt),
      updatedAt: time(h.updatedAt),
      submittedAt: time(h.submittedAt),
      approvedAt: time(h.approvedAt),
    };
  }

  /** Writes a draft (new with `id` absent) against the live rules: a mode change needs its rule to exist. */
  async function draft(id: string | undefined, author: string, title: string, input: unknown): Promise<Result<ChangeSet, DomainError>> {
    const checked = checkChanges(input);
    if (!checked.ok) return checked;
    const base: Record<string, number | string> = {};
    for (const change of checked.value) {
      if (change.kind === 'thresholds') {
        base[THRESHOLDS_CLAIM] = thresholdsText((await rules.ruleSet()).thresholds);
        continue;
      }
      const live = await rules.get(ruleIdOf(change));
      if (change.kind === 'mode' && !live) return err({ code: 'RULE_NOT_FOUND', message: `no rule "${change.ruleId}" to set the mode of` });
      base[ruleIdOf(change)] = live?.rule.version ?? 0;
    }
    const setId = id ?? newChangeSetId();
    const reply = await scripts.draftChangeSet(CLAIMS, `changeset:${setId}`, INDEX, setId, author, String(now()), title, JSON.stringify(checked.value), JSON.stringify(base), ...checked.value.map(ruleIdOf));
    if (reply[0] !== 'ok') return err(refusal(reply[1], reply[2]));
    const written = await get(setId);
    return written ? ok(written) : err(refusal('CHANGE_SET_NOT_FOUND'));
  }

  async function apply(id: string, approver: string, when: 'now' | 'scheduled'): Promise<Result<ChangeSet, DomainError>> {
    const set = await get(id);
    if (!set) return err(refusal('CHANGE_SET_NOT_FOUND'));
    const at = now();
    const approvedBy = when === 'now' ? approver : set.approvedBy;
    const args: string[] = [];
    for (const change of set.changes) {
      if (change.kind === 'rule') {
        args.push('put', change.rule.id, JSON.stringify({ ...change.rule, createdAt: at, createdBy: set.author, approvedBy, changeSet: id }), change.rule.mode);
      } else if (change.kind === 'mode') {
        args.push('mode', change.ruleId, '', change.mode);
      } else {
        args.push('thresholds', THRESHOLDS_CLAIM, String(change.review), String(change.decline));
      }
    }
    const reply = await scripts.approveChangeSet(...RULE_KEYS, `changeset:${id}`, CLAIMS, RULES_CHANNEL, approver, String(at), id, when, ...args);
    if (reply[0] !== 'ok') return err(refusal(String(reply[1]), String(reply[2] ?? '')));
    const applied = await get(id);
    return applied ? ok(applied) : err(refusal('CHANGE_SET_NOT_FOUND'));
  }

  const move = async (id: string, action: 'submit' | 'return' | 'discard', actor: string, extra = ''): Promise<Result<ChangeSet, DomainError>> => {
    const reply = await scripts.moveChangeSet(`changeset:${id}`, CLAIMS, action, actor, String(now()), id, extra);
    if (reply[0] !== 'ok') return err(refusal(reply[1], reply[2]));
    const moved = await get(id);
    return moved ? ok(moved) : err(refusal('CHANGE_SET_NOT_FOUND'));
  };

  return {
    get,
    create: (author: string, title: string, changes: unknown) => draft(undefined, author, title, changes),
    /** Replaces a draft's (or a returned set's) changes; only its author. */
    edit: (id: string, author: string, title: string, changes: unknown) => draft(id, author, title, changes),
    submit: (id: string, author: string, evidence: Record<string, unknown>) => move(id, 'submit', author, JSON.stringify(evidence)),
    sendBack: (id: string, actor: string, comment: string) => move(id, 'return', actor, comment),
    discard: (id: string, author: string) => move(id, 'discard', author),

    /** Four eyes: another officer approves, and every change goes live at once as one rule-set version. */
    approve: (id: string, approver: string) => apply(id, approver, 'now'),

    /** Four eyes, to go live at `activateAt` (unix ms): the caller schedules the activation (`activate`). */
    async schedule(id: string, approver: string, activateAt: number): Promise<Result<ChangeSet, DomainError>> {
      const reply = await scripts.scheduleChangeSet(`changeset:${id}`, approver, String(now()), String(activateAt));
      if (reply[0] !== 'ok') return err(refusal(reply[1], reply[2]));
      const scheduled = await get(id);
      return scheduled ? ok(scheduled) : err(refusal('CHANGE_SET_NOT_FOUND'));
    },

    /** A scheduled set goes live (its time came): once, whoever calls; stale if its rules moved meanwhile. */
    activate: (id: string) => apply(id, '', 'scheduled'),

    /**
     * Drafts the rollback to an earlier rule-set version: the changes that make the live rules
     * what they were then (each rule back to that version's body as its next version, its mode,
     * the rules made since switched off, the thresholds), to be approved like any set.
     */
    async rollback(author: string, toVersion: string): Promise<Result<ChangeSet, DomainError>> {
      const target = await rules.snapshot(toVersion);
      if (!target) return err({ code: 'RULE_SET_VERSION_NOT_FOUND', message: `no record of rule-set version ${toVersion} (versions are recorded from the first change after this was built)` });
      const live = await rules.ruleSet();
      const changes: Change[] = [];
      for (const rule of live.rules) {
        const then = target.rules[rule.id];
        if (!then) {
          if (rule.mode !== 'off') changes.push({ kind: 'mode', ruleId: rule.id, mode: 'off' });
        } else if (then.version !== rule.version) {
          const body = await rules.ruleAt(rule.id, then.version);
          if (!body) return err({ code: 'RULE_SET_VERSION_NOT_FOUND', message: `rule ${rule.id} version ${then.version} is no longer stored` });
          changes.push({ kind: 'rule', rule: { ...stripStored(body), mode: then.mode } });
        } else if (then.mode !== rule.mode) {
          changes.push({ kind: 'mode', ruleId: rule.id, mode: then.mode });
        }
      }
      if (target.thresholds && (target.thresholds.review !== live.thresholds?.review || target.thresholds.decline !== live.thresholds?.decline)) {
        changes.push({ kind: 'thresholds', ...target.thresholds });
      }
      if (changes.length === 0) return err({ code: 'VALIDATION_FAILED', message: `the live rules already are what ${toVersion} was` });
      return draft(undefined, author, `Roll back to ${toVersion}`, changes);
    },

    /** Newest first. */
    async list(filter: { state?: ChangeSetState; limit?: number } = {}): Promise<ChangeSet[]> {
      const ids = await redis.zrevrange(INDEX, 0, 4999);
      const out: ChangeSet[] = [];
      for (const id of ids) {
        const set = await get(id);
        if (set && (!filter.state || set.state === filter.state)) out.push(set);
        if (out.length >= (filter.limit ?? 200)) break;
      }
      return out;
    },

    /** Each change next to the live rule. */
    async diff(set: ChangeSet): Promise<ChangeDiff[]> {
      const out: ChangeDiff[] = [];
      for (const change of set.changes) {
        if (change.kind === 'thresholds') {
          const liveThresholds = (await rules.ruleSet()).thresholds;
          const proposed = { review: change.review, decline: change.decline };
          const fields = (['review', 'decline'] as const).filter((k) => liveThresholds?.[k] !== proposed[k]);
          out.push({ ruleId: THRESHOLDS_CLAIM, kind: 'thresholds', ...(liveThresholds ? { live: liveThresholds } : {}), proposed, fields });
          continue;
        }
        const live = (await rules.get(ruleIdOf(change)))?.rule;
        const proposed: Rule = change.kind === 'rule' ? change.rule : { ...stripStored(live!), mode: change.mode };
        const before = live ? (stripStored(live) as Record<string, unknown>) : {};
        const after = proposed as Record<string, unknown>;
        const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
        out.push({ ruleId: ruleIdOf(change), kind: change.kind, ...(live ? { live } : {}), proposed, fields });
      }
      return out;
    },
  };
}

/** A stored rule as a rule body: without its version and its store metadata. */
function stripStored(rule: StoredRule): Rule {
  const { version: _v, createdAt: _c, createdBy: _b, approvedBy: _a, changeSet: _s, ...body } = rule;
  return body as Rule;
}

export type ChangeSets = ReturnType<typeof createChangeSets>;
