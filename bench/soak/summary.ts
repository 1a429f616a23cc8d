import os from 'node:os';
import type { PlatformExit } from '../platform-process.ts';
import { formatMs } from '../traffic/stats.ts';
import { addCounts, LEGEND, mib, totalLine, trendLines, type MinuteRecord } from './format.ts';
import { verdictFromClickHouse, verdictFromHealth, type Drain, type IngestVerdict, type StoredCounts } from './ingest-check.ts';
import type { MinuteTraffic, OpenLoopResult } from './open-loop.ts';
import { judgeTrend, type Trend } from './trend.ts';

/** Everything a soak run gathered before the platform was stopped. */
export interface SoakRun {
  traffic: OpenLoopResult;
  records: MinuteRecord[];
  /** VmHWM of the platform and its redis-server, read just before the stop. */
  peaks: { platformMiB?: number; redisMiB?: number };
  /** Absent when the platform went away during the run. */
  drain?: Drain;
  merchants: number;
  platformGone: boolean;
}

/** The whole run's figures: a minute's, over every minute. */
export type SoakTotals = Omit<MinuteTraffic, 'minute' | 'maxSendDelayMs'>;

export interface SoakSummary {
  totals: SoakTotals;
  trend: Trend;
  fromHealth?: IngestVerdict;
  fromClickHouse?: IngestVerdict;
  /** The row under the minute table, the summary and the trend, for stdout. */
  lines: string[];
}

export function summarizeSoak(
  settings: { tps: number; connections: number; payersPerWallet: number; seed: number; lateMs: number },
  run: SoakRun,
  exit: PlatformExit,
  stored: StoredCounts | string | undefined,
): SoakSummary {
  const { traffic, records, peaks, drain } = run;
  const totals = totalsOf(records, traffic);
  const nonOk = sumOf(totals.nonOkByStatus);
  const unanswered = sumOf(totals.errors);
  const trend = judgeTrend(
    records.map((r) => ({ minute: r.minute, platformRssMiB: r.platformRssMiB, redisRssMiB: r.redisRssMiB, p99Ms: r.latencyMs.p99 })),
    peaks,
  );
  const ingest = drain?.health.ingest;
  const fromHealth = ingest && drain?.drained ? verdictFromHealth(ingest.rows, totals.ok2xx, nonOk + unanswered) : undefined;
  const fromClickHouse = typeof stored === 'object' ? verdictFromClickHouse(stored, totals.ok2xx, unanswered) : undefined;
  const risk = drain?.health.risk ?? records[records.length - 1]?.health.risk;
  const load = records.map((r) => r.loadAverage1m).filter(Number.isFinite);
  const runnerCpu = records.map((r) => r.runnerCpuPercent).filter(Number.isFinite);

  const lines = [
    totalLine({ ...totals, platformPeakMiB: peaks.platformMiB, redisPeakMiB: peaks.redisMiB, health: drain?.health }),
    '',
    LEGEND,
    '',
    'summary',
    `  run             ${(totals.seconds / 60).toFixed(2)} min at ${settings.tps}/s offered${traffic.aborted ? ' (ended early)' : ''}, ` +
      `${run.merchants} merchants, ${settings.payersPerWallet} payers per wallet, seed ${settings.seed}`,
    `  offered         ${totals.offered}: sent ${totals.sent}, missed ${totals.missed} ` +
      `(${totals.missedAtCap} with all ${settings.connections} connections busy, ${totals.missedLate} over ${settings.lateMs} ms behind schedule)`,
    `  answered        ${totals.answered}: 2xx ${totals.ok2xx}, other ${nonOk}${nonOk > 0 ? ` (${counts(totals.nonOkByStatus)})` : ''}; ` +
      `no answer ${unanswered}${unanswered > 0 ? ` (${counts(totals.errors)})` : ''}`,
    `  achieved        ${totals.achievedPerS.toFixed(1)} 2xx/s; decisions ${counts(totals.decisions)}`,
    `  latency         p50 ${formatMs(totals.latencyMs.p50)} ms, p99 ${formatMs(totals.latencyMs.p99)} ms, max ${formatMs(totals.latencyMs.max)} ms ` +
      `(from scheduled send time); worst send delay ${formatMs(Math.max(0, ...records.map((r) => r.maxSendDelayMs)))} ms`,
    ...(risk ? [`  risk            ${risk.scored} scored, ${risk.degraded} decided by the fallback (/health risk)`] : []),
    ...(load.length > 0
      ? [
          `  machine         1-min load average ${Math.min(...load).toFixed(2)}-${Math.max(...load).toFixed(2)} at the minute ends on ` +
            `${os.availableParallelism()} CPUs; this load generator used ${Math.max(0, ...runnerCpu).toFixed(0)}% of one core at most`,
        ]
      : []),
    `  RSS peak        platform ${mib(peaks.platformMiB)} MiB, redis-server ${mib(peaks.redisMiB)} MiB (VmHWM)`,
    ...ingestLines(run, fromHealth),
    `  every answered payment ingested, by ClickHouse after the stop: ${yesNo(fromClickHouse)}` +
      (fromClickHouse ? ` (${fromClickHouse.reason})` : typeof stored === 'string' ? ` (${stored})` : ''),
    `  platform stop   exit ${exit.code ?? exit.signal} after ${(exit.elapsedMs / 1000).toFixed(1)} s${exit.timedOut ? ' (killed: it overran the stop budget)' : ''}`,
    '',
    ...trendLines(trend),
  ];
  return { totals, trend, fromHealth, fromClickHouse, lines };
}

function totalsOf(records: readonly MinuteRecord[], traffic: OpenLoopResult): SoakTotals {
  const sum = (key: 'seconds' | 'offered' | 'sent' | 'missed' | 'missedLate' | 'missedAtCap' | 'answered' | 'ok2xx') =>
    records.reduce((n, r) => n + r[key], 0);
  const nonOkByStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const decisions: Record<string, number> = {};
  for (const r of records) {
    addCounts(nonOkByStatus, r.nonOkByStatus);
    addCounts(errors, r.errors);
    addCounts(decisions, r.decisions);
  }
  const seconds = sum('seconds');
  const ok2xx = sum('ok2xx');
  return {
    seconds,
    offered: sum('offered'),
    sent: sum('sent'),
    missed: sum('missed'),
    missedLate: sum('missedLate'),
    missedAtCap: sum('missedAtCap'),
    answered: sum('answered'),
    ok2xx,
    achievedPerS: seconds > 0 ? ok2xx / seconds : 0,
    latencyMs: traffic.latencyMs,
    nonOkByStatus,
    errors,
    decisions,
  };
}

function ingestLines(run: SoakRun, fromHealth: IngestVerdict | undefined): string[] {
  const drain = run.drain;
  if (run.platformGone || !drain) return ['  ingest          not checked: the platform went away during the run'];
  const i = drain.health.ingest;
  return [
    `  ingest drain    ${drain.drained ? `drained in ${drain.seconds.toFixed(1)} s` : `NOT drained after ${drain.seconds.toFixed(0)} s`}` +
      (i
        ? `: lag ${Math.round(i.lagMs)} ms, pending ${i.pending}, rows ${i.rows}, batches ${i.batches}, insert failures ${i.failures}, dead letters ${i.deadLetters}`
        : `: ${drain.health.error ?? 'no figures'}`),
    `  every answered payment ingested, by /health: ${yesNo(fromHealth)}${fromHealth ? ` (${fromHealth.reason})` : ''}`,
  ];
}

function yesNo(verdict: IngestVerdict | undefined): string {
  if (verdict === undefined) return 'not known';
  if (verdict.everyAnsweredPaymentIngested === null) return 'cannot tell';
  return verdict.everyAnsweredPaymentIngested ? 'yes' : 'NO';
}

function sumOf(counter: Record<string, number>): number {
  return Object.values(counter).reduce((n, v) => n + v, 0);
}

function counts(counter: Record<string, number>): string {
  const entries = Object.entries(counter).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '-' : entries.map(([key, n]) => `${key} ${n}`).join(', ');
}
