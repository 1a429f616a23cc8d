import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ErrorCode } from '../domain/error-codes.ts';
import { defineScripts } from '../domain/redis-scripts.ts';
import { scriptRefusal } from '../domain/script-refusal.ts';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { Rule, StoredRule } from './rule-schema.ts';
import { RULES_CHANNEL, TRIALS_KEY, type RuleStore, type Trial } from './rule-store.ts';
import type { Thresholds } from './decide.ts';
import { checkChanges, DECISION_FIELDS, ruleIdOf, stripStored, THRESHOLDS_CLAIM, thresholdsFields, type Change, type DraftListChange } from './change-set-changes.ts';
export { checkChanges, MAX_CHANGES, MAX_DEADLINE_MS, THRESHOLDS_CLAIM, type Change, type ThresholdsChange } from './change-set-changes.ts';
import { stagedChange, type ListChange } from './lists/list-changes.ts';
import type { ListStore, StagedList } from './lists/list-store.ts';
import type { EntryInput } from './lists/subject-lists.ts';
import { listClaim } from './lists/subject-lists.ts';
import { LISTS_CHANNEL } from './risk-lists.ts';

/**
 * Change sets (docs/rules.md, "Governance"): a draft groups changes to the rules (a new rule,
 * a new version, a mode), is submitted with its evidence, and goes live only when a second
 * officer approves it: all its changes at once, as one new rule-set version on every node.
 * A rule is changed by one open change set at a time (claims), and a set whose rules moved
 * since it was drafted is stale: it cannot go live over changes its approver never saw.
 */

/** `scheduled`: approved, to go live at `activateAt`; `stale`: a scheduled set whose rules moved before its time, never applied. */
export type ChangeSetState = 'draft' | 'submitted' | 'returned' | 'scheduled' | 'applied' | 'stale' | 'discarded';

export interface ChangeSet {
  id: string;
  title: string;
  author: string;
  state: ChangeSetState;
  changes: Change[];
  /** Each changed rule's current version when the set was last drafted (0: a new rule); `@thresholds`: "review/decline" live then; `@list:<list>`: the list's live generation. */
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
  /** Made live without a second officer (an admin's emergency activation, or the direct rule routes): to be ratified by `ratifyBy`. */
  emergency: boolean;
  /** Recorded from a direct change through the rule routes, not drafted. */
  direct: boolean;
  /** Who made an emergency set live, and why it could not wait. */
  activatedBy: string;
  emergencyReason: string;
  /** When the after-the-fact approval is due ('' when none is). */
  ratifyBy: string;
  createdAt: string;
  updatedAt: string;
  submittedAt: string;
  approvedAt: string;
}

/** One change next to what is live: what an approver reads. */
export interface ChangeDiff {
  /** The rule, `@thresholds`, or `@list:<list>`. */
  ruleId: string;
  kind: Change['kind'];
  /** The live rule (current version), absent for a new rule; the live thresholds; the live list's size. */
  live?: StoredRule | Thresholds | ListSize;
  /** The rule as it would be: its body for a rule change, the live rule in its new mode for a mode change; the thresholds; the list's size after, with its edits. */
  proposed: Rule | Thresholds | (ListSize & { add?: EntryInput[]; remove?: string[]; import?: ListChange['import']; sample: ListChange['sample'] });
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
  FOUR_EYES_REQUIRED: 'a change set is approved, sent back or ratified by an officer other than its author',
};

/** A list's size in a diff. */
export interface ListSize {
  generation: number;
  entries: number;
}

const refusal = scriptRefusal<(typeof CHANGE_SET_REFUSALS)[number]>(TEXT, 'CHANGE_SET_ILLEGAL_TRANSITION');

interface ChangeSetScripts {
  trialChangeSet(...args: string[]): Promise<number>;
  draftChangeSet(...args: string[]): Promise<string[]>;
  moveChangeSet(...args: string[]): Promise<string[]>;
  approveChangeSet(...args: (string | number)[]): Promise<Array<string | number>>;
  scheduleChangeSet(...args: string[]): Promise<string[]>;
}

const CLAIMS = 'changesets:claims';
const INDEX = 'changesets:index';
const RULE_KEYS = ['risk:rules:current', 'risk:rules:mode', 'risk:rules:versions', 'risk:rules:seq'];
const TRIAL_KEYS = ['risk:rules:current', 'risk:rules:mode', 'risk:rules:seq'];
/** An emergency set (or a direct rule change) is to be ratified within this. */
export const RATIFY_WITHIN_MS = 24 * 3600_000;

export const newChangeSetId = () => `cs_${randomUUID().replaceAll('-', '').slice(0, 24)}`;

const thresholdsText = (t: Thresholds | undefined) => (t ? `${t.review}/${t.decline}` : '');
const time = (v: string | undefined) => (v ? new Date(Number(v)).toISOString() : '');

export function createChangeSets(redis: Redis, rules: Pick<RuleStore, 'get' | 'ruleSet' | 'snapshot' | 'ruleAt'>, options: { now?: () => number; lists?: ListStore } = {}) {
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
      emergency: h.emergency === '1',
      direct: h.direct === '1',
      activatedBy: h.activatedBy ?? '',
      emergencyReason: h.emergencyReason ?? '',
      ratifyBy: time(h.ratifyBy),
      createdAt: time(h.createdAt),
      updatedAt: time(h.updatedAt),
      submittedAt: time(h.submittedAt),
      approvedAt: time(h.approvedAt),
    };
  }

  /**
   * Writes a draft (new with `id` absent) against the live rules: a mode change needs its rule
   * to exist; a list change is staged (a new generation of the list) once everything else
   * checked, and dropped again if the draft is refused.
   */
  async function draft(id: string | undefined, author: string, title: string, input: unknown, imported?: DraftListChange): Promise<Result<ChangeSet, DomainError>> {
    const checked = imported ? ok([imported]) : checkChanges(input, now());
    if (!checked.ok) return checked;
    const setId = id ?? newChangeSetId();
    const claimed = checked.value.map(ruleIdOf);
    // A claim held by another set refuses the draft before any list is staged for it.
    const holders = await redis.hmget(CLAIMS, ...claimed);
    const held = holders.findIndex((h) => h !== null && h !== setId);
    if (held >= 0) {
      if (imported?.staged) await options.lists?.drop(imported.list, [imported.staged.staged]);
      return err(refusal('CHANGE_SET_CONFLICT', `${claimed[held]} is changed by ${holders[held]}`));
    }
    const base: Record<string, number | string> = {};
    for (const change of checked.value) {
      if (change.kind === 'thresholds') {
        base[THRESHOLDS_CLAIM] = thresholdsText((await rules.ruleSet()).thresholds);
      } else if (change.kind !== 'list') {
        const live = await rules.get(ruleIdOf(change));
        if (change.kind === 'mode' && !live) return err({ code: 'RULE_NOT_FOUND', message: `no rule "${change.ruleId}" to set the mode of` });
        base[ruleIdOf(change)] = live?.rule.version ?? 0;
      }
    }
    const changes: Change[] = [];
    const staged: ListChange[] = [];
    for (const change of checked.value) {
      if (change.kind !== 'list') {
        changes.push(change);
        continue;
      }
      if (!options.lists) return err({ code: 'VALIDATION_FAILED', message: 'lists cannot be changed here' });
      const stage = change.staged ?? (await options.lists.stageEdits(change.list, author, change.add ?? [], change.remove ?? []));
      base[ruleIdOf(change)] = stage.base;
      const listChange = stagedChange(change, stage);
      changes.push(listChange);
      staged.push(listChange);
    }
    const before = id ? await get(id) : undefined;
    const reply = await scripts.draftChangeSet(CLAIMS, `changeset:${setId}`, INDEX, setId, author, String(now()), title, JSON.stringify(changes), JSON.stringify(base), ...claimed);
    const dropStaged = async (from: readonly Change[]) => {
      for (const c of from) if (c.kind === 'list') await options.lists?.drop(c.list, [c.staged]);
    };
    if (reply[0] !== 'ok') {
      await dropStaged(staged);
      return err(refusal(reply[1], reply[2]));
    }
    // The lists a set staged before this edit are not needed any more.
    if (before) await dropStaged(before.changes);
    const written = await get(setId);
    return written ? ok(written) : err(refusal('CHANGE_SET_NOT_FOUND'));
  }

  async function apply(id: string, approver: string, when: 'now' | 'scheduled' | 'emergency'): Promise<Result<ChangeSet, DomainError>> {
    const set = await get(id);
    if (!set) return err(refusal('CHANGE_SET_NOT_FOUND'));
    const at = now();
    const approvedBy = when === 'now' ? approver : when === 'emergency' ? '' : set.approvedBy;
    const args: string[] = [];
    for (const change of set.changes) {
      if (change.kind === 'rule') {
        args.push('put', change.rule.id, JSON.stringify({ ...change.rule, createdAt: at, createdBy: set.author, approvedBy, changeSet: id }), change.rule.mode);
      } else if (change.kind === 'mode') {
        args.push('mode', change.ruleId, '', change.mode);
      } else if (change.kind === 'list') {
        args.push('list', listClaim(change.list), String(change.staged), LISTS_CHANNEL);
      } else {
        args.push('thresholds', THRESHOLDS_CLAIM, thresholdsFields(change), '');
      }
    }
    const reply = await scripts.approveChangeSet(...RULE_KEYS, `changeset:${id}`, CLAIMS, RULES_CHANNEL, approver, String(at), id, when, ...args);
    if (reply[0] !== 'ok') return err(refusal(String(reply[1]), String(reply[2] ?? '')));
    // The generations the set's lists replaced: dropped in the background (UNLINK); a reader still on one reads the new one instead.
    const replaced = reply.slice(2).map(String);
    if (replaced.length > 0) await redis.unlink(...replaced);
    // Its shadow period, if one ran, ended with the approval's script.
    if (set.evidence.shadow && !(set.evidence.shadow as { endedAt?: string }).endedAt) await trialEnded(id, at);
    const applied = await get(id);
    return applied ? ok(applied) : err(refusal('CHANGE_SET_NOT_FOUND'));
  }

  /** Records when a shadow period stopped before its planned end, so its hits are counted up to then. */
  async function trialEnded(id: string, at = now()): Promise<void> {
    const set = await get(id);
    const shadow = set?.evidence.shadow as Record<string, unknown> | undefined;
    if (!set || !shadow || Date.parse(String(shadow.until)) <= at) return;
    await redis.hset(`changeset:${id}`, 'evidence', JSON.stringify({ ...set.evidence, shadow: { ...shadow, endedAt: new Date(at).toISOString() } }));
  }

  const move = async (id: string, action: 'submit' | 'return' | 'discard' | 'ratify', actor: string, extra = ''): Promise<Result<ChangeSet, DomainError>> => {
    const reply = await scripts.moveChangeSet(`changeset:${id}`, CLAIMS, action, actor, String(now()), id, extra);
    if (reply[0] !== 'ok') return err(refusal(reply[1], reply[2]));
    // A set sent back or discarded stops its shadow period.
    if ((action === 'return' || action === 'discard') && (await scripts.trialChangeSet(...TRIAL_KEYS, 'end', id, '', RULES_CHANNEL)) > 0) await trialEnded(id);
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
    async discard(id: string, author: string): Promise<Result<ChangeSet, DomainError>> {
      const discarded = await move(id, 'discard', author);
      if (discarded.ok) for (const c of discarded.value.changes) if (c.kind === 'list') await options.lists?.drop(c.list, [c.staged]);
      return discarded;
    },

    /**
     * Starts a submitted set's shadow period: its rule changes (and the rules a mode change
     * turns on or to shadow) run live in shadow for `hours`, under trial ids, their hits
     * recorded as shadow hits; the period is kept in the set's evidence (`shadow`). Undefined
     * when the set changes no rule that could fire. The caller ends it (`endTrial`) at its end.
     */
    async startTrial(id: string, hours: number): Promise<Trial | undefined> {
      const set = await get(id);
      if (!set || set.state !== 'submitted') return undefined;
      const at = now();
      const tag = id.slice(3, 15);
      const trialRules: StoredRule[] = [];
      const of: Record<string, string> = {};
      for (const change of set.changes) {
        let body: Rule | undefined;
        if (change.kind === 'rule' && change.rule.mode !== 'off') body = change.rule;
        else if (change.kind === 'mode' && change.mode !== 'off') {
          const live = (await rules.get(change.ruleId))?.rule;
          if (live) body = stripStored(live);
        }
        if (!body) continue;
        const trialId = `trial-${tag}-${trialRules.length + 1}`;
        of[trialId] = body.id;
        trialRules.push({ ...body, id: trialId, version: 1, mode: 'shadow', description: `Shadow trial of ${body.id} (change set ${id})`, createdAt: at, createdBy: set.author });
      }
      if (trialRules.length === 0) return undefined;
      const trial: Trial = { from: at, until: at + hours * 3600_000, rules: trialRules, of };
      await scripts.trialChangeSet(...TRIAL_KEYS, 'start', id, JSON.stringify(trial), RULES_CHANNEL);
      await redis.hset(`changeset:${id}`, 'evidence', JSON.stringify({ ...set.evidence, shadow: { from: new Date(trial.from).toISOString(), until: new Date(trial.until).toISOString(), hours, rules: of } }));
      return trial;
    },

    /** Ends a set's shadow period at its end (`until`: only the period that ends then); false when none ran. */
    async endTrial(id: string, until: number): Promise<boolean> {
      const running = await redis.hget(TRIALS_KEY, id);
      if (!running || (JSON.parse(running) as Trial).until !== until) return false;
      return (await scripts.trialChangeSet(...TRIAL_KEYS, 'end', id, '', RULES_CHANNEL)) > 0;
    },

    /** A CSV import staged (rules/lists/list-store.ts) drafted as a change set of its own, claiming its list. */
    createFromImport: (author: string, title: string, staged: StagedList, mode: 'add' | 'replace') =>
      draft(undefined, author, title, undefined, { kind: 'list', list: staged.list, import: { mode, rows: staged.counts.rows }, staged }),

    /** Four eyes: another officer approves, and every change goes live at once as one rule-set version. */
    approve: (id: string, approver: string) => apply(id, approver, 'now'),

    /**
     * An admin makes a set not yet applied live at once, alone: marked as an emergency, with its
     * approval after the fact due within 24 hours (`ratify`); the caller raises the alert.
     */
    async emergency(id: string, admin: string, reason: string): Promise<Result<ChangeSet, DomainError>> {
      const live = await apply(id, admin, 'emergency');
      if (!live.ok) return live;
      await redis.hset(`changeset:${id}`, 'emergencyReason', reason);
      return ok({ ...live.value, emergencyReason: reason });
    },

    /** The after-the-fact approval of a set made live without one: neither its author nor who made it live. */
    ratify: (id: string, officer: string) => move(id, 'ratify', officer),

    /**
     * Records a change made through the direct rule routes (which change a rule at once, as the
     * public interface promises) as an applied set waiting for ratification, like an emergency.
     */
    async recordDirect(actor: string, title: string, change: Change, ruleSetVersion: string): Promise<ChangeSet> {
      const id = newChangeSetId();
      const at = now();
      await redis
        .multi()
        .hset(`changeset:${id}`, {
          id, title, author: actor, state: 'applied', changes: JSON.stringify([change]), base: '{}', evidence: '{}', comment: '', ruleIds: '[]',
          approvedBy: '', approvedAt: '', submittedAt: '', ruleSetVersion, appliedAt: String(at), createdAt: String(at), updatedAt: String(at),
          emergency: '1', direct: '1', activatedBy: actor, emergencyReason: 'changed through the rule routes', ratifyBy: String(at + RATIFY_WITHIN_MS),
        })
        .zadd(INDEX, at, id)
        .exec();
      return (await get(id))!;
    },

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
      // The policy a version recorded comes back with it; one it did not record (the configuration's then) is left as it is.
      const wanted = { ...target.thresholds, ...target.policy };
      const running = { ...live.thresholds, ...live.policy };
      if (target.thresholds && DECISION_FIELDS.some((k) => wanted[k] !== undefined && JSON.stringify(wanted[k]) !== JSON.stringify(running[k]))) {
        changes.push({ kind: 'thresholds', ...target.thresholds, ...target.policy });
      }
      if (changes.length === 0) return err({ code: 'VALIDATION_FAILED', message: `the live rules already are what ${toVersion} was` });
      return draft(undefined, author, `Roll back to ${toVersion}`, changes);
    },

    /** Newest first. */
    async list(filter: { state?: ChangeSetState; limit?: number; awaitingRatification?: boolean } = {}): Promise<ChangeSet[]> {
      const ids = await redis.zrevrange(INDEX, 0, 4999);
      const out: ChangeSet[] = [];
      for (const id of ids) {
        const set = await get(id);
        if (set && (!filter.state || set.state === filter.state) && (!filter.awaitingRatification || (set.emergency && set.approvedBy === ''))) out.push(set);
        if (out.length >= (filter.limit ?? 200)) break;
      }
      return out;
    },

    /** Each change next to the live rule. */
    async diff(set: ChangeSet): Promise<ChangeDiff[]> {
      const out: ChangeDiff[] = [];
      for (const change of set.changes) {
        if (change.kind === 'list') {
          const generation = (await options.lists?.liveGeneration(change.list)) ?? 0;
          const { add, remove, import: imported, sample, staged, counts } = change;
          out.push({
            ruleId: ruleIdOf(change),
            kind: 'list',
            live: { generation, entries: counts.before },
            proposed: { generation: staged, entries: counts.after, ...(add ? { add } : {}), ...(remove ? { remove } : {}), ...(imported ? { import: imported } : {}), sample },
            fields: ['entries'],
          });
          continue;
        }
        if (change.kind === 'thresholds') {
          const set = await rules.ruleSet();
          const live = set.thresholds ? { ...set.thresholds, ...set.policy } : undefined;
          const { kind: _k, ...proposed } = change;
          const fields = DECISION_FIELDS.filter((k) => proposed[k] !== undefined && JSON.stringify(live?.[k]) !== JSON.stringify(proposed[k]));
          out.push({ ruleId: THRESHOLDS_CLAIM, kind: 'thresholds', ...(live ? { live } : {}), proposed, fields });
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

export type ChangeSets = ReturnType<typeof createChangeSets>;
