/** The most events of `times` (ms, sorted) that fall within any window of `windowMs`. */
export function mostInWindow(times: readonly number[], windowMs: number): number {
  let most = 0;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while (times[to]! - times[from]! > windowMs) from++;
    most = Math.max(most, to - from + 1);
  }
  return most;
}

/** Events counted per key, e.g. payments per device. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
