import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScripts } from '../domain/redis-scripts.ts';
import { scriptRefusal } from '../domain/script-refusal.ts';
import type { ErrorCode } from '../domain/error-codes.ts';
import { err, ok, type DomainError, type Result } from '../domain/result.ts';
import { CASE_EVENTS_STREAM } from './case-store.ts';
import { strApprovalProblems } from './str/str-approval.ts';
import { strProblems, strTotals, type StrDocument, type StrDraft, type StrProblem } from './str/str-document.ts';

/**
 * A case's suspicious transaction reports in Redis: drafted from the case, edited, submitted
 * (the case then waits in the compliance queue), approved by a second officer or sent back,
 * and its filing reference recorded once the regulator answers. Each step is one script with
 * the case's change and its event (lua/draftStr-3.lua, lua/changeStr-3.lua).
 */
export type StrState = 'draft' | 'submitted' | 'returned' | 'approved';

export interface StoredStr {
  id: string;
  caseId: string;
  state: StrState;
  /** The draft, with approvedBy, approvedAt and totals once approved. */
  document: StrDraft & Partial<Pick<StrDocument, 'totals' | 'approvedBy' | 'approvedAt' | 'filingReference'>>;
  draftedBy: string;
  submittedBy: string;
  approvedBy: string;
  /** Why it was sent back, when it was. */
  comment: string;
  filingReference: string;
  /** The approved correction that replaces this version ('' while none does). */
  supersededBy: string;
  updatedAt: string;
  /** What keeps it from being submitted (or, approved, exported); [] when nothing. */
  problems: StrProblem[];
}

interface StrScripts {
  draftStr(...args: string[]): Promise<string[]>;
  correctStr(...args: string[]): Promise<string[]>;
  changeStr(...args: string[]): Promise<string[]>;
}

export const STR_REFUSALS = [
  'CASE_NOT_FOUND',
  'CASE_CLOSED',
  'CASE_ILLEGAL_TRANSITION',
  'STR_IN_PROGRESS',
  'STR_NOT_FOUND',
  'STR_NOT_EDITABLE',
  'STR_ILLEGAL_TRANSITION',
  'STR_ALREADY_FILED',
  'STR_ACTION_UNKNOWN',
  'FOUR_EYES_REQUIRED',
  'STR_SUPERSEDED',
] as const satisfies readonly ErrorCode[];

const REFUSAL_TEXT: Record<(typeof STR_REFUSALS)[number], string> = {
  CASE_NOT_FOUND: 'no such case',
  CASE_CLOSED: 'the case is closed',
  CASE_ILLEGAL_TRANSITION: 'the case must be under investigation for its STR to be submitted',
  STR_IN_PROGRESS: 'the case already has an STR in progress',
  STR_NOT_FOUND: 'no such STR',
  STR_NOT_EDITABLE: 'only a draft, or an STR sent back, can be edited',
  STR_ILLEGAL_TRANSITION: 'the STR cannot do that from its state',
  STR_ALREADY_FILED: "the STR's filing reference is already recorded",
  STR_ACTION_UNKNOWN: 'unknown action',
  FOUR_EYES_REQUIRED: 'the officer who drafted the STR cannot approve it or send it back',
  STR_SUPERSEDED: 'a later version corrects this STR: correct that one',
};

const refusal = scriptRefusal<(typeof STR_REFUSALS)[number]>(REFUSAL_TEXT, 'STR_ACTION_UNKNOWN');

/** The problems of a document as one 422, each `field: problem`. */
function invalid(problems: StrProblem[]): DomainError {
  return { code: 'STR_INVALID', message: problems.slice(0, 20).map((p) => `${p.field || '(document)'}: ${p.message}`).join('; ') };
}

export const newStrId = () => `str_${randomUUID().replaceAll('-', '').slice(0, 26)}`;

export function createStrStore(options: { redis: Redis; now?: () => number }) {
  const redis = defineScripts<StrScripts>(options.redis, new URL('./lua/', import.meta.url));
  const now = options.now ?? Date.now;

  async function get(id: string): Promise<StoredStr | undefined> {
    const h = await redis.hgetall(`str:${id}`);
    if (!h.id) return undefined;
    const state = h.state as StrState;
    const document = JSON.parse(h.doc ?? '{}') as StoredStr['document'];
    return {
      id: h.id,
      caseId: h.caseId ?? '',
      state,
      document,
      draftedBy: h.draftedBy ?? '',
      submittedBy: h.submittedBy ?? '',
      approvedBy: h.approvedBy ?? '',
      comment: h.comment ?? '',
      filingReference: h.filingReference ?? '',
      supersededBy: h.supersededBy ?? '',
      updatedAt: new Date(Number(h.updatedAt ?? 0)).toISOString(),
      problems: state === 'approved' ? strApprovalProblems(document as StrDocument) : strProblems(document),
    };
  }

  const change = async (str: StoredStr, action: string, actor: string, extra: { doc?: object; comment?: string; reference?: string } = {}): Promise<Result<StoredStr, DomainError>> => {
    const reply = await redis.changeStr(
      `str:${str.id}`,
      `case:${str.caseId}`,
      CASE_EVENTS_STREAM,
      action,
      actor,
      String(now()),
      randomUUID(),
      str.caseId,
      str.id,
      extra.doc ? JSON.stringify(extra.doc) : '',
      extra.comment ?? '',
      extra.reference ?? '',
    );
    if (reply[0] !== 'ok') return err(refusal(reply[1]));
    const changed = await get(str.id);
    return changed ? ok(changed) : err(refusal('STR_NOT_FOUND'));
  };

  const found = async (id: string): Promise<Result<StoredStr, DomainError>> => {
    const str = await get(id);
    return str ? ok(str) : err(refusal('STR_NOT_FOUND'));
  };

  return {
    get,

    /** The case's STRs, first drafted first. */
    async ofCase(caseId: string): Promise<StoredStr[]> {
      const ids = await redis.lrange(`case:${caseId}:strs`, 0, -1);
      return (await Promise.all(ids.map(get))).filter((s): s is StoredStr => s !== undefined);
    },

    /** Drafts the case's STR (its id given to the document here). */
    async draft(caseId: string, actor: string, draft: Omit<StrDraft, 'strId'>): Promise<Result<StoredStr, DomainError>> {
      const id = newStrId();
      const doc: StrDraft = { ...draft, strId: id, caseId, draftedBy: actor };
      const reply = await redis.draftStr(`case:${caseId}`, `str:${id}`, CASE_EVENTS_STREAM, caseId, id, JSON.stringify(doc), actor, String(now()), randomUUID());
      if (reply[0] !== 'ok') return err(refusal(reply[1], reply[2]));
      return found(id);
    },

    /**
     * Drafts the correction of an approved STR: a new version (its own id, version + 1, naming
     * the first version in `correctsStrId`) with the approved content to edit, approved by a
     * second officer as any STR; the approved one is never changed, only marked superseded
     * once its correction is approved.
     */
    async correct(id: string, actor: string): Promise<Result<StoredStr, DomainError>> {
      const current = await found(id);
      if (!current.ok) return current;
      const { approvedBy: _by, approvedAt: _at, totals: _totals, filingReference: _ref, ...content } = current.value.document;
      const newId = newStrId();
      const doc: StrDraft = {
        ...content,
        strId: newId,
        version: content.version + 1,
        correctsStrId: content.correctsStrId ?? content.strId,
        draftedBy: actor,
        draftedAt: new Date(now()).toISOString(),
      };
      const reply = await redis.correctStr(`str:${id}`, `str:${newId}`, `case:${current.value.caseId}`, CASE_EVENTS_STREAM, current.value.caseId, id, newId, JSON.stringify(doc), actor, String(now()), randomUUID());
      if (reply[0] !== 'ok') return err(refusal(reply[1], reply[2]));
      return found(newId);
    },

    /** Replaces a draft's (or a returned STR's) content; its id, case, version and drafter stay. */
    async edit(id: string, actor: string, content: Omit<StrDraft, 'strId' | 'caseId' | 'version' | 'correctsStrId' | 'draftedBy' | 'draftedAt'>): Promise<Result<StoredStr, DomainError>> {
      const current = await found(id);
      if (!current.ok) return current;
      const d = current.value.document;
      const doc: StrDraft = { ...content, strId: d.strId, caseId: d.caseId, version: d.version, ...(d.correctsStrId ? { correctsStrId: d.correctsStrId } : {}), draftedBy: d.draftedBy, draftedAt: d.draftedAt };
      return change(current.value, 'edit', actor, { doc });
    },

    /** Submits for approval: only a draft without problems. */
    async submit(id: string, actor: string): Promise<Result<StoredStr, DomainError>> {
      const current = await found(id);
      if (!current.ok) return current;
      if (current.value.state === 'draft' || current.value.state === 'returned') {
        const problems = strProblems(current.value.document);
        if (problems.length > 0) return err(invalid(problems));
      }
      return change(current.value, 'submit', actor);
    },

    /** A second officer approves: the document is completed (totals, approver, time) and frozen. */
    async approve(id: string, actor: string): Promise<Result<StoredStr, DomainError>> {
      const current = await found(id);
      if (!current.ok) return current;
      const str = current.value;
      if (str.state !== 'submitted') return err(refusal('STR_ILLEGAL_TRANSITION'));
      if (str.draftedBy === actor) return err(refusal('FOUR_EYES_REQUIRED'));
      const approved: StrDocument = { ...str.document, totals: strTotals(str.document.transactions), approvedBy: actor, approvedAt: new Date(now()).toISOString() };
      const problems = strApprovalProblems(approved);
      if (problems.length > 0) return err(invalid(problems));
      return change(str, 'approve', actor, { doc: approved });
    },

    async sendBack(id: string, actor: string, comment: string): Promise<Result<StoredStr, DomainError>> {
      const current = await found(id);
      return current.ok ? change(current.value, 'return', actor, { comment }) : current;
    },

    /** Records the regulator's filing reference, once, on an approved STR. */
    async file(id: string, actor: string, reference: string): Promise<Result<StoredStr, DomainError>> {
      const current = await found(id);
      if (!current.ok) return current;
      return change(current.value, 'file', actor, { reference, doc: { ...current.value.document, filingReference: reference } });
    },
  };
}

export type StrStore = ReturnType<typeof createStrStore>;
