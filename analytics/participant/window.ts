import { err, ok, type DomainError, type Result } from '../../domain/result.ts';

/**
 * The time window of a participant analytics query: `from` inclusive, `to` exclusive, in
 * unix ms, at most MAX_SPAN_DAYS long, a day when an end is left out; and the buckets a
 * time series splits it into.
 * Buckets are aligned on UTC minutes, hours and days (unix time is UTC-aligned, so a
 * bucket starts at floor(t / size) * size).
 */
export interface Window {
  fromMs: number;
  toMs: number;
}

export type Bucket = 'minute' | 'hour' | 'day';

export const BUCKET_MS: Readonly<Record<Bucket, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const BUCKETS: readonly Bucket[] = ['minute', 'hour', 'day'];

/** A quarter and a bit: enough for quarter-on-quarter views, bounded for the engine. */
export const MAX_SPAN_DAYS = 93;
/** A day of minutes; also 60 days of hours and every allowed span in days. */
export const MAX_POINTS = 1440;
/** What a window given without both ends spans: a participant's first look is at the last day. */
export const DEFAULT_SPAN_MS = BUCKET_MS.day;

// DateTime64(3) holds 1900-2299; anything outside a sane range is a mistake, not a query.
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const LATEST_MS = Date.UTC(2200, 0, 1);

export function parseWindow(from: string, to: string): Result<Window, DomainError> {
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return notTimestamps();
  return checkedWindow(fromMs, toMs);
}

/**
 * The window of a query whose ends may be left out. Neither: the 24 hours up to the end
 * of the current UTC minute (whole minutes, so a wallet's series reads the per-minute
 * aggregate, and a day of minutes is exactly MAX_POINTS). Only `to`: the 24 hours before
 * it. Only `from`: the 24 hours from it, cut at the end of the current minute; a `from`
 * at or after that is refused, as nothing after it has happened yet. Then checked as
 * parseWindow checks a window given whole.
 */
export function resolveWindow(from: string | undefined, to: string | undefined, nowMs: number): Result<Window, DomainError> {
  if (from !== undefined && to !== undefined) return parseWindow(from, to);
  const endOfMinute = Math.ceil((nowMs + 1) / BUCKET_MS.minute) * BUCKET_MS.minute;
  if (to !== undefined) {
    const toMs = Date.parse(to);
    return Number.isFinite(toMs) ? checkedWindow(toMs - DEFAULT_SPAN_MS, toMs) : notTimestamps();
  }
  if (from !== undefined) {
    const fromMs = Date.parse(from);
    if (!Number.isFinite(fromMs)) return notTimestamps();
    if (fromMs >= endOfMinute) {
      return err({ code: 'ANALYTICS_WINDOW_INVALID', message: 'from lies in the future: give to as well, or an earlier from' });
    }
    return checkedWindow(fromMs, Math.min(fromMs + DEFAULT_SPAN_MS, endOfMinute));
  }
  return checkedWindow(endOfMinute - DEFAULT_SPAN_MS, endOfMinute);
}

function notTimestamps(): Result<Window, DomainError> {
  return err({ code: 'ANALYTICS_WINDOW_INVALID', message: 'from and to must be ISO 8601 timestamps with a time zone' });
}

function checkedWindow(fromMs: number, toMs: number): Result<Window, DomainError> {
  if (fromMs < EARLIEST_MS || toMs > LATEST_MS) {
    return err({ code: 'ANALYTICS_WINDOW_INVALID', message: 'from and to must lie between 2000-01-01 and 2200-01-01' });
  }
  if (toMs <= fromMs) return err({ code: 'ANALYTICS_WINDOW_INVALID', message: 'to must be later than from' });
  if (toMs - fromMs > MAX_SPAN_DAYS * BUCKET_MS.day) {
    return err({ code: 'ANALYTICS_WINDOW_TOO_LONG', message: `the window may span at most ${MAX_SPAN_DAYS} days` });
  }
  return ok({ fromMs, toMs });
}

/** Start of every bucket that overlaps the window, oldest first. */
export function bucketStarts(window: Window, bucket: Bucket): number[] {
  const size = BUCKET_MS[bucket];
  const starts: number[] = [];
  for (let t = Math.floor(window.fromMs / size) * size; t < window.toMs; t += size) starts.push(t);
  return starts;
}

function pointCount(window: Window, bucket: Bucket): number {
  const size = BUCKET_MS[bucket];
  return Math.ceil(window.toMs / size) - Math.floor(window.fromMs / size);
}

/** The asked bucket if it yields at most MAX_POINTS points, or the finest that does. */
export function chooseBucket(window: Window, asked?: Bucket): Result<Bucket, DomainError> {
  if (asked !== undefined && !BUCKETS.includes(asked)) {
    return err({ code: 'ANALYTICS_BUCKET_INVALID', message: `bucket must be one of ${BUCKETS.join(', ')}` });
  }
  if (asked) {
    const points = pointCount(window, asked);
    if (points > MAX_POINTS) {
      return err({
        code: 'ANALYTICS_TOO_MANY_POINTS',
        message: `${points} ${asked} buckets; at most ${MAX_POINTS}: choose a coarser bucket or a shorter window`,
      });
    }
    return ok(asked);
  }
  // A day bucket always fits: MAX_SPAN_DAYS + 1 <= MAX_POINTS.
  return ok(BUCKETS.find((b) => pointCount(window, b) <= MAX_POINTS) ?? 'day');
}
