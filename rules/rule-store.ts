import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { err, ok, type Result } from '../domain/result.ts';
import type { ListName } from './facts/keys.ts';
import { defineRiskScripts, type RiskScripts } from './lua-scripts.ts';
import { createRiskLists, LISTS_CHANNEL, type Audit, type RiskLists } from './risk-lists.ts';
import { RULE_MODES, type Rule, type RuleMode, type StoredRule } from './rule-schema.ts';
import { validateRule, type RuleInvalidError } from './validate-rule.ts';
import type { Thresholds } from './decide.ts';
import type { FallbackPolicy } from './degraded.ts';

/**
 * Rules kept in Redis: every version kept (`risk:rules:versions`, field `id#version`), a
 * current-version pointer and a mode per rule, and a rule-set sequence bumped by every
 * change, which is published on RULES_CHANNEL so every engine sharing the Redis swaps to
 * a newly compiled rule set. Every change is passed to `audit`, after it is committed.
 */

export const RULES_CHANNEL = 'risk:rules:changed';
const KEYS = {
  current: 'risk:rules:current',
  mode: 'risk:rules:mode',
  versions: 'risk:rules:versions',
  seq: 'risk:rules:seq',
} as const;
const KEY_LIST = [KEYS.current, KEYS.mode, KEYS.versions, KEYS.seq];

export interface RuleNotFoundError {
  code: 'RULE_NOT_FOUND';
  message: string;
}
export type RuleStoreError = RuleInvalidError | RuleNotFoundError;

export interface RuleChange {
  rule: StoredRule;
  ruleSetVersion: string;
}

export interface RuleSet {
  version: string;
  rules: StoredRule[];
  /** The decision thresholds live with this version (absent until seeded: the caller's configuration applies). */
  thresholds?: Thresholds;
  /** The risk step's deadline and failure policy, once a change set set them (the configuration's until then). */
  policy?: DecisionPolicy;
  /** Submitted change sets' rules running in shadow for their shadow period, under trial ids (never deciding). */
  trials?: StoredRule[];
}

/** Hash: change set id -> its shadow period (rules/change-sets.ts, `Trial`). */
export const TRIALS_KEY = 'risk:rules:trials';

/** A change set's shadow period: its rules under trial ids, until when. */
export interface Trial {
  /** Unix ms. */
  from: number;
  until: number;
  rules: StoredRule[];
  /** Trial id -> the rule it tries. */
  of: Record<string, string>;
}

/** What decides a payment besides its rules and thresholds: how long the step may take, and what a step that fails decides. */
export interface DecisionPolicy {
  deadlineMs?: number;
  fallback?: FallbackPolicy;
}

/** The policy a thresholds hash holds (fields `deadlineMs`, `fallbackApproveBelowUsd`, `fallbackOtherwise`), if any. */
export function policyOf(h: Record<string, string>): DecisionPolicy | undefined {
  const deadlineMs = Number(h.deadlineMs);
  const approveBelowUsd = Number(h.fallbackApproveBelowUsd);
  const otherwise = h.fallbackOtherwise;
  const policy: DecisionPolicy = {
    ...(h.deadlineMs !== undefined && Number.isInteger(deadlineMs) && deadlineMs > 0 ? { deadlineMs } : {}),
    ...(h.fallbackApproveBelowUsd !== undefined && approveBelowUsd >= 0 && (otherwise === 'review' || otherwise === 'decline') ? { fallback: { approveBelowUsd, otherwise } } : {}),
  };
  return Object.keys(policy).length > 0 ? policy : undefined;
}

/** Hash `review`, `decline` (and the policy's fields): the decision thresholds, seeded from the configuration, changed by change sets. */
export const THRESHOLDS_KEY = 'risk:thresholds';
/** Hash: rule-set sequence -> what that version was (the scripts' snapshotRuleSet). */
export const SNAPSHOTS_KEY = 'risk:rules:snapshots';

/** The thresholds a hash holds, if it holds a valid pair. */
export function thresholdsOf(h: Record<string, string>): Thresholds | undefined {
  const review = Number(h.review);
  const decline = Number(h.decline);
  return Number.isInteger(review) && Number.isInteger(decline) && review >= 1 && review <= decline && decline <= 1000 ? { review, decline } : undefined;
}

/** What a rule-set version was: each rule's version and mode, the thresholds, when and by what it was made. */
export interface RuleSetSnapshot {
  version: string;
  rules: Record<string, { version: number; mode: RuleMode }>;
  thresholds?: Thresholds;
  policy?: DecisionPolicy;
  /** Unix ms. */
  at: number;
  /** What made it: `seed`, `rule <id>`, `mode <id>`, `change set <id>`. */
  by: string;
}

export interface RuleSubscription {
  close(): Promise<void>;
}

export interface RuleStore {
  /** The current version of every rule, with its mode, ordered by id. */
  list(): Promise<StoredRule[]>;
  /** One rule's current version and all its versions, oldest first. */
  get(id: string): Promise<{ rule: StoredRule; versions: StoredRule[] } | undefined>;
  /** Validates `body` and stores it as the rule's next version (its mode too); invalid: nothing changes. */
  put(id: string, body: unknown, actor: string): Promise<Result<RuleChange, RuleStoreError>>;
  /** enforce / shadow / off, without a new rule version. */
  setMode(id: string, mode: RuleMode, actor: string): Promise<Result<RuleChange, RuleStoreError>>;
  /** A consistent snapshot of the current rules and the rule-set version they make. */
  ruleSet(): Promise<RuleSet>;
  /** The current rule-set version, e.g. "rs-17". */
  ruleSetVersion(): Promise<string>;
  /** Seeds the default pack (and its lists) when Redis holds no rule; true when this call seeded. */
  seedDefaults(): Promise<boolean>;
  /** What a rule-set version was (kept from the first version these were recorded on). */
  snapshot(version: string): Promise<RuleSetSnapshot | undefined>;
  /** The body a rule had at one of its versions. */
  ruleAt(id: string, version: number): Promise<StoredRule | undefined>;
  /** Seeds the decision thresholds when Redis holds none; true when this call seeded them. */
  seedThresholds(thresholds: Thresholds): Promise<boolean>;
  /**
   * Calls `onChange` on every rule change (with the new version) and `onListsChange` on
   * every list change, on any node; both with undefined after a reconnection, when
   * changes may have been missed.
   */
  subscribe(
    onChange: (ruleSetVersion: string | undefined) => void,
    onListsChange?: (list: string | undefined) => void,
  ): Promise<RuleSubscription>;
  lists: RiskLists;
}

export interface DefaultPack {
  rules: Rule[];
  lists: Partial<Record<ListName, string[]>>;
}

export function loadDefaultPack(): DefaultPack {
  return JSON.parse(readFileSync(new URL('./default-pack.json', import.meta.url), 'utf8')) as DefaultPack;
}

const ruleSetVersionOf = (seq: number | string | null) => `rs-${Number(seq ?? 0)}`;

export function createRuleStore(redis: Redis, audit?: Audit, options: { now?: () => number } = {}): RuleStore {
  const scripted: Redis & RiskScripts = defineRiskScripts(redis);
  const now = options.now ?? Date.now;
  const lists = createRiskLists(redis, audit);

  const parse = (id: string, version: number, json: string, mode: string | undefined): StoredRule => {
    const body = JSON.parse(json) as Omit<StoredRule, 'version'>;
    return { ...body, id, version, mode: (mode ?? body.mode) as RuleMode };
  };

  async function currentState(): Promise<{ current: Record<string, string>; modes: Record<string, string>; seq: string | null; thresholds: Record<string, string>; trials: Record<string, string> }> {
    const replies = await redis.multi().hgetall(KEYS.current).hgetall(KEYS.mode).get(KEYS.seq).hgetall(THRESHOLDS_KEY).hgetall(TRIALS_KEY).exec();
    if (!replies) throw new Error('rule store snapshot was aborted');
    for (const [error] of replies) if (error) throw error;
    const [current, modes, seq, thresholds, trials] = replies.map(([, value]) => value);
    return { current: current as Record<string, string>, modes: modes as Record<string, string>, seq: seq as string | null, thresholds: thresholds as Record<string, string>, trials: trials as Record<string, string> };
  }

  async function ruleSet(): Promise<RuleSet> {
    const { current, modes, seq, thresholds: held, trials: running } = await currentState();
    const thresholds = thresholdsOf(held);
    const policy = policyOf(held);
    // A shadow period past its end (its ending job not run yet) is left out.
    const at = now();
    const trials = Object.values(running).flatMap((json) => {
      const trial = JSON.parse(json) as Trial;
      return trial.until > at ? trial.rules : [];
    });
    const decided = { ...(thresholds ? { thresholds } : {}), ...(policy ? { policy } : {}), ...(trials.length > 0 ? { trials } : {}) };
    const ids = Object.keys(current).sort();
    if (ids.length === 0) return { version: ruleSetVersionOf(seq), rules: [], ...decided };
    // Versions are immutable, so reading them after the pointers still gives that snapshot.
    const bodies = await redis.hmget(KEYS.versions, ...ids.map((id) => `${id}#${current[id]}`));
    const rules: StoredRule[] = [];
    ids.forEach((id, i) => {
      const json = bodies[i];
      // A rule id may be `constructor`: only the hash's own fields count.
      if (json) rules.push(parse(id, Number(current[id]), json, Object.hasOwn(modes, id) ? modes[id] : undefined));
    });
    return { version: ruleSetVersionOf(seq), rules, ...decided };
  }

  async function get(id: string) {
    const [version, mode] = await Promise.all([redis.hget(KEYS.current, id), redis.hget(KEYS.mode, id)]);
    if (!version) return undefined;
    const n = Number(version);
    const fields = Array.from({ length: n }, (_, i) => `${id}#${i + 1}`);
    const bodies = await redis.hmget(KEYS.versions, ...fields);
    // Each version keeps the mode it was written with; the current one shows the live mode.
    const versions = bodies.flatMap((json, i) => (json ? [parse(id, i + 1, json, i + 1 === n ? (mode ?? undefined) : undefined)] : []));
    const rule = versions[versions.length - 1];
    return rule ? { rule, versions } : undefined;
  }

  async function ruleSetVersion(): Promise<string> {
    return ruleSetVersionOf(await redis.get(KEYS.seq));
  }

  return {
    lists,
    ruleSet,
    ruleSetVersion,
    get,

    async list() {
      return (await ruleSet()).rules;
    },

    async put(id, body, actor) {
      const candidate = typeof body === 'object' && body !== null && !Array.isArray(body) && !('id' in body) ? { ...body, id } : body;
      const checked = validateRule(candidate);
      if (!checked.ok) return checked;
      if (checked.value.id !== id) {
        return err({ code: 'RULE_INVALID', message: `/id: must be "${id}", the rule being written`, path: '/id' });
      }
      const { version: _ignored, ...rule } = checked.value;
      const stored = { ...rule, createdAt: now(), createdBy: actor };
      const [version, seq] = await scripted.putRule(...KEY_LIST, id, JSON.stringify(stored), rule.mode, RULES_CHANNEL);
      const change: RuleChange = { rule: { ...stored, version: Number(version) }, ruleSetVersion: ruleSetVersionOf(seq) };
      audit?.({ actor, action: 'rule.put', target: `rule:${id}`, details: { version: change.rule.version, ruleSetVersion: change.ruleSetVersion, rule: stored } });
      return ok(change);
    },

    async setMode(id, mode, actor) {
      if (!RULE_MODES.includes(mode)) return err({ code: 'RULE_INVALID', message: `/mode: must be one of ${RULE_MODES.join(', ')}`, path: '/mode' });
      const reply = await scripted.setRuleMode(...KEY_LIST, id, mode, RULES_CHANNEL);
      if (reply === -1 || !Array.isArray(reply)) return err({ code: 'RULE_NOT_FOUND', message: `no rule "${id}"` });
      const [seq, previous] = reply;
      const current = await get(id);
      if (!current) return err({ code: 'RULE_NOT_FOUND', message: `no rule "${id}"` });
      const version = seq === 0 ? await ruleSetVersion() : ruleSetVersionOf(seq);
      if (seq !== 0) {
        audit?.({ actor, action: 'rule.mode', target: `rule:${id}`, details: { from: previous, to: mode, version: current.rule.version, ruleSetVersion: version } });
      }
      return ok({ rule: current.rule, ruleSetVersion: version });
    },

    async snapshot(version) {
      const seq = /^rs-(\d{1,15})$/.exec(version)?.[1];
      const raw = seq === undefined ? null : await redis.hget(SNAPSHOTS_KEY, seq);
      if (raw === null) return undefined;
      const s = JSON.parse(raw) as { current: string[] | object; mode: string[] | object; thresholds: string[] | object; at: number; by: string };
      // HGETALL in Lua is a flat list; cjson writes an empty one as {}.
      const pairs = (flat: string[] | object) => {
        const list = Array.isArray(flat) ? flat : [];
        const out: Record<string, string> = {};
        for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
        return out;
      };
      const current = pairs(s.current);
      const modes = pairs(s.mode);
      const rules: RuleSetSnapshot['rules'] = {};
      for (const [id, v] of Object.entries(current)) rules[id] = { version: Number(v), mode: (modes[id] ?? 'off') as RuleMode };
      const thresholds = thresholdsOf(pairs(s.thresholds));
      const policy = policyOf(pairs(s.thresholds));
      return { version, rules, ...(thresholds ? { thresholds } : {}), ...(policy ? { policy } : {}), at: s.at, by: s.by };
    },

    async ruleAt(id, version) {
      const json = await redis.hget(KEYS.versions, `${id}#${version}`);
      return json ? parse(id, version, json, undefined) : undefined;
    },

    async seedThresholds(thresholds) {
      return (await scripted.seedThresholds(THRESHOLDS_KEY, String(thresholds.review), String(thresholds.decline))) === 1;
    },

    async seedDefaults() {
      const pack = loadDefaultPack();
      const args: string[] = [RULES_CHANNEL];
      const at = now();
      for (const rule of pack.rules) {
        const checked = validateRule(rule);
        if (!checked.ok) throw new Error(`default pack rule ${rule.id}: ${checked.error.message}`);
        const { version: _ignored, ...body } = checked.value;
        args.push(body.id, JSON.stringify({ ...body, createdAt: at, createdBy: 'system' }), body.mode);
      }
      const seq = await scripted.seedRules(...KEY_LIST, ...args);
      if (seq === 0) return false;
      for (const [name, values] of Object.entries(pack.lists) as Array<[ListName, string[]]>) {
        if (values.length > 0) await lists.add(name, values, 'system');
      }
      audit?.({
        actor: 'system',
        action: 'rules.seed',
        target: 'rules',
        details: { ruleSetVersion: ruleSetVersionOf(seq), rules: pack.rules.map((r) => r.id) },
      });
      return true;
    },

    async subscribe(onChange, onListsChange) {
      // Its own connection (a subscribed connection can do nothing else), allowed to queue its SUBSCRIBE until connected.
      const subscriber = redis.duplicate({ enableAutoPipelining: false, lazyConnect: false, enableOfflineQueue: true });
      let connectedOnce = false;
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === LISTS_CHANNEL) onListsChange?.(message);
        else onChange(message);
      });
      subscriber.on('ready', () => {
        if (connectedOnce) {
          onChange(undefined);
          onListsChange?.(undefined);
        }
        connectedOnce = true;
      });
      // An unhandled 'error' event would crash the process; reconnection is ioredis's job.
      subscriber.on('error', () => undefined);
      await subscriber.subscribe(RULES_CHANNEL, ...(onListsChange ? [LISTS_CHANNEL] : []));
      return {
        async close() {
          subscriber.removeAllListeners('message');
          await subscriber.quit().catch(() => subscriber.disconnect());
        },
      };
    },
  };
}
