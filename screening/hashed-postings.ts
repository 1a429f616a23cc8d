/**
 * An immutable multimap from 32-bit keys to 32-bit values in three typed arrays, for the
 * match index's millions of postings: a JavaScript Map of that many string keys would take
 * several times the memory and build time. Keys are hashes; two keys sharing a hash only
 * add a candidate the scorer then rejects.
 */
export interface HashedPostings {
  /** Calls `visit` with each value of `key`; returns how many there were. */
  forEach(key: number, visit: (value: number) => void): number;
  /** How many values `key` has, without visiting them. */
  count(key: number): number;
  readonly size: number;
  readonly bytes: number;
}

/** Postings between two pauses of a build in steps (a power of two, less one). */
const STEP_MASK = (1 << 16) - 1;

/** Runs a build in steps to its end without pausing. */
export function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Collects (key, value) pairs, then lays them out by bucket in one pass (a counting sort). */
export function createPostingsBuilder(capacity = 1024) {
  // Sized up front when the caller knows about how many: growing doubles and copies both arrays.
  let keys = new Uint32Array(Math.max(1, capacity));
  let values = new Uint32Array(Math.max(1, capacity));
  let size = 0;
  return {
    add(key: number, value: number): void {
      if (size === keys.length) {
        const grownKeys = new Uint32Array(keys.length * 2);
        grownKeys.set(keys);
        keys = grownKeys;
        const grownValues = new Uint32Array(values.length * 2);
        grownValues.set(values);
        values = grownValues;
      }
      keys[size] = key;
      values[size] = value;
      size += 1;
    },
    build(): HashedPostings {
      return drain(layOut(keys, values, size));
    },
    /** The same, pausing (yield) every few tens of thousands of postings: for a build in time slices. */
    buildInSteps(): Generator<void, HashedPostings> {
      return layOut(keys, values, size);
    },
  };
}

/**
 * Counting sort by bucket, then each bucket's postings grouped by key, with a directory of
 * the distinct keys: a look-up reads one key's postings and nothing of its bucket's others.
 */
function* layOut(keys: Uint32Array, values: Uint32Array, size: number): Generator<void, HashedPostings> {
  let bucketBits = 10;
  while (1 << bucketBits < size && bucketBits < 30) bucketBits += 1;
  const mask = (1 << bucketBits) - 1;
  const bucketStarts = new Uint32Array((1 << bucketBits) + 1);
  for (let i = 0; i < size; i++) {
    bucketStarts[(keys[i]! & mask) + 1]! += 1;
    if ((i & STEP_MASK) === STEP_MASK) yield;
  }
  for (let b = 1; b < bucketStarts.length; b++) bucketStarts[b]! += bucketStarts[b - 1]!;
  yield;
  const fill = bucketStarts.slice(0, bucketStarts.length - 1);
  const sortedKeys = new Uint32Array(size);
  const sortedValues = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    const at = fill[keys[i]! & mask]!++;
    sortedKeys[at] = keys[i]!;
    sortedValues[at] = values[i]!;
    if ((i & STEP_MASK) === STEP_MASK) yield;
  }
  // Group each bucket by key; the directory holds each distinct key once, with where its postings start.
  const directoryStarts = new Uint32Array(bucketStarts.length);
  const distinctKeys: number[] = [];
  const keyStarts: number[] = [];
  for (let b = 0; b + 1 < bucketStarts.length; b++) {
    const from = bucketStarts[b]!;
    const to = bucketStarts[b + 1]!;
    directoryStarts[b] = distinctKeys.length;
    if (to - from > 1) groupByKey(sortedKeys, sortedValues, from, to);
    if ((b & STEP_MASK) === STEP_MASK) yield;
    for (let at = from; at < to; at++) {
      if (at === from || sortedKeys[at] !== sortedKeys[at - 1]) {
        distinctKeys.push(sortedKeys[at]!);
        keyStarts.push(at);
      }
    }
  }
  directoryStarts[directoryStarts.length - 1] = distinctKeys.length;
  keyStarts.push(size);
  yield;
  const directoryKeys = Uint32Array.from(distinctKeys);
  yield;
  const postingStarts = Uint32Array.from(keyStarts);
  const find = (key: number): number => {
    const bucket = key & mask;
    for (let d = directoryStarts[bucket]!, end = directoryStarts[bucket + 1]!; d < end; d++) if (directoryKeys[d] === key) return d;
    return -1;
  };
  return {
    forEach(key, visit) {
      const d = find(key);
      if (d < 0) return 0;
      const from = postingStarts[d]!;
      const to = postingStarts[d + 1]!;
      for (let at = from; at < to; at++) visit(sortedValues[at]!);
      return to - from;
    },
    count(key) {
      const d = find(key);
      return d < 0 ? 0 : postingStarts[d + 1]! - postingStarts[d]!;
    },
    size,
    bytes: directoryStarts.byteLength + directoryKeys.byteLength + postingStarts.byteLength + sortedValues.byteLength,
  };
}

function groupByKey(keys: Uint32Array, values: Uint32Array, from: number, to: number): void {
  let uniform = true;
  for (let at = from + 1; at < to && uniform; at++) uniform = keys[at] === keys[from];
  if (uniform) return;
  const order = Array.from({ length: to - from }, (_, i) => from + i).sort((x, y) => keys[x]! - keys[y]! || x - y);
  const sortedKeys = order.map((at) => keys[at]!);
  const sortedValues = order.map((at) => values[at]!);
  keys.set(sortedKeys, from);
  values.set(sortedValues, from);
}

/** FNV-1a over UTF-16 units, finished with a mix so the low bits (the bucket) spread. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return finish(h);
}

/** An unordered pair of token ids (a pair with itself stands for a one-token name). */
export function hashPair(a: number, b: number): number {
  const low = a <= b ? a : b;
  const high = a <= b ? b : a;
  return finish(Math.imul(low, 0x9e3779b1) ^ Math.imul(high + 0x7f4a7c15, 0x85ebca6b));
}

function finish(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
