import { isIP } from 'node:net';
import { err, ok, type Result } from '../../domain/result.ts';
import { normaliseName } from '../../screening/normalise-name.ts';

/**
 * Typed lists (docs/rules.md, "Lists"): per kind of subject, a block list (a payment from or
 * to a listed subject is declined by the `list-block` rule) and an allow list (its entries
 * exempt a subject from the rules they name, until they expire: a snooze). Every entry says
 * why, who and when, and may expire. Lists are edited through change sets; one entry may be
 * blocked at once by an officer alone (an emergency block, listed for review).
 */

export const LIST_KINDS = ['block', 'allow'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export const LIST_TYPES = ['wallet', 'device', 'ip', 'merchant', 'mcc', 'country', 'user', 'name'] as const;
export type ListType = (typeof LIST_TYPES)[number];

/** `block:wallet`: one list. */
export type ListId = `${ListKind}:${ListType}`;
export const LIST_IDS: readonly ListId[] = LIST_KINDS.flatMap((kind) => LIST_TYPES.map((type) => `${kind}:${type}` as const));

/** What a change set claims while it edits a list, beside rule ids. */
export const listClaim = (list: ListId) => `@list:${list}`;

export const isListId = (s: string): s is ListId => (LIST_IDS as readonly string[]).includes(s);

/** Entries in one list at most, and in one import (the import's rows count, not the list's). */
export const MAX_LIST_ENTRIES = 1_000_000;
export const MAX_REASON = 500;
export const MAX_VALUE = 256;
/** Rules one allow entry may exempt its subject from. */
export const MAX_EXEMPT_RULES = 50;
const RULE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface ListEntry {
  value: string;
  reason: string;
  author: string;
  /** Unix ms. */
  createdAt: number;
  /** Unix ms; the entry stops applying at this time. */
  expiresAt?: number;
  /** Allow entries: the rules whose hits it takes away for this subject. */
  rules?: string[];
  /** Blocked at once by one officer, outside a change set. */
  emergency?: true;
}

/** An entry as an author gives it (the author and time are the server's). */
export interface EntryInput {
  value: string;
  reason: string;
  expiresAt?: number;
  rules?: string[];
}

export interface EntryInvalid {
  code: 'LIST_ENTRY_INVALID';
  message: string;
}

const FORMAT: Record<ListType, { expected: string; normalise(raw: string): string | undefined }> = {
  wallet: scoped('"participant:walletId"'),
  device: scoped('"participant:deviceId"'),
  user: scoped('"participant:userId"'),
  ip: { expected: 'an IPv4 or IPv6 address', normalise: (raw) => canonicalIp(raw.trim()) },
  merchant: { expected: 'a merchant id', normalise: (raw) => (/^[A-Za-z0-9._-]{1,64}$/.test(raw.trim()) ? raw.trim() : undefined) },
  mcc: { expected: 'a four-digit MCC', normalise: (raw) => (/^\d{4}$/.test(raw.trim()) ? raw.trim() : undefined) },
  country: { expected: 'an ISO 3166 alpha-2 country code', normalise: (raw) => (/^[A-Za-z]{2}$/.test(raw.trim()) ? raw.trim().toUpperCase() : undefined) },
  name: { expected: 'a name with at least one letter', normalise: (raw) => nameKey(raw) || undefined },
};

function scoped(expected: string) {
  return { expected, normalise: (raw: string) => (/^[^:\s]{1,64}:\S{1,128}$/.test(raw.trim()) ? raw.trim() : undefined) };
}

/** One spelling per address: IPv4 as written, IPv6 lower case and compressed. */
export function canonicalIp(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family !== 6) return undefined;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** A name as lists hold it: the screening's normalisation (scripts transliterated, case and accents folded), tokens joined by one space. */
export function nameKey(name: string): string {
  return normaliseName(name).join(' ');
}

/** The value as the list holds it, or why it cannot be one. */
export function normaliseValue(type: ListType, raw: unknown): Result<string, EntryInvalid> {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_VALUE) {
    return err({ code: 'LIST_ENTRY_INVALID', message: `value: 1 to ${MAX_VALUE} characters, ${FORMAT[type].expected}` });
  }
  const value = FORMAT[type].normalise(raw);
  return value ? ok(value) : err({ code: 'LIST_ENTRY_INVALID', message: `value: must be ${FORMAT[type].expected}` });
}

/** An entry checked for its list: value, reason, expiry in the future, rules only (and at least one) on allow entries. */
export function checkEntry(list: ListId, input: Partial<Record<keyof EntryInput, unknown>>, now: number): Result<EntryInput, EntryInvalid> {
  const [kind, type] = list.split(':') as [ListKind, ListType];
  const value = normaliseValue(type, input.value);
  if (!value.ok) return value;
  const bad = (message: string) => err<EntryInvalid>({ code: 'LIST_ENTRY_INVALID', message });
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length === 0 || reason.length > MAX_REASON || /[\u0000-\u001f\u007f]/.test(reason)) return bad(`reason: 1 to ${MAX_REASON} characters, no control characters`);
  const entry: EntryInput = { value: value.value, reason };
  if (input.expiresAt !== undefined) {
    const at = input.expiresAt;
    if (!(typeof at === 'number' && Number.isSafeInteger(at) && at > now)) return bad('expiresAt: a time in the future');
    entry.expiresAt = at;
  }
  if (kind === 'allow') {
    const rules = input.rules;
    if (!Array.isArray(rules) || rules.length === 0 || rules.length > MAX_EXEMPT_RULES || !rules.every((r) => typeof r === 'string' && RULE_ID.test(r))) {
      return bad(`rules: an allow entry names the 1 to ${MAX_EXEMPT_RULES} rule ids it exempts its subject from`);
    }
    entry.rules = [...new Set(rules as string[])].sort();
  } else if (input.rules !== undefined && !(Array.isArray(input.rules) && input.rules.length === 0)) {
    return bad('rules: only allow entries name rules');
  }
  return ok(entry);
}

/** The entry as Redis holds it (the hash field is its value): short keys, one million of them fit. */
export function storedEntry(entry: Omit<ListEntry, 'value'>): string {
  return JSON.stringify({
    r: entry.reason,
    a: entry.author,
    c: entry.createdAt,
    ...(entry.expiresAt !== undefined ? { e: entry.expiresAt } : {}),
    ...(entry.rules ? { x: entry.rules } : {}),
    ...(entry.emergency ? { m: 1 } : {}),
  });
}

export function parseStoredEntry(value: string, json: string): ListEntry {
  const s = JSON.parse(json) as { r: string; a: string; c: number; e?: number; x?: string[]; m?: 1 };
  return {
    value,
    reason: s.r,
    author: s.a,
    createdAt: s.c,
    ...(s.e !== undefined ? { expiresAt: s.e } : {}),
    ...(s.x ? { rules: s.x } : {}),
    ...(s.m ? { emergency: true as const } : {}),
  };
}

/**
 * Redis keys of one list: its meta hash (`gen`: the live generation, `next`: the last one
 * handed out), one hash per generation (value -> stored entry, plus the field GENERATION_MARK
 * so an empty generation still exists), and for block lists the emergency blocks, which
 * apply beside whatever generation is live and are never replaced by one.
 */
export const listKeys = (list: ListId) => ({
  meta: `risk:typedlist:${list}`,
  generation: (gen: number | string) => `risk:typedlist:${list}:g${gen}`,
  emergency: `risk:typedlist:${list}:emergency`,
});

/** A generation's own field: never a value (values are never empty). */
export const GENERATION_MARK = '';

/** Emergency blocks waiting for a second officer's review: a sorted set of `list value` by time. */
export const EMERGENCY_REVIEW_KEY = 'risk:typedlist:emergency-review';

/** Announced on the lists channel when a typed list changes: `typed:block:wallet`. */
export const TYPED_LIST_MESSAGE = 'typed:';
