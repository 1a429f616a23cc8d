import type { Redis } from 'ioredis';
import { LIST_NAMES, listKey, type ListName } from './facts/keys.ts';

/**
 * The risk lists held in memory, for the one moment Redis cannot be asked: when the risk
 * step degrades, sanctions and blocklists still apply. Loaded at start, reloaded on every
 * list change announced on LISTS_CHANNEL and after a reconnection; a failed reload keeps
 * the last copy. Normal scoring never reads it (the facts script reads the lists live).
 */
export interface ListSnapshot {
  has(name: ListName, member: string): boolean;
  /** Reads all lists again; concurrent calls share one read, and a call during a read reads again after it. */
  refresh(): Promise<void>;
  /** Members per list in the copy, for stats. */
  sizes(): Record<ListName, number>;
}

export function createListSnapshot(redis: Redis): ListSnapshot {
  let lists = new Map<ListName, ReadonlySet<string>>(LIST_NAMES.map((name) => [name, new Set<string>()]));
  let reading: Promise<void> | undefined;
  let again = false;

  const read = async () => {
    do {
      again = false;
      const members = await Promise.all(LIST_NAMES.map((name) => redis.smembers(listKey(name))));
      lists = new Map(LIST_NAMES.map((name, i) => [name, new Set(members[i])]));
    } while (again);
  };

  return {
    has: (name, member) => lists.get(name)!.has(member),
    refresh() {
      if (reading) {
        again = true;
        return reading;
      }
      reading = read().finally(() => {
        reading = undefined;
      });
      return reading;
    },
    sizes: () => Object.fromEntries(LIST_NAMES.map((name) => [name, lists.get(name)!.size])) as Record<ListName, number>,
  };
}
