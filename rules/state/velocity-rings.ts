import { VELOCITY_WINDOWS, type VelocityWindow } from '../facts/catalog.ts';

/**
 * Velocity windows of one entity (payer, device, IP, merchant, pair) as one typed array:
 * per window (1m, 10m, 1h, 24h) a ring of 8 buckets of W/6, and a read sums the buckets
 * cur-6 .. cur+1 (the last W to W + W/6, plus one bucket ahead for a node whose clock runs
 * slightly fast). Writing to a slot that holds an older bucket resets it: the ring prunes
 * itself, so an entity costs the same whatever its traffic. Series: attempts, approved
 * cents (doubles: exact integers up to 2^53), and one extra series in one window only
 * (small attempts in the 10m ring of devices and IPs, near-threshold payments in the 24h
 * ring of payers). The rings of every entity sit in a pool of large Float64Arrays (freed
 * places are reused): 105 numbers, 840 bytes, per entity, without an allocation or a
 * typed array object each (measured: allocating a Float64Array per entity was the
 * state's largest cost).
 */

export const BUCKET_MS: readonly number[] = [10_000, 100_000, 600_000, 14_400_000];
const RING = 8;
const SPAN = 6;
const WINDOWS = VELOCITY_WINDOWS.length;
const SLOTS = WINDOWS * RING;
const ATTEMPTS = SLOTS;
const CENTS = 2 * SLOTS;
const EXTRA = 3 * SLOTS;
const LAST_WRITE = EXTRA + RING;
const SIZE = LAST_WRITE + 1;

/** Which window carries the extra series: none, 10m (devices, IPs) or 24h (payers). */
export type ExtraWindow = -1 | 1 | 3;

/**
 * Every entity's rings, each at an index: bucket ids, attempts, cents (each WINDOWS x
 * RING; an id of -1 is an empty slot), the extra series, the last write's time. Held in
 * chunks of CHUNK_ENTITIES entities, so growing never copies (nor pauses the event loop)
 * and never holds more than one chunk unused.
 */
export interface RingPool {
  chunks: Float64Array[];
  /** Indexes of freed rings, reused first. */
  free: number[];
  /** The first index never used. */
  next: number;
}

const CHUNK_ENTITIES = 4096;

export function createRingPool(): RingPool {
  return { chunks: [], free: [], next: 0 };
}

/** A place for one entity's rings, empty; its index. */
export function allocRings(pool: RingPool): number {
  let index = pool.free.pop();
  if (index === undefined) {
    index = pool.next++;
    if (index % CHUNK_ENTITIES === 0) pool.chunks.push(new Float64Array(CHUNK_ENTITIES * SIZE));
  }
  const d = pool.chunks[Math.floor(index / CHUNK_ENTITIES)]!;
  const at = (index % CHUNK_ENTITIES) * SIZE;
  d.fill(-1, at, at + SLOTS);
  d.fill(0, at + SLOTS, at + LAST_WRITE);
  d[at + LAST_WRITE] = -Infinity;
  return index;
}

export function freeRings(pool: RingPool, index: number): void {
  pool.free.push(index);
}

export interface RingSums {
  count: Record<VelocityWindow, number>;
  amountCents: Record<VelocityWindow, number>;
  /** The extra series over its window (0 when the rings have none). */
  extra: number;
}

/** The receipt time of the last write, for forgetting idle entities. */
export const lastWriteOf = (pool: RingPool, index: number): number =>
  pool.chunks[Math.floor(index / CHUNK_ENTITIES)]![(index % CHUNK_ENTITIES) * SIZE + LAST_WRITE]!;

/**
 * Adds to the bucket of `t` in every window: a slot holding an older bucket is reset
 * first; a message older than a whole window (its slot holds a newer bucket) is not added
 * to it. Returns whether the 1h and 24h rings started a new bucket.
 */
export function addToRings(
  pool: RingPool,
  index: number,
  extraWindow: ExtraWindow,
  t: number,
  add: { attempts?: number; cents?: number; extra?: number },
): { new1h: boolean; new24h: boolean } {
  const rings = pool.chunks[Math.floor(index / CHUNK_ENTITIES)]!;
  const base = (index % CHUNK_ENTITIES) * SIZE;
  let new1h = false;
  let new24h = false;
  for (let w = 0; w < WINDOWS; w++) {
    const cur = Math.floor(t / BUCKET_MS[w]!);
    const slot = cur % RING;
    const at = base + w * RING + slot;
    const hasExtra = extraWindow === w;
    let id = rings[at]!;
    if (id < cur) {
      rings[at] = cur;
      rings[ATTEMPTS + at] = 0;
      rings[CENTS + at] = 0;
      if (hasExtra) rings[base + EXTRA + slot] = 0;
      if (w === 2) new1h = true;
      else if (w === 3) new24h = true;
      id = cur;
    }
    if (id === cur) {
      if (add.attempts !== undefined) rings[ATTEMPTS + at]! += add.attempts;
      if (add.cents !== undefined) rings[CENTS + at]! += add.cents;
      if (add.extra !== undefined && hasExtra) rings[base + EXTRA + slot]! += add.extra;
    }
  }
  if (t > rings[base + LAST_WRITE]!) rings[base + LAST_WRITE] = t;
  return { new1h, new24h };
}

/** Sums every window as read at time `t`. */
export function readRings(pool: RingPool, index: number, extraWindow: ExtraWindow, t: number): RingSums {
  const rings = pool.chunks[Math.floor(index / CHUNK_ENTITIES)]!;
  const base = (index % CHUNK_ENTITIES) * SIZE;
  const count = {} as Record<VelocityWindow, number>;
  const amountCents = {} as Record<VelocityWindow, number>;
  let extra = 0;
  for (let w = 0; w < WINDOWS; w++) {
    const cur = Math.floor(t / BUCKET_MS[w]!);
    const lo = cur - SPAN;
    const hi = cur + 1;
    let c = 0;
    let a = 0;
    let x = 0;
    const hasExtra = extraWindow === w;
    for (let slot = 0; slot < RING; slot++) {
      const at = base + w * RING + slot;
      const id = rings[at]!;
      if (id >= lo && id <= hi) {
        c += rings[ATTEMPTS + at]!;
        a += rings[CENTS + at]!;
        if (hasExtra) x += rings[base + EXTRA + slot]!;
      }
    }
    const name = VELOCITY_WINDOWS[w]!;
    count[name] = c;
    amountCents[name] = a;
    if (hasExtra) extra = x;
  }
  return { count, amountCents, extra };
}

export function emptySums(): RingSums {
  return { count: { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }, amountCents: { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }, extra: 0 };
}

/** After this long without a write, no window reads any bucket of the rings (24h window: 28 h). */
export const RINGS_IDLE_MS = 28 * 3600_000;

