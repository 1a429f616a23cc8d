import { expect, it } from 'vitest';
import { slaClockOf } from './case-sla.ts';
import { slaClock, type WorkingCalendar } from './sla-calendar.ts';

it("remembers the day's clock and gives, around every midnight and across a time change, what the calendar gives", () => {
  for (const calendar of [
    { timeZone: 'Asia/Shanghai', workdays: [1, 2, 3, 4, 5], holidays: ['2026-12-31'], extraWorkdays: [] },
    { timeZone: 'Europe/London', workdays: [1, 2, 3, 4, 5], holidays: [], extraWorkdays: [] },
  ] satisfies WorkingCalendar[]) {
    const clock = slaClockOf({ workingDays: 5, warnDays: 1, calendar });
    // Every 7 minutes from before London's spring change to past the new year, in order and out of order.
    const instants: number[] = [];
    for (let at = Date.parse('2026-03-27T00:00:00Z'); at < Date.parse('2026-04-02T00:00:00Z'); at += 7 * 60_000) instants.push(at);
    for (let at = Date.parse('2026-12-29T00:00:00Z'); at < Date.parse('2027-01-02T00:00:00Z'); at += 7 * 60_000) instants.push(at);
    for (const at of [...instants, ...instants.reverse()]) {
      const { warnAt, deadlineAt } = slaClock(at, 5, 1, calendar);
      expect(clock(at), `${calendar.timeZone} ${new Date(at).toISOString()}`).toEqual({ warnAt, deadlineAt });
    }
  }
});
