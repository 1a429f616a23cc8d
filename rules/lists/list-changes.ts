import { err, ok, type DomainError, type Result } from '../../domain/result.ts';
import type { StagedList } from './list-store.ts';
import { checkEntry, isListId, normaliseValue, type EntryInput, type ListEntry, type ListId, type ListType } from './subject-lists.ts';

/**
 * A list change in a change set: entries added and values removed (given in the draft, at
 * most MAX_LIST_EDITS), or a CSV import (its own route); either way staged as a generation
 * when drafted, which the approval makes live. The staging fields are the server's, never
 * taken from a draft.
 */
export interface ListChange {
  kind: 'list';
  list: ListId;
  add?: EntryInput[];
  remove?: string[];
  /** Set for an import: `add` over the live list, or `replace` it. */
  import?: { mode: 'add' | 'replace'; rows: number };
  staged: number;
  /** Entries before and after, rows given. */
  counts: StagedList['counts'];
  /** The first entries written. */
  sample: ListEntry[];
}

/** Edits one list change may carry in a draft's JSON; more go through the CSV import. */
export const MAX_LIST_EDITS = 1000;

/** A draft's list change checked (without its staging). */
export function checkListChange(raw: Record<string, unknown>, path: string, now: number): Result<Pick<ListChange, 'kind' | 'list' | 'add' | 'remove'>, DomainError> {
  const bad = (message: string) => err<DomainError>({ code: 'VALIDATION_FAILED', message: `${path}${message}` });
  const allowed = new Set(['kind', 'list', 'add', 'remove']);
  const extra = Object.keys(raw).find((k) => !allowed.has(k));
  if (extra) return bad(`/${extra}: a list change is { "kind": "list", "list": "block:wallet", "add": [{ "value", "reason", "expiresAt"?, "rules"? }], "remove": ["value"] }`);
  if (typeof raw.list !== 'string' || !isListId(raw.list)) return bad('/list: a list is "block:<type>" or "allow:<type>", type one of wallet, device, ip, merchant, mcc, country, user, name');
  const list = raw.list;
  const type = list.split(':')[1] as ListType;
  const add: EntryInput[] = [];
  const remove: string[] = [];
  const adds = raw.add ?? [];
  const removes = raw.remove ?? [];
  if (!Array.isArray(adds) || !Array.isArray(removes)) return bad(': add and remove are arrays');
  if (adds.length + removes.length === 0) return bad(': add or remove at least one entry');
  if (adds.length + removes.length > MAX_LIST_EDITS) return bad(`: at most ${MAX_LIST_EDITS} edits in a draft; import a CSV for more (POST /v1/lists/${list.replace(':', '/')}/import)`);
  const seen = new Set<string>();
  for (const [i, a] of adds.entries()) {
    const entry = typeof a === 'object' && a !== null && !Array.isArray(a) ? checkEntry(list, a as Record<string, unknown>, now) : err({ code: 'LIST_ENTRY_INVALID', message: 'an entry is an object' });
    if (!entry.ok) return err({ code: 'LIST_ENTRY_INVALID', message: `${path}/add/${i}: ${entry.error.message}` });
    if (seen.has(entry.value.value)) return bad(`/add/${i}: "${entry.value.value}" twice`);
    seen.add(entry.value.value);
    add.push(entry.value);
  }
  for (const [i, r] of removes.entries()) {
    const value = normaliseValue(type, r);
    if (!value.ok) return err({ code: 'LIST_ENTRY_INVALID', message: `${path}/remove/${i}: ${value.error.message}` });
    if (seen.has(value.value)) return bad(`/remove/${i}: "${value.value}" is both added and removed`);
    seen.add(value.value);
    remove.push(value.value);
  }
  return ok({ kind: 'list', list, ...(add.length ? { add } : {}), ...(remove.length ? { remove } : {}) });
}

/** The change with its staging. */
export function stagedChange(change: Pick<ListChange, 'list' | 'add' | 'remove' | 'import'>, staged: StagedList): ListChange {
  return { kind: 'list', list: change.list, ...(change.add ? { add: change.add } : {}), ...(change.remove ? { remove: change.remove } : {}), ...(change.import ? { import: change.import } : {}), staged: staged.staged, counts: staged.counts, sample: staged.sample };
}

