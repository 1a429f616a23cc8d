import { describe, expect, it } from 'vitest';
import {
  calendarProblems,
  DEFAULT_CALENDAR,
  isWorkingDay,
  localDateOf,
  slaClock,
  startOfLocalDate,
  type WorkingCalendar,
} from './sla-calendar.ts';

// Inputs are written with their local offset, expectations as UTC instants worked out by hand.
const instant = (text: string): number => Date.parse(text);
const iso = (ms: number): string => new Date(ms).toISOString();

/** China's National Day week 2026: Thursday 1 to Wednesday 7 October off, Sunday 27 September and Saturday 10 October worked. */
const NATIONAL_DAY_2026: WorkingCalendar = {
  ...DEFAULT_CALENDAR,
  holidays: ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
  extraWorkdays: ['2026-09-27', '2026-10-10'],
};
const LONDON: WorkingCalendar = { ...DEFAULT_CALENDAR, timeZone: 'Europe/London' };
const NEW_YORK: WorkingCalendar = { ...DEFAULT_CALENDAR, timeZone: 'America/New_York' };

/** Every Monday-to-Friday date from `first` to `last` inclusive, written out by the test itself. */
function weekdaysBetween(first: string, last: string): string[] {
  const dates: string[] = [];
  for (let at = Date.parse(`${first}T00:00:00Z`); at <= Date.parse(`${last}T00:00:00Z`); at += 86_400_000) {
    const weekday = new Date(at).getUTCDay();
    if (weekday !== 0 && weekday !== 6) dates.push(new Date(at).toISOString().slice(0, 10));
  }
  return dates;
}

describe('the SLA clock in Shanghai, Monday to Friday', () => {
  it('gives a case confirmed on a Monday at 10:00 until the end of the following Monday', () => {
    const clock = slaClock(instant('2026-12-07T10:00:00+08:00'), 5, 1, DEFAULT_CALENDAR);
    expect(clock.lastWorkingDay).toBe('2026-12-14');
    expect(iso(clock.deadlineAt)).toBe('2026-12-14T16:00:00.000Z'); // Tuesday 15 December 00:00 in Shanghai
  });

  it('does not count the day the case was confirmed, nor a weekend, when it starts on a Saturday', () => {
    const clock = slaClock(instant('2026-12-05T15:00:00+08:00'), 5, 1, DEFAULT_CALENDAR);
    expect(clock.lastWorkingDay).toBe('2026-12-11');
    expect(iso(clock.deadlineAt)).toBe('2026-12-11T16:00:00.000Z'); // Saturday 12 December 00:00
  });

  it('gives the last millisecond of Friday and the first of Saturday the same deadline', () => {
    const friday = slaClock(instant('2026-12-04T23:59:59.999+08:00'), 5, 1, DEFAULT_CALENDAR);
    const saturday = slaClock(instant('2026-12-05T00:00:00.000+08:00'), 5, 1, DEFAULT_CALENDAR);
    expect(friday.lastWorkingDay).toBe('2026-12-11');
    expect(iso(friday.deadlineAt)).toBe('2026-12-11T16:00:00.000Z');
    expect(saturday).toEqual(friday);
  });

  it('moves the deadline by a working day at local midnight, not at midnight UTC', () => {
    const thursdayNight = slaClock(instant('2026-12-03T23:59:59.999+08:00'), 5, 1, DEFAULT_CALENDAR);
    const fridayMorning = slaClock(instant('2026-12-04T00:00:00.000+08:00'), 5, 1, DEFAULT_CALENDAR);
    expect(iso(thursdayNight.deadlineAt)).toBe('2026-12-10T16:00:00.000Z'); // end of Thursday 10 December
    expect(iso(fridayMorning.deadlineAt)).toBe('2026-12-11T16:00:00.000Z'); // end of Friday 11 December
  });

  it('warns at the start of the last working day with warnDays 1 and of the one before with 2', () => {
    const confirmed = instant('2026-12-07T10:00:00+08:00');
    expect(iso(slaClock(confirmed, 5, 1, DEFAULT_CALENDAR).warnAt)).toBe('2026-12-13T16:00:00.000Z'); // Monday 14 00:00
    expect(iso(slaClock(confirmed, 5, 2, DEFAULT_CALENDAR).warnAt)).toBe('2026-12-10T16:00:00.000Z'); // Friday 11 00:00
    expect(iso(slaClock(confirmed, 5, 5, DEFAULT_CALENDAR).warnAt)).toBe('2026-12-07T16:00:00.000Z'); // Tuesday 8 00:00
  });

  it('warns at the deadline itself with warnDays 0', () => {
    const clock = slaClock(instant('2026-12-07T10:00:00+08:00'), 5, 0, DEFAULT_CALENDAR);
    expect(iso(clock.warnAt)).toBe('2026-12-14T16:00:00.000Z');
    expect(clock.warnAt).toBe(clock.deadlineAt);
  });

  it('skips a holiday in the middle of the week', () => {
    const calendar = { ...DEFAULT_CALENDAR, holidays: ['2026-12-09'] };
    const clock = slaClock(instant('2026-12-07T10:00:00+08:00'), 5, 1, calendar);
    expect(clock.lastWorkingDay).toBe('2026-12-15');
    expect(iso(clock.deadlineAt)).toBe('2026-12-15T16:00:00.000Z');
  });

  it('gives one working day until the end of the next working day', () => {
    const clock = slaClock(instant('2026-12-04T09:00:00+08:00'), 1, 1, DEFAULT_CALENDAR);
    expect(clock.lastWorkingDay).toBe('2026-12-07');
    expect(iso(clock.deadlineAt)).toBe('2026-12-07T16:00:00.000Z');
    expect(iso(clock.warnAt)).toBe('2026-12-06T16:00:00.000Z');
  });
});

describe('the SLA clock around National Day 2026', () => {
  it('counts the make-up Sunday and skips the holiday week', () => {
    const clock = slaClock(instant('2026-09-25T10:00:00+08:00'), 5, 2, NATIONAL_DAY_2026);
    // Sunday 27, Monday 28, Tuesday 29, Wednesday 30 September, then Thursday 8 October.
    expect(clock.lastWorkingDay).toBe('2026-10-08');
    expect(iso(clock.deadlineAt)).toBe('2026-10-08T16:00:00.000Z');
    expect(iso(clock.warnAt)).toBe('2026-09-29T16:00:00.000Z'); // Wednesday 30 September 00:00
  });

  it('counts the make-up Saturday after the holiday week', () => {
    const clock = slaClock(instant('2026-09-30T09:00:00+08:00'), 5, 3, NATIONAL_DAY_2026);
    // Thursday 8, Friday 9, Saturday 10 (make-up), Monday 12, Tuesday 13 October.
    expect(clock.lastWorkingDay).toBe('2026-10-13');
    expect(iso(clock.deadlineAt)).toBe('2026-10-13T16:00:00.000Z');
    expect(iso(clock.warnAt)).toBe('2026-10-09T16:00:00.000Z'); // Saturday 10 October 00:00
  });

  it('gives a case confirmed during the holiday the same deadline as one confirmed on its eve', () => {
    const duringHoliday = slaClock(instant('2026-10-03T11:00:00+08:00'), 5, 1, NATIONAL_DAY_2026);
    expect(duringHoliday.lastWorkingDay).toBe('2026-10-13');
    expect(iso(duringHoliday.deadlineAt)).toBe('2026-10-13T16:00:00.000Z');
  });

  it('knows which days of the week are worked', () => {
    expect(isWorkingDay('2026-09-26', NATIONAL_DAY_2026)).toBe(false); // Saturday
    expect(isWorkingDay('2026-09-27', NATIONAL_DAY_2026)).toBe(true); // make-up Sunday
    expect(isWorkingDay('2026-10-01', NATIONAL_DAY_2026)).toBe(false); // Thursday, holiday
    expect(isWorkingDay('2026-10-08', NATIONAL_DAY_2026)).toBe(true); // Thursday
    expect(isWorkingDay('2026-10-10', NATIONAL_DAY_2026)).toBe(true); // make-up Saturday
    expect(isWorkingDay('2026-10-11', NATIONAL_DAY_2026)).toBe(false); // Sunday
    expect(isWorkingDay('2026-09-27', DEFAULT_CALENDAR)).toBe(false);
  });

  it('treats a date that is both a holiday and a make-up day as worked, the earlier deadline', () => {
    const contradictory = { ...DEFAULT_CALENDAR, holidays: ['2026-10-01'], extraWorkdays: ['2026-10-01'] };
    expect(isWorkingDay('2026-10-01', contradictory)).toBe(true);
  });
});

describe('the SLA clock across a daylight saving change', () => {
  it('ends at local midnight in London after the clocks go forward', () => {
    // Clocks go forward on Sunday 29 March 2026: GMT before, BST (UTC+1) after.
    const clock = slaClock(instant('2026-03-25T10:00:00Z'), 5, 5, LONDON);
    expect(clock.lastWorkingDay).toBe('2026-04-01');
    expect(iso(clock.deadlineAt)).toBe('2026-04-01T23:00:00.000Z'); // Thursday 2 April 00:00 BST
    expect(iso(clock.warnAt)).toBe('2026-03-26T00:00:00.000Z'); // Thursday 26 March 00:00 GMT
    expect(iso(slaClock(instant('2026-03-25T10:00:00Z'), 5, 3, LONDON).warnAt)).toBe('2026-03-29T23:00:00.000Z');
  });

  it('ends at local midnight in New York after the clocks go back', () => {
    // Clocks go back on Sunday 1 November 2026: EDT (UTC-4) before, EST (UTC-5) after.
    const clock = slaClock(instant('2026-10-28T12:00:00-04:00'), 5, 5, NEW_YORK);
    expect(clock.lastWorkingDay).toBe('2026-11-04');
    expect(iso(clock.deadlineAt)).toBe('2026-11-05T05:00:00.000Z'); // Thursday 5 November 00:00 EST
    expect(iso(clock.warnAt)).toBe('2026-10-29T04:00:00.000Z'); // Thursday 29 October 00:00 EDT
  });
});

describe('local dates', () => {
  it('change at local midnight', () => {
    expect(localDateOf(instant('2026-12-04T15:59:59.999Z'), DEFAULT_CALENDAR)).toBe('2026-12-04');
    expect(localDateOf(instant('2026-12-04T16:00:00.000Z'), DEFAULT_CALENDAR)).toBe('2026-12-05');
  });

  it('stay on one date through the repeated hour in New York', () => {
    expect(localDateOf(instant('2026-11-01T04:00:00Z'), NEW_YORK)).toBe('2026-11-01'); // 00:00 EDT
    expect(localDateOf(instant('2026-11-01T05:30:00Z'), NEW_YORK)).toBe('2026-11-01'); // 01:30 EDT
    expect(localDateOf(instant('2026-11-01T06:30:00Z'), NEW_YORK)).toBe('2026-11-01'); // 01:30 EST
    expect(localDateOf(instant('2026-11-02T04:59:59.999Z'), NEW_YORK)).toBe('2026-11-01'); // 23:59:59.999 EST
    expect(localDateOf(instant('2026-11-02T05:00:00Z'), NEW_YORK)).toBe('2026-11-02');
    expect(localDateOf(instant('2026-10-31T03:59:59.999Z'), NEW_YORK)).toBe('2026-10-30');
  });

  it('start at local midnight, with the offset of that date', () => {
    expect(iso(startOfLocalDate('2026-12-15', DEFAULT_CALENDAR))).toBe('2026-12-14T16:00:00.000Z');
    expect(iso(startOfLocalDate('2026-03-08', NEW_YORK))).toBe('2026-03-08T05:00:00.000Z'); // clocks go forward at 02:00
    expect(iso(startOfLocalDate('2026-03-09', NEW_YORK))).toBe('2026-03-09T04:00:00.000Z');
    expect(iso(startOfLocalDate('2026-11-01', NEW_YORK))).toBe('2026-11-01T04:00:00.000Z'); // clocks go back at 02:00
    expect(iso(startOfLocalDate('2026-11-02', NEW_YORK))).toBe('2026-11-02T05:00:00.000Z');
    expect(iso(startOfLocalDate('2026-03-30', LONDON))).toBe('2026-03-29T23:00:00.000Z');
  });

  it('start at the first instant of the date where the zone skips midnight', () => {
    // Santiago: Saturday 5 September 2026 24:00 (UTC-4) becomes Sunday 01:00 (UTC-3).
    const santiago = { ...DEFAULT_CALENDAR, timeZone: 'America/Santiago' };
    expect(iso(startOfLocalDate('2026-09-06', santiago))).toBe('2026-09-06T04:00:00.000Z');
    // Havana: Sunday 8 March 2026 00:00 (UTC-5) becomes 01:00 (UTC-4).
    const havana = { ...DEFAULT_CALENDAR, timeZone: 'America/Havana' };
    expect(iso(startOfLocalDate('2026-03-08', havana))).toBe('2026-03-08T05:00:00.000Z');
    // Toronto, 1919: Sunday 30 March 23:30 (UTC-5) became Monday 31 March 00:30 (UTC-4), jumping over midnight.
    const toronto = { ...DEFAULT_CALENDAR, timeZone: 'America/Toronto' };
    expect(iso(startOfLocalDate('1919-03-31', toronto))).toBe('1919-03-31T04:30:00.000Z');
  });

  it('start at the first of two midnights where the zone repeats it', () => {
    // Havana: Sunday 1 November 2026 01:00 (UTC-4) goes back to 00:00 (UTC-5).
    const havana = { ...DEFAULT_CALENDAR, timeZone: 'America/Havana' };
    expect(iso(startOfLocalDate('2026-11-01', havana))).toBe('2026-11-01T04:00:00.000Z');
  });

  it('refuse a string that is not a date', () => {
    expect(() => startOfLocalDate('2026-02-30', DEFAULT_CALENDAR)).toThrow(RangeError);
    expect(() => isWorkingDay('2026-1-5', DEFAULT_CALENDAR)).toThrow(RangeError);
    expect(() => localDateOf(Number.NaN, DEFAULT_CALENDAR)).toThrow(RangeError);
  });
});

describe('calendarProblems', () => {
  it('finds nothing wrong with the default and the National Day calendars', () => {
    expect(calendarProblems(DEFAULT_CALENDAR)).toEqual([]);
    expect(calendarProblems(NATIONAL_DAY_2026)).toEqual([]);
  });

  it('names an unknown time zone', () => {
    expect(calendarProblems({ ...DEFAULT_CALENDAR, timeZone: 'Mars/Olympus' })).toEqual([
      'timeZone: unknown time zone "Mars/Olympus"',
    ]);
    expect(calendarProblems({ ...DEFAULT_CALENDAR, timeZone: '' })).toEqual(['timeZone: unknown time zone ""']);
  });

  it('names each entry that is not a real date YYYY-MM-DD', () => {
    const holidays = ['2026-10-01', '2026-02-30', '2026-1-5', '20261001', '2026-13-01', '2026-10-01T00:00'];
    expect(calendarProblems({ ...DEFAULT_CALENDAR, holidays, extraWorkdays: ['2026-09-31'] })).toEqual([
      'holidays.1: not a date YYYY-MM-DD',
      'holidays.2: not a date YYYY-MM-DD',
      'holidays.3: not a date YYYY-MM-DD',
      'holidays.4: not a date YYYY-MM-DD',
      'holidays.5: not a date YYYY-MM-DD',
      'extraWorkdays.0: not a date YYYY-MM-DD',
    ]);
  });

  it('names each weekday outside 1 to 7, and a list of none', () => {
    expect(calendarProblems({ ...DEFAULT_CALENDAR, workdays: [1, 0, 8, 2.5, 5] })).toEqual([
      'workdays.1: not an ISO weekday 1 (Monday) to 7 (Sunday)',
      'workdays.2: not an ISO weekday 1 (Monday) to 7 (Sunday)',
      'workdays.3: not an ISO weekday 1 (Monday) to 7 (Sunday)',
    ]);
    expect(calendarProblems({ ...DEFAULT_CALENDAR, workdays: [] })).toEqual(['workdays: names no weekday']);
  });

  it('names a date that is both a holiday and a make-up working day', () => {
    const calendar = { ...NATIONAL_DAY_2026, extraWorkdays: ['2026-09-27', '2026-10-03'] };
    expect(calendarProblems(calendar)).toEqual(['extraWorkdays.1: 2026-10-03 is also a holiday (holidays.2)']);
  });

  it('takes 2000 entries in a list and refuses 2001', () => {
    const dates = weekdaysBetween('2027-01-01', '2035-12-31');
    expect(calendarProblems({ ...DEFAULT_CALENDAR, holidays: dates.slice(0, 2000) })).toEqual([]);
    expect(calendarProblems({ ...DEFAULT_CALENDAR, holidays: dates.slice(0, 2001) })).toEqual([
      'holidays: 2001 entries, more than 2000',
    ]);
    expect(calendarProblems({ ...DEFAULT_CALENDAR, extraWorkdays: dates.slice(0, 2001) })).toEqual([
      'extraWorkdays: 2001 entries, more than 2000',
    ]);
  });

  it('names fields of the wrong kind in an unchecked configuration', () => {
    const unchecked = { timeZone: 8, workdays: 'Mon-Fri', holidays: null, extraWorkdays: [20261010] };
    expect(calendarProblems(unchecked as unknown as WorkingCalendar)).toEqual([
      'timeZone: not a string',
      'workdays: not a list',
      'holidays: not a list',
      'extraWorkdays.0: not a date YYYY-MM-DD',
    ]);
  });
});

describe('the SLA clock refuses', () => {
  const confirmed = instant('2026-12-07T10:00:00+08:00');

  it('a number of days outside 1 to 60 or not whole', () => {
    for (const days of [0, 61, 2.5, Number.NaN, -5]) {
      expect(() => slaClock(confirmed, days, 0, DEFAULT_CALENDAR), `days ${days}`).toThrow(/^days must be a whole number from 1 to 60/);
    }
    expect(() => slaClock(confirmed, 60, 60, DEFAULT_CALENDAR)).not.toThrow();
  });

  it('a warning outside 0 to days or not whole', () => {
    for (const warnDays of [-1, 6, 1.5, Number.NaN]) {
      expect(() => slaClock(confirmed, 5, warnDays, DEFAULT_CALENDAR), `warnDays ${warnDays}`).toThrow(RangeError);
    }
    expect(() => slaClock(confirmed, 5, 6, DEFAULT_CALENDAR)).toThrow('warnDays must be a whole number from 0 to days (5), got 6');
  });

  it('a start that is not an instant', () => {
    expect(() => slaClock(Number.POSITIVE_INFINITY, 5, 1, DEFAULT_CALENDAR)).toThrow(RangeError);
  });

  it('a calendar without a working day, instead of looking forever', () => {
    const noWorkdays = { ...DEFAULT_CALENDAR, workdays: [] };
    expect(() => slaClock(confirmed, 5, 1, noWorkdays)).toThrow(
      'the calendar has 0 working days in the 1098 days after 2026-12-07, fewer than the 5 the SLA needs',
    );
  });

  it('a calendar whose holidays cover more than three years', () => {
    const calendar = { ...DEFAULT_CALENDAR, holidays: weekdaysBetween('2027-01-01', '2030-12-31') };
    expect(() => slaClock(instant('2026-12-31T10:00:00+08:00'), 1, 1, calendar)).toThrow(RangeError);
  });

  it('but finds the first working day after a whole year of holidays', () => {
    const calendar = { ...DEFAULT_CALENDAR, holidays: weekdaysBetween('2027-01-01', '2027-12-31') };
    const clock = slaClock(instant('2026-12-31T10:00:00+08:00'), 1, 1, calendar);
    expect(clock.lastWorkingDay).toBe('2028-01-03'); // Monday; 1 January 2028 is a Saturday
    expect(iso(clock.deadlineAt)).toBe('2028-01-03T16:00:00.000Z');
  });

  it('an unknown time zone', () => {
    expect(() => slaClock(confirmed, 5, 1, { ...DEFAULT_CALENDAR, timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });

  it('a change to the shared default calendar', () => {
    expect(() => DEFAULT_CALENDAR.holidays.push('2026-10-01')).toThrow(TypeError);
    expect(DEFAULT_CALENDAR.holidays).toEqual([]);
  });
});
