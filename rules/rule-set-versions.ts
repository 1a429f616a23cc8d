import type { Redis } from 'ioredis';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import type { ChangeSet, ChangeSets } from './change-sets.ts';
import type { Thresholds } from './decide.ts';
import type { StoredRule } from './rule-schema.ts';
import { SNAPSHOTS_KEY, type RuleSetSnapshot, type RuleStore } from './rule-store.ts';

/**
 * The recorded rule-set versions (docs/rules.md, "Rule-set versions"): every script that
 * bumps the rule-set sequence records what the version is (`risk:rules:snapshots`), so each
 * can be listed, read in full with its rules' bodies, compared with another and rolled back to.
 */

/** The change set that made a version, as a reader of the version needs it. */
export interface VersionChangeSet {
  id: string;
  title: string;
  author: string;
  approvedBy: string;
  approvedAt: string;
  evidence: Record<string, unknown>;
}

interface VersionHeader {
  version: string;
  /** The version every node runs now. */
  live: boolean;
  at: string;
  /** What made it: `seed`, `rule <id>` or `mode <id>` (the direct rule routes), `change set <id>`. */
  by: string;
  changeSet?: VersionChangeSet;
  /** Its decision thresholds: the configuration's when Redis held none yet. */
  thresholds: Thresholds;
}

export interface RuleSetVersionSummary extends VersionHeader {
  /** How many rules it holds, whatever their mode. */
  rules: number;
}

export interface RuleSetVersion extends VersionHeader {
  /** Each rule's body at the version it had then, in the mode it ran in then; ordered by id. */
  rules: StoredRule[];
}

/** Versions in one page at most. */
export const MAX_PAGE = 100;

const seqOf = (version: string): number | undefined => {
  const m = /^rs-(\d{1,15})$/.exec(version);
  return m ? Number(m[1]) : undefined;
};

const notFound = (version: string): DomainError => ({
  code: 'RULE_SET_VERSION_NOT_FOUND',
  message: `no record of rule-set version ${version} (versions are recorded from the first change after recording was built)`,
});

export function createRuleSetVersions(
  redis: Redis,
  rules: Pick<RuleStore, 'snapshot' | 'ruleAt' | 'ruleSetVersion'>,
  changeSets: Pick<ChangeSets, 'get'>,
  /** The configuration's thresholds: what a version recorded before they were seeded into Redis ran with. */
  defaults: Thresholds,
) {
  async function changeSetOf(by: string): Promise<VersionChangeSet | undefined> {
    const id = /^change set (cs_[a-f0-9]{24})$/.exec(by)?.[1];
    const set: ChangeSet | undefined = id ? await changeSets.get(id) : undefined;
    return set ? { id: set.id, title: set.title, author: set.author, approvedBy: set.approvedBy, approvedAt: set.approvedAt, evidence: set.evidence } : undefined;
  }

  async function header(s: RuleSetSnapshot, live: string): Promise<VersionHeader> {
    const changeSet = await changeSetOf(s.by);
    return { version: s.version, live: s.version === live, at: new Date(s.at).toISOString(), by: s.by, ...(changeSet ? { changeSet } : {}), thresholds: s.thresholds ?? defaults };
  }

  /** Each rule of a snapshot with its body at that version; a body no longer stored makes the version unreadable. */
  async function rulesOf(s: RuleSetSnapshot): Promise<Result<StoredRule[], DomainError>> {
    const ids = Object.keys(s.rules).sort();
    const bodies = await Promise.all(ids.map((id) => rules.ruleAt(id, s.rules[id]!.version)));
    const out: StoredRule[] = [];
    for (const [i, id] of ids.entries()) {
      const body = bodies[i];
      if (!body) return err({ code: 'RULE_SET_VERSION_NOT_FOUND', message: `rule ${id} version ${s.rules[id]!.version} of ${s.version} is no longer stored` });
      // A mode change makes no rule version: the mode it ran in is the snapshot's.
      out.push({ ...body, mode: s.rules[id]!.mode });
    }
    return ok(out);
  }

  return {
    /**
     * Newest first, `limit` at most, older than `before` when given. Read by sequence ranges
     * (a page's fields at a time, pipelined), never the whole hash at once: every script that
     * bumps the sequence records it, so the recorded versions are the last HLEN ones.
     */
    async list(page: { limit: number; before?: string }): Promise<{ versions: RuleSetVersionSummary[]; next?: string }> {
      const limit = Math.max(1, Math.min(MAX_PAGE, page.limit));
      const [live, recorded] = await Promise.all([rules.ruleSetVersion(), redis.hlen(SNAPSHOTS_KEY)]);
      const current = seqOf(live) ?? 0;
      const lowest = Math.max(1, current - recorded + 1);
      const before = page.before === undefined ? undefined : seqOf(page.before);
      let cursor = before === undefined ? current : Math.min(before - 1, current);
      const found: RuleSetSnapshot[] = [];
      while (cursor >= lowest && found.length < limit) {
        const seqs = Array.from({ length: Math.min(limit - found.length, cursor - lowest + 1) }, (_, i) => cursor - i);
        const snapshots = await Promise.all(seqs.map((seq) => rules.snapshot(`rs-${seq}`)));
        for (const s of snapshots) if (s) found.push(s);
        cursor -= seqs.length;
      }
      const versions = await Promise.all(found.map(async (s) => ({ ...(await header(s, live)), rules: Object.keys(s.rules).length })));
      const last = found.at(-1);
      return { versions, ...(found.length === limit && last && (seqOf(last.version) ?? 0) > lowest ? { next: last.version } : {}) };
    },

    /** One version in full: each rule's body then, the thresholds, who and when, its change set. */
    async get(version: string): Promise<Result<RuleSetVersion, DomainError>> {
      const s = await rules.snapshot(version);
      if (!s) return err(notFound(version));
      const [head, body] = await Promise.all([rules.ruleSetVersion().then((live) => header(s, live)), rulesOf(s)]);
      if (!body.ok) return body;
      return ok({ ...head, rules: body.value });
    },

    /** A version as a comparison runs it: its rules (bodies at their versions, their modes then) and thresholds. */
    async runnable(version: string): Promise<Result<{ version: string; rules: StoredRule[]; thresholds: Thresholds }, DomainError>> {
      const s = await rules.snapshot(version);
      if (!s) return err(notFound(version));
      const body = await rulesOf(s);
      return body.ok ? ok({ version, rules: body.value, thresholds: s.thresholds ?? defaults }) : body;
    },
  };
}

export type RuleSetVersions = ReturnType<typeof createRuleSetVersions>;
