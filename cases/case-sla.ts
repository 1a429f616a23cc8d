import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScripts } from '../domain/redis-scripts.ts';
import { CASE_EVENTS_STREAM } from './case-store.ts';
import { DEFAULT_CALENDAR, localDateOf, slaClock, startOfLocalDate, type WorkingCalendar } from './sla-calendar.ts';

/**
 * The SLA clock of a case: it starts when the case opens (an alert made the subject
 * suspicious), warns at the start of the last working day(s) before its deadline, and
 * escalates the case when the deadline passes: `workingDays` working days of the calendar
 * (PBOC: 5 for a suspicious transaction report). Each warning and escalation happens once,
 * whichever node sweeps and however often (lua/dueSla-2.lua), and survives restarts: the
 * clock is on the case in Redis.
 */
export interface SlaSettings {
  workingDays: number;
  /** 1: warn at the start of the last working day; 0: no warning before the deadline. */
  warnDays: number;
  calendar: WorkingCalendar;
  /** How often due clocks are swept (a BullMQ job scheduler): the most a warning or an escalation is late. */
  sweepSeconds: number;
  /** Where escalations are posted too (signed with `webhookSecret`), once each. */
  webhookUrl?: string;
  webhookSecret?: string;
}

export const DEFAULT_SLA: SlaSettings = { workingDays: 5, warnDays: 1, calendar: DEFAULT_CALENDAR, sweepSeconds: 15 };

export interface SlaTimes {
  warnAt: number;
  deadlineAt: number;
}

/**
 * The clock of a case opened at an instant. It is the same for every instant of one local
 * date, so the date being lived is remembered with its bounds: asked for every alerting
 * payment, the clock reads the time zone (a formatter, tens of microseconds) once a day, not
 * once a payment.
 */
export function slaClockOf(settings: Pick<SlaSettings, 'workingDays' | 'warnDays' | 'calendar'>): (openedAt: number) => SlaTimes {
  let today: { from: number; to: number; times: SlaTimes } | undefined;
  return (openedAt) => {
    if (today && openedAt >= today.from && openedAt < today.to) return today.times;
    const { calendar } = settings;
    const date = localDateOf(openedAt, calendar);
    const clock = slaClock(openedAt, settings.workingDays, settings.warnDays, calendar);
    const from = startOfLocalDate(date, calendar);
    // The next date's midnight: a day and a bit on, read back to that date's start (a day is 23 to 25 hours).
    const to = startOfLocalDate(localDateOf(from + 26 * 3600_000, calendar), calendar);
    today = { from, to, times: { warnAt: clock.warnAt, deadlineAt: clock.deadlineAt } };
    return today.times;
  };
}

export type SlaEvent = { caseId: string; kind: 'warning' | 'escalated' };

interface SlaScripts {
  dueSla(...args: string[]): Promise<string[]>;
}

/** Sweeps the clocks due at `now`: what warned and what escalated, each reported once ever. */
export function createSlaSweeper(redis: Redis) {
  const scripted = defineScripts<SlaScripts>(redis, new URL('./lua/', import.meta.url));
  return {
    async sweep(now: number, limit = 1000): Promise<SlaEvent[]> {
      const flat = await scripted.dueSla('cases:sla', CASE_EVENTS_STREAM, String(now), String(limit), randomUUID());
      const events: SlaEvent[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) events.push({ caseId: flat[i]!, kind: flat[i + 1] as SlaEvent['kind'] });
      return events;
    },
  };
}
