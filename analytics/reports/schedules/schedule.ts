import { getNextMillis } from 'bullmq';
import { err, ok, type Result } from '../../../domain/result.ts';
import type { PreparedRun } from '../run-report.ts';
import type { ReportError, ReportFormat } from '../report.ts';
import { isTimeZone, resolveWindow, type RelativeWindow } from './report-window.ts';

/**
 * A scheduled report: which catalog report, with which parameters, how often (a cron
 * pattern read in a time zone), in which format. The window is relative (`params.window`,
 * the last N whole days or hours) and becomes `from` / `to` when a run starts.
 */
export interface ReportSchedule {
  id: string;
  report: string;
  /** The report's parameters without from/to, plus `window`. */
  params: ScheduleParams;
  format: ReportFormat;
  cron: string;
  timezone: string;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

export type ScheduleParams = Record<string, unknown> & { window: RelativeWindow };

/** What PUT /v1/report-schedules/{id} takes. */
export interface ScheduleInput {
  report: string;
  params: Record<string, unknown>;
  format?: ReportFormat;
  cron: string;
  timezone?: string;
}

export type ScheduleErrorCode =
  | 'SCHEDULE_ID_INVALID'
  | 'SCHEDULE_REPORT_UNKNOWN'
  | 'SCHEDULE_WINDOW_INVALID'
  | 'SCHEDULE_PARAMS_INVALID'
  | 'SCHEDULE_CRON_INVALID'
  | 'SCHEDULE_TIMEZONE_INVALID';

export interface ScheduleError {
  code: ScheduleErrorCode;
  message: string;
  /** JSON Pointer into the request body. */
  path?: string;
}

/** Schedule ids name a folder under DATA_DIR/reports: nothing but this, ever. */
export const SCHEDULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const MAX_WINDOW_DAYS = 366;
export const MAX_WINDOW_HOURS = 24 * 31;
/** Five fields, minute to weekday: a schedule fires at most once a minute. */
const CRON_FIELDS = /^[0-9A-Za-z*,/?#-]+( [0-9A-Za-z*,/?#-]+){4}$/;

/** The parts of the report runner a schedule is checked with. */
export interface ScheduleRunner {
  prepare(name: string, params: unknown): Result<PreparedRun, ReportError>;
}

/**
 * A schedule checked as a run would check it: the report exists, the window resolves (at
 * `now`, in the schedule's zone) and the resolved parameters pass the report's own schema
 * and span limit, the time zone is known, and BullMQ's own cron parser accepts the pattern.
 */
export function checkSchedule(
  input: ScheduleInput,
  runner: ScheduleRunner,
  now: number,
): Result<Pick<ReportSchedule, 'report' | 'params' | 'format' | 'cron' | 'timezone'>, ScheduleError> {
  const known = runner.prepare(input.report, {});
  if (!known.ok && known.error.code === 'REPORT_UNKNOWN') return err({ code: 'SCHEDULE_REPORT_UNKNOWN', message: `report: ${known.error.message}`, path: '/report' });
  const timezone = input.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) return err({ code: 'SCHEDULE_TIMEZONE_INVALID', message: `timezone: ${JSON.stringify(timezone.slice(0, 64))} is not an IANA time zone`, path: '/timezone' });

  const cron = input.cron.trim().replace(/\s+/g, ' ');
  if (!CRON_FIELDS.test(cron)) {
    return err({ code: 'SCHEDULE_CRON_INVALID', message: 'cron: five fields (minute hour day-of-month month day-of-week), e.g. "0 6 * * *"', path: '/cron' });
  }
  let next: number | undefined;
  try {
    next = getNextMillis(now, { pattern: cron, tz: timezone });
  } catch (e) {
    return err({ code: 'SCHEDULE_CRON_INVALID', message: `cron: ${(e as Error).message.slice(0, 200)}`, path: '/cron' });
  }
  if (typeof next !== 'number' || !Number.isFinite(next)) return err({ code: 'SCHEDULE_CRON_INVALID', message: 'cron: the pattern never fires', path: '/cron' });

  const params = input.params;
  const window = checkWindow(params.window);
  if (!window.ok) return window;
  for (const bound of ['from', 'to'] as const) {
    if (bound in params) {
      return err({ code: 'SCHEDULE_PARAMS_INVALID', message: `params.${bound}: a schedule's window is relative; give params.window { lastDays } or { lastHours }`, path: `/params/${bound}` });
    }
  }
  const prepared = prepareRun(runner, input.report, params as ScheduleParams, now, timezone);
  if (!prepared.ok) return prepared;
  return ok({ report: input.report, params: { ...params, window: window.value }, format: input.format ?? 'csv', cron, timezone });
}

/** The run a schedule makes at `at`: its window resolved, its parameters checked and defaulted. */
export function prepareRun(
  runner: ScheduleRunner,
  report: string,
  params: ScheduleParams,
  at: number,
  timezone: string,
): Result<PreparedRun, ScheduleError> {
  const { window, ...rest } = params;
  const prepared = runner.prepare(report, { ...rest, ...resolveWindow(window, at, timezone) });
  if (prepared.ok) return prepared;
  if (prepared.error.code === 'REPORT_UNKNOWN') return err({ code: 'SCHEDULE_REPORT_UNKNOWN', message: `report: ${prepared.error.message}`, path: '/report' });
  // from/to come from the window: a window too wide for the report is the window's fault.
  const path = prepared.error.path === '/params/to' || prepared.error.path === '/params/from' ? '/params/window' : prepared.error.path;
  const message = path === '/params/window' ? prepared.error.message.replace(/^params\.(from|to)/, 'params.window') : prepared.error.message;
  return err({ code: path === '/params/window' ? 'SCHEDULE_WINDOW_INVALID' : 'SCHEDULE_PARAMS_INVALID', message, ...(path ? { path } : {}) });
}

function checkWindow(value: unknown): Result<RelativeWindow, ScheduleError> {
  const invalid = (message: string) => err({ code: 'SCHEDULE_WINDOW_INVALID' as const, message: `params.window: ${message}`, path: '/params/window' });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('is required: { "lastDays": N } or { "lastHours": N }');
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'lastDays' && keys[0] !== 'lastHours')) return invalid('exactly one of lastDays or lastHours');
  const n = (value as Record<string, unknown>)[keys[0]!];
  const max = keys[0] === 'lastDays' ? MAX_WINDOW_DAYS : MAX_WINDOW_HOURS;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) return invalid(`${keys[0]} must be an integer from 1 to ${max}`);
  return ok(keys[0] === 'lastDays' ? { lastDays: n } : { lastHours: n });
}
