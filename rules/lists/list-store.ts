import type { Redis } from 'ioredis';
import { err, ok, type Result } from '../../domain/result.ts';
import { CSV_COLUMNS, type CsvRecord } from './list-csv.ts';
import {
  checkEntry,
  EMERGENCY_REVIEW_KEY,
  GENERATION_MARK,
  listKeys,
  MAX_LIST_ENTRIES,
  parseStoredEntry,
  storedEntry,
  TYPED_LIST_MESSAGE,
  type EntryInput,
  type ListEntry,
  type ListId,
} from './subject-lists.ts';

/**
 * The typed lists in Redis. A change never edits the live list: it is staged as a new
 * generation (a copy of the live one with the change applied, or the imported rows alone),
 * which a change set's approval makes live by pointing the list at it, in one script (so a
 * million-row import goes live at once or not at all, and Redis is never blocked copying it).
 * Staged generations expire unless they go live, so an abandoned import frees its memory.
 */

/** Entries written to Redis per command while staging. */
const BATCH = 1000;
/** A staged generation not made live within this is dropped (scheduled sets go live within 90 days). */
const STAGED_TTL_S = 100 * 86_400;
/** Problems listed for a refused import; the rest are counted. */
const MAX_PROBLEMS = 20;

export interface StagedList {
  list: ListId;
  /** The generation staged, and the live one it was built on. */
  staged: number;
  base: number;
  counts: { rows: number; before: number; after: number };
  /** The first entries written, for the approver. */
  sample: ListEntry[];
}

export interface ImportProblem {
  line: number;
  message: string;
}

export interface ImportRefused {
  code: 'LIST_IMPORT_INVALID' | 'LIST_IMPORT_TOO_LARGE';
  message: string;
  /** The first problems, by line (at most 20). */
  problems: ImportProblem[];
  /** Lines refused in all. */
  invalidLines: number;
}

export interface EmergencyBlock {
  list: ListId;
  entry: ListEntry;
}

export function createListStore(redis: Redis, options: { now?: () => number; channel: string }) {
  const now = options.now ?? Date.now;

  const liveGeneration = async (list: ListId) => Number((await redis.hget(listKeys(list).meta, 'gen')) ?? 0);

  /** A new, empty generation of the list, marked and expiring unless it goes live. */
  async function newGeneration(list: ListId, author: string): Promise<number> {
    const keys = listKeys(list);
    const gen = await redis.hincrby(keys.meta, 'next', 1);
    await redis.multi().hset(keys.generation(gen), GENERATION_MARK, JSON.stringify({ list, author, at: now() })).expire(keys.generation(gen), STAGED_TTL_S).exec();
    return gen;
  }

  /** Every entry of a generation, in batches, without blocking Redis (HSCAN). */
  async function* scan(key: string): AsyncGenerator<[string, string][]> {
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscan(key, cursor, 'COUNT', 2000);
      cursor = next;
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] !== GENERATION_MARK) pairs.push([flat[i]!, flat[i + 1]!]);
      if (pairs.length > 0) yield pairs;
    } while (cursor !== '0');
  }

  /** Copies the live generation's unexpired entries into `to`. */
  async function copyLive(list: ListId, base: number, to: number): Promise<void> {
    if (base === 0) return;
    const keys = listKeys(list);
    const at = now();
    for await (const pairs of scan(keys.generation(base))) {
      const kept = pairs.filter(([value, json]) => {
        const e = parseStoredEntry(value, json).expiresAt;
        return e === undefined || e > at;
      });
      if (kept.length > 0) await redis.hset(keys.generation(to), ...kept.flat());
    }
  }

  const entriesIn = async (list: ListId, gen: number) => Math.max(0, (await redis.hlen(listKeys(list).generation(gen))) - 1);

  return {
    liveGeneration,

    /** One page of the live list (and, for block lists, its emergency blocks first), optionally those whose value contains `contains`. */
    async page(list: ListId, query: { contains?: string; cursor?: string; count?: number } = {}) {
      const keys = listKeys(list);
      const gen = await liveGeneration(list);
      const match = query.contains ? `*${query.contains.replace(/[*?[\]\\]/g, '\\$&')}*` : '*';
      const entries: ListEntry[] = [];
      if (!query.cursor || query.cursor === '0') {
        const emergency = await redis.hgetall(keys.emergency);
        for (const [value, json] of Object.entries(emergency)) if (!query.contains || value.includes(query.contains)) entries.push(parseStoredEntry(value, json));
      }
      let cursor = query.cursor ?? '0';
      const wanted = query.count ?? 100;
      if (gen > 0) {
        // HSCAN with MATCH may return few per call: go on until the page is full or the list ends.
        do {
          const [next, flat] = await redis.hscan(keys.generation(gen), cursor, 'MATCH', match, 'COUNT', Math.max(wanted, 1000));
          cursor = next;
          for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] !== GENERATION_MARK) entries.push(parseStoredEntry(flat[i]!, flat[i + 1]!));
        } while (cursor !== '0' && entries.length < wanted);
      } else cursor = '0';
      const [total, emergencies] = await Promise.all([gen > 0 ? entriesIn(list, gen) : 0, redis.hlen(keys.emergency)]);
      return { generation: gen, total, emergencies, entries, cursor };
    },

    /** The live list, emergency blocks included, in batches of entries: for the export. */
    async *entries(list: ListId): AsyncGenerator<ListEntry[]> {
      const keys = listKeys(list);
      const emergency = await redis.hgetall(keys.emergency);
      if (Object.keys(emergency).length > 0) yield Object.entries(emergency).map(([v, j]) => parseStoredEntry(v, j));
      const gen = await liveGeneration(list);
      if (gen > 0) for await (const pairs of scan(keys.generation(gen))) yield pairs.map(([v, j]) => parseStoredEntry(v, j));
    },

    /** Stages the live list with entries added (or rewritten) and values removed. */
    async stageEdits(list: ListId, author: string, add: readonly EntryInput[], remove: readonly string[]): Promise<StagedList> {
      const keys = listKeys(list);
      const base = await liveGeneration(list);
      const staged = await newGeneration(list, author);
      await copyLive(list, base, staged);
      const at = now();
      const written = add.map((e) => ({ ...e, author, createdAt: at }));
      for (let i = 0; i < written.length; i += BATCH) {
        await redis.hset(keys.generation(staged), ...written.slice(i, i + BATCH).flatMap(({ value, ...e }) => [value, storedEntry(e)]));
      }
      for (let i = 0; i < remove.length; i += BATCH) await redis.hdel(keys.generation(staged), ...remove.slice(i, i + BATCH));
      return {
        list,
        staged,
        base,
        counts: { rows: add.length + remove.length, before: base > 0 ? await entriesIn(list, base) : 0, after: await entriesIn(list, staged) },
        sample: written.slice(0, 20),
      };
    },

    /**
     * Stages an import read as it streams: `add` puts its rows over the live list, `replace`
     * makes them the whole list. Every line is checked; at the first problem nothing more is
     * written, the rest is still read (to count its problems) unless it exceeds the limit, and
     * the staged generation is dropped: a refused import leaves nothing behind.
     */
    async stageImport(list: ListId, author: string, mode: 'add' | 'replace', records: AsyncIterable<CsvRecord>): Promise<Result<StagedList, ImportRefused>> {
      const keys = listKeys(list);
      const base = await liveGeneration(list);
      const staged = await newGeneration(list, author);
      const problems: ImportProblem[] = [];
      let invalidLines = 0;
      let rows = 0;
      let header: string[] | undefined;
      const at = now();
      const sample: ListEntry[] = [];
      let batch: string[] = [];
      const refuse = async (code: ImportRefused['code'], message: string) => {
        await redis.unlink(keys.generation(staged));
        return err<ImportRefused>({ code, message, problems, invalidLines });
      };
      const problem = (line: number, message: string) => {
        invalidLines++;
        if (problems.length < MAX_PROBLEMS) problems.push({ line, message });
      };
      try {
        if (mode === 'add') await copyLive(list, base, staged);
        for await (const record of records) {
          if (!header) {
            if ('error' in record) return await refuse('LIST_IMPORT_INVALID', `line ${record.line}: ${record.error}; the first line is the header ${CSV_COLUMNS.join(',')}`);
            header = record.fields.map((f) => f.trim());
            const expected = CSV_COLUMNS.slice(0, Math.max(2, header.length));
            if (header.length > CSV_COLUMNS.length || header.some((h, i) => h !== expected[i])) {
              return await refuse('LIST_IMPORT_INVALID', `line ${record.line}: the header must be ${CSV_COLUMNS.join(',')} (the last two columns may be left out)`);
            }
            continue;
          }
          rows++;
          if (rows > MAX_LIST_ENTRIES) return await refuse('LIST_IMPORT_TOO_LARGE', `more than ${MAX_LIST_ENTRIES} rows in one import: split it`);
          if ('error' in record) {
            problem(record.line, record.error);
            continue;
          }
          const entry = entryOfRow(list, header, record.fields, at);
          if (!entry.ok) {
            problem(record.line, entry.error);
            continue;
          }
          if (invalidLines > 0) continue;
          const { value, ...rest } = { ...entry.value, author, createdAt: at };
          if (sample.length < 20) sample.push({ value, ...rest });
          batch.push(value, storedEntry(rest));
          if (batch.length >= BATCH * 2) {
            await redis.hset(keys.generation(staged), ...batch);
            batch = [];
          }
        }
        if (!header) return await refuse('LIST_IMPORT_INVALID', `the import is empty: the first line is the header ${CSV_COLUMNS.join(',')}`);
        if (invalidLines > 0) {
          return await refuse('LIST_IMPORT_INVALID', `${invalidLines} line${invalidLines === 1 ? '' : 's'} refused (the first at line ${problems[0]!.line}: ${problems[0]!.message}); nothing was imported`);
        }
        if (batch.length > 0) await redis.hset(keys.generation(staged), ...batch);
        const after = await entriesIn(list, staged);
        if (after > MAX_LIST_ENTRIES) return await refuse('LIST_IMPORT_TOO_LARGE', `the list would hold ${after} entries, more than ${MAX_LIST_ENTRIES}`);
        return ok({ list, staged, base, counts: { rows, before: base > 0 ? await entriesIn(list, base) : 0, after }, sample });
      } catch (e) {
        await redis.unlink(keys.generation(staged)).catch(() => undefined);
        throw e;
      }
    },

    /** Drops staged generations no change set needs any more (a draft edited or discarded). */
    async drop(list: ListId, gens: readonly number[]): Promise<void> {
      const live = await liveGeneration(list);
      const dead = gens.filter((g) => g !== live && g > 0);
      if (dead.length > 0) await redis.unlink(...dead.map((g) => listKeys(list).generation(g)));
    },

    /** One entry blocked at once by one officer, outside any change set: audited by the caller, listed for review. */
    async emergencyBlock(list: ListId, input: EntryInput, author: string): Promise<ListEntry> {
      const keys = listKeys(list);
      const entry: ListEntry = { ...input, author, createdAt: now(), emergency: true };
      const { value, ...stored } = entry;
      await redis
        .multi()
        .hset(keys.emergency, value, storedEntry(stored))
        .zadd(EMERGENCY_REVIEW_KEY, entry.createdAt, `${list} ${value}`)
        .publish(options.channel, `${TYPED_LIST_MESSAGE}${list}`)
        .exec();
      return entry;
    },

    /** Emergency blocks waiting for review, oldest first. */
    async emergencies(): Promise<EmergencyBlock[]> {
      const members = await redis.zrange(EMERGENCY_REVIEW_KEY, 0, 999);
      const out: EmergencyBlock[] = [];
      for (const member of members) {
        const [list, value] = [member.slice(0, member.indexOf(' ')) as ListId, member.slice(member.indexOf(' ') + 1)];
        const json = await redis.hget(listKeys(list).emergency, value);
        if (json) out.push({ list, entry: parseStoredEntry(value, json) });
      }
      return out;
    },

    /**
     * A second officer reviews an emergency block: `keep` leaves it in force (reviewed),
     * `lift` removes it. Its author cannot review it.
     */
    async review(list: ListId, value: string, reviewer: string, decision: 'keep' | 'lift'): Promise<Result<ListEntry, { code: 'LIST_ENTRY_NOT_FOUND' | 'FOUR_EYES_REQUIRED'; message: string }>> {
      const keys = listKeys(list);
      const json = await redis.hget(keys.emergency, value);
      if (!json || (await redis.zscore(EMERGENCY_REVIEW_KEY, `${list} ${value}`)) === null) {
        return err({ code: 'LIST_ENTRY_NOT_FOUND', message: `no emergency block of "${value}" on ${list} waits for review` });
      }
      const entry = parseStoredEntry(value, json);
      if (entry.author === reviewer) return err({ code: 'FOUR_EYES_REQUIRED', message: 'the officer who blocked an entry cannot review it' });
      const tx = redis.multi().zrem(EMERGENCY_REVIEW_KEY, `${list} ${value}`);
      if (decision === 'lift') tx.hdel(keys.emergency, value).publish(options.channel, `${TYPED_LIST_MESSAGE}${list}`);
      await tx.exec();
      return ok(entry);
    },
  };
}

/** A CSV row as an entry of `list`, or what is wrong with it. */
function entryOfRow(list: ListId, header: string[], fields: string[], now: number): Result<EntryInput, string> {
  // Trailing columns may be left out of a row (no expiry, no rules); more than the header names are a mistake.
  if (fields.length > header.length) return err(`${fields.length} fields where the header has ${header.length}`);
  const [value, reason, expires, rules] = fields;
  let expiresAt: number | undefined;
  if (expires && expires.trim() !== '') {
    const t = expires.trim();
    expiresAt = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t) ? Date.parse(t) : Number.NaN;
    if (!Number.isFinite(expiresAt)) return err(`expiresAt "${t.slice(0, 40)}" is not an ISO 8601 date or time`);
  }
  const ruleIds = rules?.trim() ? rules.split(';').map((r) => r.trim()).filter((r) => r !== '') : [];
  const checked = checkEntry(list, { value, reason, ...(expiresAt !== undefined ? { expiresAt } : {}), ...(ruleIds.length > 0 ? { rules: ruleIds } : {}) }, now);
  return checked.ok ? checked : err(checked.error.message);
}

export type ListStore = ReturnType<typeof createListStore>;
