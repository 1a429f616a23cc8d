import { formatMs } from '../traffic/stats.ts';
import type { HealthReading } from './health.ts';
import type { MinuteTraffic } from './open-loop.ts';
import { MIN_MINUTES_TO_JUDGE, type Trend } from './trend.ts';

/** A minute's traffic with what was read from the platform as it closed. */
export interface MinuteRecord extends MinuteTraffic {
  platformRssMiB?: number;
  redisRssMiB?: number;
  health: HealthReading;
  /** The machine's 1-minute load average at the minute end: on shared cores, what the figures competed with. */
  loadAverage1m: number;
  /** CPU this load generator used during the minute, in % of one core. */
  runnerCpuPercent: number;
}

const COLUMNS: ReadonlyArray<readonly [string, number]> = [
  ['min', 4],
  ['offered', 8],
  ['answered', 9],
  ['missed', 7],
  ['achieved/s', 11],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['max ms', 8],
  ['RSS MiB', 8],
  ['redis MiB', 10],
  ['lag ms', 8],
  ['pending', 8],
  ['ingested', 9],
];

/** The rule under the header and above the "all" row. */
const RULE = `${COLUMNS.map(([, w]) => '-'.repeat(w)).join(' ')}  -------`;

export function minuteHeader(): string {
  const cells = COLUMNS.map(([name, width]) => name.padStart(width));
  return `${cells.join(' ')}  non-2xx\n${RULE}`;
}

/** What a row of the table shows: a minute's figures or the whole run's. */
interface RowFigures {
  offered: number;
  answered: number;
  missed: number;
  achievedPerS: number;
  latencyMs: MinuteTraffic['latencyMs'];
  nonOkByStatus: Record<string, number>;
  errors: Record<string, number>;
}

function figuresRow(label: string, t: RowFigures, platformMiB: number | undefined, redisMiB: number | undefined, health: HealthReading | undefined): string {
  const ingest = health?.ingest;
  return row([
    label,
    String(t.offered),
    String(t.answered),
    String(t.missed),
    t.achievedPerS.toFixed(1),
    formatMs(t.latencyMs.p50),
    formatMs(t.latencyMs.p99),
    formatMs(t.latencyMs.max),
    mib(platformMiB),
    mib(redisMiB),
    ingest ? String(Math.round(ingest.lagMs)) : '?',
    ingest ? String(ingest.pending) : '?',
    ingest ? String(ingest.rows) : '?',
    nonOk(t.nonOkByStatus, t.errors),
  ]);
}

export function minuteLine(m: MinuteRecord): string {
  return figuresRow(String(m.minute), m, m.platformRssMiB, m.redisRssMiB, m.health);
}

/** The whole run under the minute table; RSS there is the peak (VmHWM), ingest the figures after draining. */
export function totalLine(t: RowFigures & { platformPeakMiB?: number; redisPeakMiB?: number; health?: HealthReading }): string {
  return `${RULE}\n${figuresRow('all', t, t.platformPeakMiB, t.redisPeakMiB, t.health)}`;
}

export const LEGEND = [
  'offered: payments the schedule called for; missed: of those, not sent (every connection busy, or over 1 s behind schedule);',
  'answered: HTTP answers that came back in the minute; achieved/s: 2xx answers per second;',
  'latency: scheduled send time to the end of the answer, for answers of the minute;',
  'RSS: VmRSS at the minute end (row "all": VmHWM, the peak); lag/pending/ingested: GET /health ingest lagMs, pending, rows',
  '(row "all": after the drain); non-2xx: answers by HTTP status, then requests without an answer by error code.',
].join('\n');

export function trendLines(trend: Trend): string[] {
  const s = trend.rssSlopeMiBPerMinute;
  const perMinute = (v: number | null) => (v === null ? 'not judged' : `${v >= 0 ? '+' : ''}${v.toFixed(2)} MiB/min`);
  const ms = (v: number | null) => (v === null ? '-' : `${formatMs(v)} ms`);
  const maxRss = trend.maxRss;
  const flat = trend.p99Flat;
  return [
    'trend',
    s.platform === null && s.redis === null
      ? `  RSS slope, least squares over the minutes after the first: not judged (needs ${MIN_MINUTES_TO_JUDGE} minutes)`
      : `  RSS slope, least squares over minutes ${s.minutes}: platform ${perMinute(s.platform)}, redis-server ${perMinute(s.redis)}`,
    `  max RSS: platform ${mib(maxRss.platformMiB ?? undefined)} MiB, redis-server ${mib(maxRss.redisMiB ?? undefined)} MiB; ` +
      `platform ${maxRss.platformBelowLimit === null ? 'not measured' : maxRss.platformBelowLimit ? 'below' : 'ABOVE'} ${maxRss.limitMiB} MiB (1 GiB)`,
    `  p99 last minute vs first: ${ms(trend.p99.lastMinuteMs)} vs ${ms(trend.p99.firstMinuteMs)}` +
      (trend.p99.lastOverFirst === null ? ' (not judged: one minute, or a minute without answers)' : ` (${trend.p99.lastOverFirst.toFixed(2)}x)`),
    `  p99 flat: ${flat.flat === null ? 'not judged' : flat.flat ? 'yes' : 'NO'}` +
      (flat.lastOverFirst === null
        ? ''
        : `: last-third median ${ms(flat.lastThirdMedianMs)} vs first-third median ${ms(flat.firstThirdMedianMs)} (${flat.lastOverFirst.toFixed(2)}x)`),
    `    (${flat.rule})`,
  ];
}

function row(cells: string[]): string {
  const fixed = COLUMNS.map(([, width], i) => (cells[i] ?? '').padStart(width)).join(' ');
  return `${fixed}  ${cells[COLUMNS.length] ?? ''}`;
}

export function mib(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '?' : value.toFixed(0);
}

function nonOk(byStatus: Record<string, number>, errors: Record<string, number>): string {
  const parts = [...sorted(byStatus), ...sorted(errors)].map(([key, n]) => `${key}:${n}`);
  return parts.length > 0 ? parts.join(' ') : '-';
}

function sorted(counter: Record<string, number>): Array<[string, number]> {
  return Object.entries(counter).sort((a, b) => b[1] - a[1]);
}

export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}
