/**
 * A schedule's window is relative: the last N whole days or whole hours before the run,
 * counted in the schedule's time zone. A run fired a few seconds late covers the same
 * window as one on time, and `lastDays: 1` at 06:00 Beijing time is yesterday in Beijing.
 */
export type RelativeWindow = { lastDays: number } | { lastHours: number };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** `from` (inclusive) and `to` (exclusive) as RFC 3339 UTC timestamps, as the reports take them. */
export function resolveWindow(window: RelativeWindow, at: number, timeZone: string): { from: string; to: string } {
  if ('lastHours' in window) {
    // Hours start where the zone's clock shows :00 (not always a UTC hour: +05:30, +05:45).
    const to = at - mod(at + offsetAt(at, timeZone), HOUR_MS);
    return { from: iso(to - window.lastHours * HOUR_MS), to: iso(to) };
  }
  const today = zonedParts(at, timeZone);
  const to = zonedMidnight(today.year, today.month, today.day, timeZone);
  const first = new Date(Date.UTC(today.year, today.month - 1, today.day - window.lastDays));
  const from = zonedMidnight(first.getUTCFullYear(), first.getUTCMonth() + 1, first.getUTCDate(), timeZone);
  return { from: iso(from), to: iso(to) };
}

/** Whether the runtime knows this IANA time zone. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zonedParts(at: number, timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** How far the zone's clock is ahead of UTC at `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const p = zonedParts(at, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (at - mod(at, 1000));
}

/**
 * The instant the zone's clock reads 00:00 on that date: the earlier one where a DST change
 * repeats midnight, the change itself where one skips it. The offset at midnight is the
 * offset a day before or a day after (zones do not change twice within two days).
 */
function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const before = wall - offsetAt(wall - DAY_MS, timeZone);
  const after = wall - offsetAt(wall + DAY_MS, timeZone);
  const valid = [before, after].filter((t) => t + offsetAt(t, timeZone) === wall);
  return valid.length > 0 ? Math.min(...valid) : before;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
