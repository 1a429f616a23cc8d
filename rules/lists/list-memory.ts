import type { Redis } from 'ioredis';
import type { SwitchedMessage } from '../../domain/transaction.ts';
import { payerCountry } from '../facts/gather.ts';
import { canonicalIp, GENERATION_MARK, LIST_IDS, LIST_TYPES, listKeys, nameKey, type ListId, type ListType } from './subject-lists.ts';

/**
 * The typed lists held in memory by every risk engine: a payment's subjects are looked up
 * here, never in Redis. A list is read again when its change is announced (a change set made
 * a new generation live, an emergency block, a review); the copy in use stays until the new
 * one is read whole, so a payment never meets a half-read list.
 */

/** What the lists say about one payment. */
export interface ListVerdict {
  /** The first kind of subject found on a block list ('' when none). */
  blockedBy: ListType | '';
  /** The rules whose hits do not count for this payment (its subjects' allow entries). */
  exempt?: ReadonlySet<string>;
}

export const NOT_LISTED: ListVerdict = Object.freeze({ blockedBy: '' });

interface Held {
  /** value -> expiry (unix ms, Infinity for none). */
  until: Map<string, number>;
  /** Allow lists: value -> the rules it exempts from. */
  rules: Map<string, readonly string[]>;
}

export interface ListMemory {
  check(message: SwitchedMessage, at: number): ListVerdict;
  /** Reads one list again (all without an argument); concurrent calls for a list share one read, and a call during a read reads again after it. */
  refresh(list?: ListId): Promise<void>;
  sizes(): Record<ListId, number>;
}

const empty = (): Held => ({ until: new Map(), rules: new Map() });

/** Names whose list key is kept (the cache starts again past this). */
const NAME_KEYS_KEPT = 50_000;

export function createListMemory(redis: Redis): ListMemory {
  const held = new Map<ListId, Held>(LIST_IDS.map((id) => [id, empty()]));
  /** Lists holding anything: a payment skips the lookups when none does. */
  let nonEmpty = 0;
  const reading = new Map<ListId, Promise<void>>();
  const again = new Set<ListId>();

  async function readOnce(list: ListId): Promise<Held> {
    const keys = listKeys(list);
    for (;;) {
      const gen = (await redis.hget(keys.meta, 'gen')) ?? '0';
      const next = empty();
      const keep = (value: string, json: string) => {
        // Most entries neither expire nor exempt: their JSON need not be parsed. (Inside a
        // reason a quote is escaped, so `,"e":` only ever starts the expiry's key.)
        if (!json.includes(',"e":') && !json.includes(',"x":')) {
          next.until.set(value, Number.POSITIVE_INFINITY);
          return;
        }
        const s = JSON.parse(json) as { e?: number; x?: string[] };
        next.until.set(value, s.e ?? Number.POSITIVE_INFINITY);
        if (s.x) next.rules.set(value, s.x);
      };
      if (gen !== '0') {
        let cursor = '0';
        do {
          const [c, flat] = await redis.hscan(keys.generation(gen), cursor, 'COUNT', 5000);
          cursor = c;
          for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] !== GENERATION_MARK) keep(flat[i]!, flat[i + 1]!);
        } while (cursor !== '0');
      }
      for (const [value, json] of Object.entries(await redis.hgetall(keys.emergency))) keep(value, json);
      // A generation replaced while it was read may have been dropped under the reader: read the new one.
      if (((await redis.hget(keys.meta, 'gen')) ?? '0') === gen) return next;
    }
  }

  function refreshOne(list: ListId): Promise<void> {
    const running = reading.get(list);
    if (running) {
      again.add(list);
      return running;
    }
    const read = (async () => {
      do {
        again.delete(list);
        const read = await readOnce(list);
        held.set(list, read);
        const [kind, type] = list.split(':') as ['block' | 'allow', ListType];
        byType[type][kind] = read;
        nonEmpty = [...held.values()].filter((h) => h.until.size > 0).length;
      } while (again.has(list));
    })().finally(() => reading.delete(list));
    reading.set(list, read);
    return read;
  }

  /** The same lists by type, for the payment's lookups (no list id built per lookup). */
  const byType = Object.fromEntries(LIST_TYPES.map((type) => [type, { block: held.get(`block:${type}`)!, allow: held.get(`allow:${type}`)! }])) as Record<
    ListType,
    { block: Held; allow: Held }
  >;
  /** A subject's key is built only when a list of its type holds anything. */
  const holds = (type: ListType) => byType[type].block.until.size > 0 || byType[type].allow.until.size > 0;
  // A payer's name is normalised (transliterated) once while it keeps paying, not at every payment.
  const nameKeys = new Map<string, string>();
  const cachedNameKey = (name: string) => {
    let key = nameKeys.get(name);
    if (key === undefined) {
      if (nameKeys.size >= NAME_KEYS_KEPT) nameKeys.clear();
      key = nameKey(name);
      nameKeys.set(name, key);
    }
    return key;
  };

  return {
    check(message, at) {
      if (nonEmpty === 0) return NOT_LISTED;
      let blockedBy: ListType | '' = '';
      let exempt: Set<string> | undefined;
      const look = (type: ListType, value: string | undefined) => {
        if (!value) return;
        const { block, allow } = byType[type];
        if (!blockedBy && block.until.size > 0 && (block.until.get(value) ?? 0) > at) blockedBy = type;
        if (allow.until.size > 0 && (allow.until.get(value) ?? 0) > at) {
          exempt ??= new Set();
          for (const rule of allow.rules.get(value) ?? []) exempt.add(rule);
        }
      };
      const p = message.participant;
      const payer = message.payer;
      if (holds('wallet')) look('wallet', `${p}:${payer.walletId}`);
      if (payer.deviceId && holds('device')) look('device', `${p}:${payer.deviceId}`);
      if (payer.userId && holds('user')) look('user', `${p}:${payer.userId}`);
      if (payer.ip && holds('ip')) look('ip', canonicalIp(payer.ip));
      look('merchant', message.merchant.id);
      look('mcc', message.merchant.mcc);
      if (holds('country')) {
        look('country', payerCountry(message));
        look('country', message.merchant.country);
      }
      if (payer.name && holds('name')) look('name', cachedNameKey(payer.name));
      return blockedBy || exempt ? { blockedBy, ...(exempt ? { exempt } : {}) } : NOT_LISTED;
    },
    async refresh(list) {
      await Promise.all((list ? [list] : LIST_IDS).map(refreshOne));
    },
    sizes: () => Object.fromEntries(LIST_IDS.map((id) => [id, held.get(id)!.until.size])) as Record<ListId, number>,
  };
}

