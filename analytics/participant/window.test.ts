import { describe, expect, it } from 'vitest';
import { bucketStarts, chooseBucket, MAX_POINTS, parseWindow, resolveWindow, type Bucket } from './window.ts';

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);

describe('analytics window', () => {
  it('takes from inclusive and to exclusive, with any time zone offset', () => {
    expect(parseWindow('2025-03-10T08:00:00+08:00', '2025-03-10T01:00:00Z')).toEqual({ ok: true, value: { fromMs: Date.UTC(2025, 2, 10), toMs: Date.UTC(2025, 2, 10, 1) } });
  });

  it('refuses an empty or inverted window, one beyond 93 days and nonsense', () => {
    expect(code(parseWindow('2025-03-10T00:00:00Z', '2025-03-10T00:00:00Z'))).toBe('ANALYTICS_WINDOW_INVALID');
    expect(code(parseWindow('2025-03-11T00:00:00Z', '2025-03-10T00:00:00Z'))).toBe('ANALYTICS_WINDOW_INVALID');
    // 2025-01-01 to 2025-04-04 is exactly 93 days.
    expect(code(parseWindow('2025-01-01T00:00:00Z', '2025-04-04T00:00:00.001Z'))).toBe('ANALYTICS_WINDOW_TOO_LONG');
    expect(code(parseWindow('2025-01-01T00:00:00Z', '2025-04-04T00:00:00Z'))).toBe('ok');
    expect(code(parseWindow('yesterday', '2025-04-03T00:00:00Z'))).toBe('ANALYTICS_WINDOW_INVALID');
    expect(code(parseWindow('1969-12-31T00:00:00Z', '1970-01-02T00:00:00Z'))).toBe('ANALYTICS_WINDOW_INVALID');
  });

  describe('with an end left out', () => {
    const now = Date.UTC(2025, 2, 10, 8, 30, 15, 500);
    const endOfMinute = Date.UTC(2025, 2, 10, 8, 31);
    const DAY = 86_400_000;

    it('spans the 24 hours up to the end of the current minute without either: a day of minutes', () => {
      expect(resolveWindow(undefined, undefined, now)).toEqual({ ok: true, value: { fromMs: endOfMinute - DAY, toMs: endOfMinute } });
      // On a minute's first millisecond, that minute is the current one.
      expect(resolveWindow(undefined, undefined, Date.UTC(2025, 2, 10, 8, 31))).toEqual({ ok: true, value: { fromMs: endOfMinute + 60_000 - DAY, toMs: endOfMinute + 60_000 } });
      const window = resolveWindow(undefined, undefined, now);
      expect(window.ok && chooseBucket(window.value)).toEqual({ ok: true, value: 'minute' });
    });

    it('spans the 24 hours before to, or from from, cut at the end of the current minute', () => {
      expect(resolveWindow(undefined, '2025-03-01T00:00:00Z', now)).toEqual({ ok: true, value: { fromMs: Date.UTC(2025, 1, 28), toMs: Date.UTC(2025, 2, 1) } });
      expect(resolveWindow('2025-03-01T00:00:00+08:00', undefined, now)).toEqual({ ok: true, value: { fromMs: Date.UTC(2025, 1, 28, 16), toMs: Date.UTC(2025, 2, 1, 16) } });
      expect(resolveWindow('2025-03-10T02:00:00Z', undefined, now)).toEqual({ ok: true, value: { fromMs: Date.UTC(2025, 2, 10, 2), toMs: endOfMinute } });
      expect(resolveWindow('2025-03-01T00:00:00Z', '2025-03-05T00:00:00Z', now)).toEqual(parseWindow('2025-03-01T00:00:00Z', '2025-03-05T00:00:00Z'));
    });

    it('refuses a from after the current minute, nonsense and an end out of range, as a whole window is refused', () => {
      expect(code(resolveWindow('2025-03-10T08:31:00Z', undefined, now))).toBe('ANALYTICS_WINDOW_INVALID');
      expect(code(resolveWindow('2025-03-10T08:30:59.999Z', undefined, now))).toBe('ok');
      expect(code(resolveWindow('yesterday', undefined, now))).toBe('ANALYTICS_WINDOW_INVALID');
      expect(code(resolveWindow(undefined, 'tomorrow', now))).toBe('ANALYTICS_WINDOW_INVALID');
      expect(code(resolveWindow(undefined, '2000-01-01T12:00:00Z', now))).toBe('ANALYTICS_WINDOW_INVALID');
      expect(code(resolveWindow(undefined, '2200-01-02T00:00:00Z', now))).toBe('ANALYTICS_WINDOW_INVALID');
      expect(code(resolveWindow('2025-01-01T00:00:00Z', '2025-04-04T00:00:00.001Z', now))).toBe('ANALYTICS_WINDOW_TOO_LONG');
    });
  });

  it('lists every UTC-aligned bucket overlapping the window, the partial first and last included', () => {
    const w = { fromMs: Date.UTC(2025, 2, 10, 10, 30), toMs: Date.UTC(2025, 2, 10, 13, 0, 0, 1) };
    expect(bucketStarts(w, 'hour').map((t) => new Date(t).toISOString())).toEqual([
      '2025-03-10T10:00:00.000Z', '2025-03-10T11:00:00.000Z', '2025-03-10T12:00:00.000Z', '2025-03-10T13:00:00.000Z',
    ]);
    expect(bucketStarts(w, 'day')).toEqual([Date.UTC(2025, 2, 10)]);
  });

  it(`keeps a series within ${MAX_POINTS} points, choosing the finest bucket that fits when none is asked`, () => {
    const day = { fromMs: Date.UTC(2025, 2, 10), toMs: Date.UTC(2025, 2, 11) };
    expect(chooseBucket(day)).toEqual({ ok: true, value: 'minute' });
    const threeDays = { fromMs: Date.UTC(2025, 2, 10), toMs: Date.UTC(2025, 2, 13) };
    expect(chooseBucket(threeDays)).toEqual({ ok: true, value: 'hour' });
    expect(code(chooseBucket(threeDays, 'minute'))).toBe('ANALYTICS_TOO_MANY_POINTS');
    const quarter = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 3, 3) };
    expect(chooseBucket(quarter)).toEqual({ ok: true, value: 'day' });
    expect(code(chooseBucket(quarter, 'hour'))).toBe('ANALYTICS_TOO_MANY_POINTS');
  });

  it('refuses a bucket it does not know, even one named like a property every object has', () => {
    const day = { fromMs: Date.UTC(2025, 2, 10), toMs: Date.UTC(2025, 2, 11) };
    for (const asked of ['week', 'constructor', 'toString', '__proto__']) {
      expect(code(chooseBucket(day, asked as Bucket)), asked).toBe('ANALYTICS_BUCKET_INVALID');
    }
  });
});
