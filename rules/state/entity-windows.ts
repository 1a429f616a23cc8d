import { addToRings, allocRings, BUCKET_MS, emptySums, freeRings, lastWriteOf, readRings, type ExtraWindow, type RingPool, type RingSums } from './velocity-rings.ts';
import { VELOCITY_WINDOWS, type VelocityWindow } from '../facts/catalog.ts';

/**
 * The windows of one entity, sparse while it has few messages, rings once it has more.
 * Most entities are quiet: a payer pays a few times a day, a payer-merchant pair once or
 * twice, and 840 bytes of rings for each would make the state's memory (measured: 7 KB per
 * active payer). So an entity starts as its list of messages, four numbers each (time,
 * attempts, cents, extra), and moves to rings in the pool after SPARSE_MAX of them. A list
 * reads exactly what the rings would (the same buckets of W/6, the same cur-6 .. cur+1),
 * and keeps only messages some window can still read.
 */

/** A ring index in the pool, or the messages of a sparse entity. */
export type EntityWindows = number | number[];

const SPARSE_MAX = 6;
const FIELDS = 4;
const SPAN = 6;
const DAY_BUCKET_MS = BUCKET_MS[3]!;

export interface Added {
  entry: EntityWindows;
  new1h: boolean;
  new24h: boolean;
}

/** Adds to `entry` (undefined: a new entity); the entry to keep may be a new one (created, or moved to rings). */
export function addToWindows(
  pool: RingPool,
  entry: EntityWindows | undefined,
  extraWindow: ExtraWindow,
  t: number,
  add: { attempts?: number; cents?: number; extra?: number },
): Added {
  if (typeof entry === 'number') return { entry, ...addToRings(pool, entry, extraWindow, t, add) };
  const events = entry ?? [];
  const hour = Math.floor(t / BUCKET_MS[2]!);
  const day = Math.floor(t / DAY_BUCKET_MS);
  // Messages no window can read any more (older than the 24h ring's eight buckets) go first;
  // another node's message may have come late, so the list is not assumed in time order.
  let kept = 0;
  for (let i = 0; i < events.length; i += FIELDS) {
    if (Math.floor(events[i]! / DAY_BUCKET_MS) < day - SPAN - 1) continue;
    if (kept !== i) for (let f = 0; f < FIELDS; f++) events[kept + f] = events[i + f]!;
    kept += FIELDS;
  }
  events.length = kept;
  let new1h = true;
  let new24h = true;
  let same = -1;
  for (let i = 0; i < events.length; i += FIELDS) {
    const at = events[i]!;
    if (Math.floor(at / BUCKET_MS[2]!) === hour) new1h = false;
    if (Math.floor(at / DAY_BUCKET_MS) === day) new24h = false;
    if (at === t) same = i;
  }
  // The attempt and, after the commit, the approved cents of one payment share a time: one message.
  if (same >= 0) {
    events[same + 1]! += add.attempts ?? 0;
    events[same + 2]! += add.cents ?? 0;
    events[same + 3]! += add.extra ?? 0;
    return { entry: events, new1h, new24h };
  }
  events.push(t, add.attempts ?? 0, add.cents ?? 0, add.extra ?? 0);
  if (events.length <= SPARSE_MAX * FIELDS) return { entry: events, new1h, new24h };
  // Busy: into rings, message by message, in time order.
  const index = allocRings(pool);
  const order = [];
  for (let i = 0; i < events.length; i += FIELDS) order.push(i);
  order.sort((a, b) => events[a]! - events[b]!);
  for (const i of order) addToRings(pool, index, extraWindow, events[i]!, { attempts: events[i + 1]!, cents: events[i + 2]!, extra: events[i + 3]! });
  return { entry: index, new1h, new24h };
}

/** Sums every window as read at time `t`. */
export function readWindows(pool: RingPool, entry: EntityWindows, extraWindow: ExtraWindow, t: number): RingSums {
  if (typeof entry === 'number') return readRings(pool, entry, extraWindow, t);
  const sums = emptySums();
  for (let w = 0; w < VELOCITY_WINDOWS.length; w++) {
    const bucketMs = BUCKET_MS[w]!;
    const cur = Math.floor(t / bucketMs);
    const name: VelocityWindow = VELOCITY_WINDOWS[w]!;
    for (let i = 0; i < entry.length; i += FIELDS) {
      const bucket = Math.floor(entry[i]! / bucketMs);
      if (bucket < cur - SPAN || bucket > cur + 1) continue;
      sums.count[name] += entry[i + 1]!;
      sums.amountCents[name] += entry[i + 2]!;
      if (w === extraWindow) sums.extra += entry[i + 3]!;
    }
  }
  return sums;
}

export function lastWriteOfWindows(pool: RingPool, entry: EntityWindows): number {
  if (typeof entry === 'number') return lastWriteOf(pool, entry);
  let last = -Infinity;
  for (let i = 0; i < entry.length; i += FIELDS) if (entry[i]! > last) last = entry[i]!;
  return last;
}

export function freeWindows(pool: RingPool, entry: EntityWindows): void {
  if (typeof entry === 'number') freeRings(pool, entry);
}
