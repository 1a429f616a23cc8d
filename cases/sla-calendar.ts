/**
 * The SLA clock of compliance cases: a suspicious transaction report is due within a number
 * of working days (PBOC: 5) of the moment the transaction is confirmed suspicious. Working
 * days follow a calendar of the institution's time zone, its working weekdays, its holidays
 * and the make-up working days that move weekends around public holidays in China.
 *
 * Local dates are strings YYYY-MM-DD; instants are unix milliseconds. The time zone is read
 * through Intl (Node's full ICU), so the clock is right across daylight saving changes.
 */

export interface WorkingCalendar {
  /** IANA name, e.g. "Asia/Shanghai". */
  timeZone: string;
  /** ISO weekdays 1 (Monday) .. 7 (Sunday) that are working days. */
  workdays: number[];
  /** Local dates YYYY-MM-DD that are not working days. */
  holidays: string[];
  /** Local dates YYYY-MM-DD that are working days although their weekday is not. */
  extraWorkdays: string[];
}

/** Shared by every caller that takes the default, so it cannot be changed in place. */
export const DEFAULT_CALENDAR: WorkingCalendar = Object.freeze({
  timeZone: 'Asia/Shanghai',
  workdays: Object.freeze([1, 2, 3, 4, 5]) as number[],
  holidays: Object.freeze([] as string[]) as string[],
  extraWorkdays: Object.freeze([] as string[]) as string[],
});

/** The longest SLA, in working days, and the most entries of a holiday or make-up list. */
const MAX_SLA_DAYS = 60;
const MAX_CALENDAR_ENTRIES = 2000;

/** How far after the start the clock looks for working days before it calls the calendar unworkable. */
const SEARCH_DAYS = 3 * 366;

const DAY_MS = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const GMT_OFFSET = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
/** Day numbers (days since 1970-01-01) of the first and last dates written with four digits. */
const FIRST_DAY = Date.parse('0000-01-01T00:00:00Z') / DAY_MS;
const LAST_DAY = Date.parse('9999-12-31T00:00:00Z') / DAY_MS;

/** Problems with a calendar from the configuration, each naming its field; [] when it is usable. */
export function calendarProblems(c: WorkingCalendar): string[] {
  const problems = [
    ...timeZoneProblems(c.timeZone),
    ...workdayProblems(c.workdays),
    ...dateListProblems('holidays', c.holidays),
    ...dateListProblems('extraWorkdays', c.extraWorkdays),
  ];
  if (isShortList(c.holidays) && isShortList(c.extraWorkdays)) {
    const holidayIndex = new Map(c.holidays.map((date, index) => [date, index]));
    c.extraWorkdays.forEach((date, index) => {
      const holiday = holidayIndex.get(date);
      if (holiday !== undefined) problems.push(`extraWorkdays.${index}: ${date} is also a holiday (holidays.${holiday})`);
    });
  }
  return problems;
}

export function isWorkingDay(localDate: string, c: WorkingCalendar): boolean {
  return workingDayTest(c)(requireDay(localDate));
}

/** The local date (YYYY-MM-DD) of an instant in the calendar's zone. */
export function localDateOf(at: number, c: WorkingCalendar): string {
  return dateOfDay(localDayOf(at, offsetReader(c.timeZone)));
}

/**
 * The instant local midnight starts that date in the calendar's zone; where the zone skips
 * that midnight, the first instant of the date, and where it repeats it, the first of the two.
 */
export function startOfLocalDate(localDate: string, c: WorkingCalendar): number {
  return startOfDay(requireDay(localDate), offsetReader(c.timeZone));
}

/**
 * The SLA clock of something that started at `start`. The deadline ends the `days`-th working
 * day after the local date of `start` (that date itself never counts): it is local midnight
 * at the start of the next date. The warning is at the start of the `warnDays`-th working day
 * counted back from the last one inclusively (1: the last working day itself), or at the
 * deadline when `warnDays` is 0.
 */
export function slaClock(
  start: number,
  days: number,
  warnDays: number,
  c: WorkingCalendar,
): { deadlineAt: number; warnAt: number; lastWorkingDay: string } {
  if (!Number.isInteger(days) || days < 1 || days > MAX_SLA_DAYS) {
    throw new RangeError(`days must be a whole number from 1 to ${MAX_SLA_DAYS}, got ${days}`);
  }
  if (!Number.isInteger(warnDays) || warnDays < 0 || warnDays > days) {
    throw new RangeError(`warnDays must be a whole number from 0 to days (${days}), got ${warnDays}`);
  }
  const offsetAt = offsetReader(c.timeZone);
  const startDay = localDayOf(start, offsetAt);
  const isWorking = workingDayTest(c);
  const counted: number[] = [];
  for (let day = startDay + 1; day <= startDay + SEARCH_DAYS && counted.length < days; day++) {
    if (isWorking(day)) counted.push(day);
  }
  const lastDay = counted[days - 1];
  if (lastDay === undefined) {
    throw new RangeError(
      `the calendar has ${counted.length} working days in the ${SEARCH_DAYS} days after ${dateOfDay(startDay)}, ` +
        `fewer than the ${days} the SLA needs`,
    );
  }
  const deadlineAt = startOfDay(lastDay + 1, offsetAt);
  const warnDay = counted[days - warnDays];
  return {
    deadlineAt,
    warnAt: warnDay === undefined ? deadlineAt : startOfDay(warnDay, offsetAt),
    lastWorkingDay: dateOfDay(lastDay),
  };
}

function timeZoneProblems(timeZone: unknown): string[] {
  if (typeof timeZone !== 'string') return ['timeZone: not a string'];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return [];
  } catch {
    return [`timeZone: unknown time zone "${timeZone}"`];
  }
}

function workdayProblems(workdays: unknown): string[] {
  if (!Array.isArray(workdays)) return ['workdays: not a list'];
  if (workdays.length === 0) return ['workdays: names no weekday'];
  const problems: string[] = [];
  workdays.forEach((weekday: unknown, index) => {
    if (!Number.isInteger(weekday) || (weekday as number) < 1 || (weekday as number) > 7) {
      problems.push(`workdays.${index}: not an ISO weekday 1 (Monday) to 7 (Sunday)`);
    }
  });
  return problems;
}

function dateListProblems(field: 'holidays' | 'extraWorkdays', dates: unknown): string[] {
  if (!Array.isArray(dates)) return [`${field}: not a list`];
  // A list this long is a mistake; naming each of its entries would bury the one line that says so.
  if (dates.length > MAX_CALENDAR_ENTRIES) return [`${field}: ${dates.length} entries, more than ${MAX_CALENDAR_ENTRIES}`];
  const problems: string[] = [];
  dates.forEach((date: unknown, index) => {
    if (typeof date !== 'string' || dayOf(date) === undefined) problems.push(`${field}.${index}: not a date YYYY-MM-DD`);
  });
  return problems;
}

function isShortList(list: unknown): list is string[] {
  return Array.isArray(list) && list.length <= MAX_CALENDAR_ENTRIES;
}

/**
 * Whether a day is a working day. A make-up working day wins over a holiday on the same date
 * (a calendar that names both is refused by calendarProblems): the earlier deadline is the safe one.
 */
function workingDayTest(c: WorkingCalendar): (day: number) => boolean {
  const workdays = new Set(c.workdays);
  const holidays = new Set(c.holidays);
  const extraWorkdays = new Set(c.extraWorkdays);
  return (day) => {
    const date = dateOfDay(day);
    if (extraWorkdays.has(date)) return true;
    if (holidays.has(date)) return false;
    return workdays.has(isoWeekdayOf(day));
  };
}

/** The day number (days since 1970-01-01) of a real date YYYY-MM-DD, else undefined. */
function dayOf(localDate: string): number | undefined {
  const match = LOCAL_DATE.exec(localDate);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.getTime() / DAY_MS;
}

function requireDay(localDate: string): number {
  const day = dayOf(localDate);
  if (day === undefined) throw new RangeError(`not a date YYYY-MM-DD: "${localDate}"`);
  return day;
}

function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 1970-01-01 was a Thursday (ISO weekday 4). */
function isoWeekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Reads the zone's offset from UTC (ms) at an instant; one formatter serves a whole calculation. */
function offsetReader(timeZone: string): (at: number) => number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  return (at) => {
    const name = format.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? '';
    const match = GMT_OFFSET.exec(name);
    if (!match) throw new RangeError(`time zone ${timeZone} gave an offset that is not GMT±hh:mm: "${name}"`);
    const seconds = Number(match[2] ?? 0) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
    return (match[1] === '-' ? -seconds : seconds) * 1000;
  };
}

function localDayOf(at: number, offsetAt: (at: number) => number): number {
  if (!Number.isFinite(at)) throw new RangeError(`not an instant in unix milliseconds: ${at}`);
  const day = Math.floor((at + offsetAt(at)) / DAY_MS);
  if (day < FIRST_DAY || day > LAST_DAY) throw new RangeError(`instant ${at} is outside the years 0000-9999`);
  return day;
}

/**
 * The first instant of a local date. Midnight "as if UTC" minus the offset before or after the
 * date is right unless a change skips midnight; then the date starts at the change itself,
 * found by halving the hour (or so) between the two readings.
 */
function startOfDay(day: number, offsetAt: (at: number) => number): number {
  const midnight = day * DAY_MS;
  const candidates = [midnight - offsetAt(midnight - DAY_MS), midnight - offsetAt(midnight + DAY_MS)];
  const exact = candidates.filter((at) => at + offsetAt(at) === midnight);
  if (exact.length > 0) return Math.min(...exact);
  let before = Math.min(...candidates); // still the previous local date
  let after = Math.max(...candidates); // already this local date
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (middle + offsetAt(middle) >= midnight) after = middle;
    else before = middle;
  }
  return after;
}
