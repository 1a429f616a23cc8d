import { DEFAULT_MONITORS, type MonitorConfig } from '../../analytics/monitors/monitor-config.ts';
import { DEFAULT_CASE_POLICY, type CasePolicy } from '../../cases/case-policy.ts';
import { DEFAULT_SLA, type SlaSettings } from '../../cases/case-sla.ts';
import type { Rotations } from '../../cases/queue-rotation.ts';
import type { DurabilityMode, LedgerDurability } from '../../switch/durability.ts';
import { httpLimitsOf, type HttpLimits } from '../http-timeouts.ts';
import { DEFAULT_MAX_IN_FLIGHT, DEFAULT_QUEUE_MS } from '../plugins/admission.ts';
import { rateLimitsOf, type RateLimits } from '../plugins/rate-limit.ts';
import type { ConfigFile } from './schema.ts';

/**
 * What a block or field the config file leaves out takes. The defaults of the HTTP limits,
 * rate limits, admission bound and monitors are written beside what they bound (their
 * modules say why); this is the one place that fills them in.
 */
export const DEFAULT_RISK: RiskSettings = {
  reviewAt: 400,
  declineAt: 700,
  alertScore: 300,
  deadlineMs: 20,
  fallback: { approveBelowUsd: 500, otherwise: 'review' },
};
export const DEFAULT_INGEST: IngestSettings = { batchSize: 5000, maxWaitMs: 1000 };
/** How long scheduled report files are kept. */
export const DEFAULT_REPORTS: ReportSettings = { retentionDays: 30 };
/**
 * The ledger's durability when the file names none: production loses no answered payment to
 * a host crash (`always`, measured in BENCHMARKS.md); development keeps the cheaper
 * `everysec`. One replica acknowledging within 250 ms when `replica` is chosen.
 */
export const DEFAULT_DURABILITY: Record<ConfigFile['mode'], DurabilityMode> = { production: 'always', development: 'everysec' };
export const DEFAULT_REPLICAS = 1;
export const DEFAULT_REPLICA_TIMEOUT_MS = 250;
/** How long an operator's bearer token lives: a working day. Not configurable. */
export const SESSION_TTL_MS = 8 * 3600_000;

/** Screening: no list until one is uploaded or named; a hit from 0.85; lists up to 512 MiB (screening/read-list.ts's bound). */
export const DEFAULT_SCREENING: ScreeningSettings = { lists: [], threshold: 0.85, maxListBytes: 512 * 1024 * 1024, matchOn: 'main', answerWithinMs: 250 };

export type RiskSettings = NonNullable<ConfigFile['risk']>;
export type ScreeningSettings = Required<NonNullable<ConfigFile['screening']>>;
export type IngestSettings = NonNullable<ConfigFile['ingest']>;
export type ReportSettings = NonNullable<ConfigFile['reports']>;

/** The config file's settings with every default filled in: what the platform reads. */
export type Settings = Omit<ConfigFile, 'fx' | 'payments' | 'risk' | 'ingest' | 'monitors' | 'reports' | 'rateLimits' | 'http' | 'redis' | 'screening' | 'cases'> & {
  fx: ConfigFile['fx'] & {
    /**
     * CNY per US dollar as the exact decimal the file holds (`rates.CNY`; the base is USD):
     * the risk engine, the reports' bound parameters and the backtests all take this one.
     */
    cnyPerUsd: string;
  };
  payments: Required<ConfigFile['payments']>;
  risk: RiskSettings;
  ingest: IngestSettings;
  monitors: MonitorConfig;
  cases: { policy: CasePolicy; sla: SlaSettings; assignment: Rotations; reportingInstitution?: { name: string; code: string; country: string } };
  reports: ReportSettings;
  rateLimits: RateLimits;
  http: HttpLimits;
  redis: { durability: LedgerDurability };
  /** List paths resolved against the working directory. */
  screening: ScreeningSettings;
};

/** Settings the environment may set over the file's (`RISK_DEADLINE_MS`, `MAX_IN_FLIGHT`, `REDIS_DURABILITY`). */
export interface SettingOverrides {
  riskDeadlineMs?: number;
  maxInFlight?: number;
  /** `REDIS_DURABILITY`: over the file's `redis.durability`. */
  durability?: DurabilityMode;
  /** Where the file's relative paths (screening lists) are resolved from: the working directory. */
  resolvePath?: (relative: string) => string;
}

/** The file's settings completed with the defaults and the environment's overrides; `file` itself is left as it is. */
export function withDefaults(file: ConfigFile, overrides: SettingOverrides = {}): Settings {
  const risk = file.risk ?? DEFAULT_RISK;
  return {
    ...file,
    // validateConfigFile checked that CNY has a rate.
    fx: { ...file.fx, cnyPerUsd: file.fx.rates.CNY! },
    payments: {
      ...file.payments,
      maxInFlight: overrides.maxInFlight ?? file.payments.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      admissionQueueMs: file.payments.admissionQueueMs ?? DEFAULT_QUEUE_MS,
      followUpWindowMinutes: file.payments.followUpWindowMinutes ?? file.payments.retentionDays * 24 * 60,
    },
    risk: overrides.riskDeadlineMs === undefined ? risk : { ...risk, deadlineMs: overrides.riskDeadlineMs },
    ingest: file.ingest ?? DEFAULT_INGEST,
    monitors: file.monitors ?? DEFAULT_MONITORS,
    cases: {
      policy: file.cases?.policy ?? DEFAULT_CASE_POLICY,
      sla: slaOf(file.cases?.sla),
      assignment: file.cases?.assignment ?? {},
      ...(file.cases?.reportingInstitution ? { reportingInstitution: file.cases.reportingInstitution } : {}),
    },
    reports: file.reports ?? DEFAULT_REPORTS,
    screening: {
      ...DEFAULT_SCREENING,
      ...file.screening,
      lists: (file.screening?.lists ?? []).map((l) => ({ name: l.name, path: overrides.resolvePath?.(l.path) ?? l.path })),
    },
    rateLimits: rateLimitsOf(file.rateLimits),
    http: httpLimitsOf(file.http),
    redis: {
      durability: {
        mode: overrides.durability ?? file.redis?.durability ?? DEFAULT_DURABILITY[file.mode],
        replicas: file.redis?.replicas ?? DEFAULT_REPLICAS,
        replicaTimeoutMs: file.redis?.replicaTimeoutMs ?? DEFAULT_REPLICA_TIMEOUT_MS,
      },
    },
  };
}

/** The SLA settings with the defaults filled in (the calendar's fields one by one). */
function slaOf(sla: NonNullable<ConfigFile['cases']>['sla']): SlaSettings {
  const calendar = sla?.calendar;
  return {
    ...DEFAULT_SLA,
    ...sla,
    calendar: calendar
      ? { timeZone: calendar.timeZone, workdays: calendar.workdays ?? [1, 2, 3, 4, 5], holidays: calendar.holidays ?? [], extraWorkdays: calendar.extraWorkdays ?? [] }
      : DEFAULT_SLA.calendar,
  };
}
