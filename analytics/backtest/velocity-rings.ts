import { VELOCITY_WINDOWS, type VelocityWindow } from '../../rules/facts/catalog.ts';

/**
 * The live velocity store's rings (rules/lua/includes/windows.lua), in memory: per window
 * (1m, 10m, 1h, 24h) a ring of 8 buckets of W/6, and a read sums the buckets cur-6 ..
 * cur+1 (the last W to W + W/6). Mirrored bucket for bucket, not as exact sliding
 * windows, so a replay of the running rules sees the numbers the live rules saw.
 * Series: attempts, approved cents, and one extra series in one window only (small
 * attempts in the 10m ring of devices and IPs, near-threshold payments in the 24h ring
 * of payers).
 */

export const BUCKET_MS: readonly number[] = [10_000, 100_000, 600_000, 14_400_000];
const RING = 8;
const SPAN = 6;
const WINDOWS = VELOCITY_WINDOWS.length;

/** Which window carries the extra series: none, 10m (devices, IPs) or 24h (payers). */
export type ExtraWindow = -1 | 1 | 3;

export interface Rings {
  /** Bucket ids, then attempts, then cents, each WINDOWS x RING; -1 is an empty slot. */
  readonly ids: Float64Array;
  readonly attempts: Float64Array;
  readonly cents: Float64Array;
  /** The extra series of window `extraWindow`, RING slots. */
  readonly extra: Float64Array;
  readonly extraWindow: ExtraWindow;
  /** The receipt time of the last write, for forgetting idle entities. */
  lastWriteAt: number;
}

export interface RingSums {
  count: Record<VelocityWindow, number>;
  amountCents: Record<VelocityWindow, number>;
  /** The extra series over its window (0 when the rings have none). */
  extra: number;
}

export function newRings(extraWindow: ExtraWindow): Rings {
  return {
    ids: new Float64Array(WINDOWS * RING).fill(-1),
    attempts: new Float64Array(WINDOWS * RING),
    cents: new Float64Array(WINDOWS * RING),
    extra: new Float64Array(RING),
    extraWindow,
    lastWriteAt: -Infinity,
  };
}

/**
 * Adds to the bucket of `t` in every window (what `velocity()` does when it is given
 * something to add): a slot holding an older bucket is reset first; a message older than
 * a whole window is not added to it. Returns whether the 1h and 24h rings started a new
 * bucket (the live script refreshes expiries on those).
 */
export function addToRings(
  rings: Rings,
  t: number,
  add: { attempts?: number; cents?: number; extra?: number },
): { new1h: boolean; new24h: boolean } {
  let new1h = false;
  let new24h = false;
  for (let w = 0; w < WINDOWS; w++) {
    const cur = Math.floor(t / BUCKET_MS[w]!);
    const at = w * RING + (cur % RING);
    const hasExtra = rings.extraWindow === w;
    let id = rings.ids[at]!;
    if (id < cur) {
      rings.ids[at] = cur;
      rings.attempts[at] = 0;
      rings.cents[at] = 0;
      if (hasExtra) rings.extra[cur % RING] = 0;
      if (w === 2) new1h = true;
      else if (w === 3) new24h = true;
      id = cur;
    }
    if (id === cur) {
      if (add.attempts !== undefined) rings.attempts[at]! += add.attempts;
      if (add.cents !== undefined) rings.cents[at]! += add.cents;
      if (add.extra !== undefined && hasExtra) rings.extra[cur % RING]! += add.extra;
    }
  }
  rings.lastWriteAt = Math.max(rings.lastWriteAt, t);
  return { new1h, new24h };
}

/** Sums every window as read at time `t`. */
export function readRings(rings: Rings, t: number): RingSums {
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
    const hasExtra = rings.extraWindow === w;
    for (let slot = 0; slot < RING; slot++) {
      const at = w * RING + slot;
      const id = rings.ids[at]!;
      if (id >= lo && id <= hi) {
        c += rings.attempts[at]!;
        a += rings.cents[at]!;
        if (hasExtra) x += rings.extra[slot]!;
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
