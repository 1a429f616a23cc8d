import { describe, expect, it } from 'vitest';
import { isTimeZone, resolveWindow } from './report-window.ts';

const at = (iso: string) => Date.parse(iso);

describe('the relative window of a scheduled report', () => {
  it('covers the last whole UTC days before the run, however late in the day it runs', () => {
    for (const run of ['2025-03-17T00:00:00Z', '2025-03-17T06:00:04.250Z', '2025-03-17T23:59:59.999Z']) {
      expect(resolveWindow({ lastDays: 7 }, at(run), 'UTC')).toEqual({ from: '2025-03-10T00:00:00.000Z', to: '2025-03-17T00:00:00.000Z' });
    }
  });

  it('counts days in the schedule time zone: yesterday in Beijing is 16:00 to 16:00 UTC', () => {
    // 22:00 UTC on the 16th is 06:00 on the 17th in Beijing: yesterday there is the 16th.
    expect(resolveWindow({ lastDays: 1 }, at('2025-03-16T22:00:00Z'), 'Asia/Shanghai')).toEqual({ from: '2025-03-15T16:00:00.000Z', to: '2025-03-16T16:00:00.000Z' });
    // 01:30 UTC on the 17th is 09:30 on the 17th in Beijing.
    expect(resolveWindow({ lastDays: 2 }, at('2025-03-17T01:30:00Z'), 'Asia/Shanghai')).toEqual({ from: '2025-03-14T16:00:00.000Z', to: '2025-03-16T16:00:00.000Z' });
  });

  it('crosses month and year ends', () => {
    expect(resolveWindow({ lastDays: 3 }, at('2025-01-02T12:00:00Z'), 'UTC')).toEqual({ from: '2024-12-30T00:00:00.000Z', to: '2025-01-02T00:00:00.000Z' });
    expect(resolveWindow({ lastDays: 1 }, at('2024-03-01T05:00:00Z'), 'UTC')).toEqual({ from: '2024-02-29T00:00:00.000Z', to: '2024-03-01T00:00:00.000Z' });
  });

  it('keeps calendar days across a DST change: the day the clocks go forward has 23 hours', () => {
    // New York went to EDT on 2025-03-09 at 02:00 local (07:00 UTC).
    const w = resolveWindow({ lastDays: 2 }, at('2025-03-10T15:00:00Z'), 'America/New_York');
    expect(w).toEqual({ from: '2025-03-08T05:00:00.000Z', to: '2025-03-10T04:00:00.000Z' });
    expect(Date.parse(w.to) - Date.parse(w.from)).toBe(47 * 3_600_000);
  });

  it('starts a day whose midnight DST skips at the change', () => {
    // Santiago moved to summer time at 00:00 local on 2024-09-08 (04:00 UTC): 00:00 never happened.
    const w = resolveWindow({ lastDays: 1 }, at('2024-09-09T12:00:00Z'), 'America/Santiago');
    expect(w).toEqual({ from: '2024-09-08T04:00:00.000Z', to: '2024-09-09T03:00:00.000Z' });
  });

  it('covers the last whole hours, on the zone clock\'s hours', () => {
    expect(resolveWindow({ lastHours: 6 }, at('2025-03-17T06:59:59Z'), 'UTC')).toEqual({ from: '2025-03-17T00:00:00.000Z', to: '2025-03-17T06:00:00.000Z' });
    // India is +05:30: its hours start at half past UTC hours.
    expect(resolveWindow({ lastHours: 1 }, at('2025-03-17T06:59:59Z'), 'Asia/Kolkata')).toEqual({ from: '2025-03-17T05:30:00.000Z', to: '2025-03-17T06:30:00.000Z' });
  });

  it('knows IANA time zones and nothing else', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
