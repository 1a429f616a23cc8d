import type { Direction } from '../../domain/transaction.ts';
import { errorCodeOf } from './bootstrap.ts';
import { isRecord } from './participants.ts';
import type { SignedResponse } from './signed-client.ts';
import { createLatencyRecorder, formatMs, type LatencySummary } from './stats.ts';

/** What a simulation run amounts to; also what `npm run demo` and the tests look at. */
export interface SimulationSummary {
  targetTps: number;
  /** Seconds during which payments were scheduled. */
  durationS: number;
  sent: number;
  ok2xx: number;
  client4xx: number;
  server5xx: number;
  /** Answers outside 2xx/4xx/5xx. */
  otherStatus: number;
  networkErrors: number;
  /** Due by the schedule but not sent because --concurrency requests were already in flight. */
  skipped: number;
  /** 2xx over sent; 0 when nothing was sent. */
  successShare: number;
  achievedTps: number;
  latencyMs: LatencySummary;
  /** 4xx and 5xx answers by error code (or "HTTP <status>" when the body had none). */
  errorCodes: Record<string, number>;
  networkErrorKinds: Record<string, number>;
  /** 2xx answers by the `status` they carried ("(none)" when missing). */
  byStatus: Record<string, number>;
  /** 2xx answers by the `direction` they carried ("(none)" when missing). */
  byDirection: Record<string, number>;
  /** DECLINED answers by `declineCode`, else by the first risk reason's rule. */
  declineReasons: Record<string, number>;
  /** 2xx answers whose direction differs from the one the simulator meant. */
  directionMismatches: number;
}

/** Counts outcomes over the whole run and over the current one-second window. */
export function createTally(targetTps: number) {
  const total = createLatencyRecorder(1 << 16);
  const window = createLatencyRecorder();
  const counts = {
    sent: 0,
    ok2xx: 0,
    client4xx: 0,
    server5xx: 0,
    otherStatus: 0,
    networkErrors: 0,
    skipped: 0,
    directionMismatches: 0,
  };
  const errorCodes: Record<string, number> = {};
  const networkErrorKinds: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const byDirection: Record<string, number> = {};
  const declineReasons: Record<string, number> = {};
  let windowSent = 0;
  let windowOk = 0;
  let windowAnswered = 0;

  return {
    sent(): void {
      counts.sent++;
      windowSent++;
    },
    skipped(): void {
      counts.skipped++;
    },
    answered(response: SignedResponse, expectedDirection: Direction): void {
      total.record(response.latencyMs);
      window.record(response.latencyMs);
      windowAnswered++;
      const { status, body } = response;
      if (status >= 200 && status < 300) {
        counts.ok2xx++;
        windowOk++;
        const fields = isRecord(body) ? body : {};
        const paymentStatus = typeof fields.status === 'string' ? fields.status : '(none)';
        const direction = typeof fields.direction === 'string' ? fields.direction : '(none)';
        increment(byStatus, paymentStatus);
        increment(byDirection, direction);
        if (direction !== expectedDirection) counts.directionMismatches++;
        if (paymentStatus === 'DECLINED') increment(declineReasons, declineReasonOf(fields));
        return;
      }
      if (status >= 400 && status < 500) counts.client4xx++;
      else if (status >= 500) counts.server5xx++;
      else counts.otherStatus++;
      increment(errorCodes, errorCodeOf(body) ?? `HTTP ${status}`);
    },
    failed(error: unknown): void {
      counts.networkErrors++;
      windowAnswered++;
      const code = isRecord(error) && typeof error.code === 'string' ? error.code : (error as Error)?.name ?? 'Error';
      increment(networkErrorKinds, code);
    },
    /** The progress line of the second that just ended, then a fresh window. */
    progressLine(elapsedS: number, inFlight: number): string {
      const latency = window.summarize();
      const share = windowAnswered > 0 ? `${((100 * windowOk) / windowAnswered).toFixed(1)}%` : '-';
      const line =
        `[${elapsedS.toFixed(0).padStart(4)}s] sent ${String(counts.sent).padStart(7)} | ` +
        `${String(windowSent).padStart(5)}/s | 2xx ${share.padStart(6)} | ` +
        `p50 ${formatMs(latency.p50).padStart(6)} ms p99 ${formatMs(latency.p99).padStart(6)} ms | in-flight ${inFlight}`;
      window.reset();
      windowSent = 0;
      windowOk = 0;
      windowAnswered = 0;
      return line;
    },
    summary(durationS: number): SimulationSummary {
      return {
        targetTps,
        durationS,
        ...counts,
        successShare: counts.sent > 0 ? counts.ok2xx / counts.sent : 0,
        achievedTps: durationS > 0 ? counts.sent / durationS : 0,
        latencyMs: total.summarize(),
        errorCodes,
        networkErrorKinds,
        byStatus,
        byDirection,
        declineReasons,
      };
    },
  };
}

export type Tally = ReturnType<typeof createTally>;

function declineReasonOf(answer: Record<string, unknown>): string {
  if (typeof answer.declineCode === 'string') return answer.declineCode;
  const reasons = isRecord(answer.risk) && Array.isArray(answer.risk.reasons) ? answer.risk.reasons : [];
  const first: unknown = reasons[0];
  return isRecord(first) && typeof first.ruleId === 'string' ? `rule ${first.ruleId}` : '(none)';
}

function increment(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

export function formatSummary(s: SimulationSummary): string {
  const pct = (n: number) => (s.sent > 0 ? `${((100 * n) / s.sent).toFixed(2)}%` : '-');
  const lines = [
    `Simulation summary: ${s.durationS.toFixed(1)} s at a target of ${s.targetTps}/s`,
    `  sent            ${s.sent} (achieved ${s.achievedTps.toFixed(1)}/s), skipped ${s.skipped}`,
    `  2xx             ${s.ok2xx} (${pct(s.ok2xx)})`,
    `  4xx             ${s.client4xx}${s.client4xx > 0 ? `  top codes: ${top(s.errorCodes, 5)}` : ''}`,
    `  5xx             ${s.server5xx}`,
    `  network errors  ${s.networkErrors}${s.networkErrors > 0 ? `  (${top(s.networkErrorKinds, 3)})` : ''}`,
    `  latency ms      p50 ${formatMs(s.latencyMs.p50)}  p95 ${formatMs(s.latencyMs.p95)}  p99 ${formatMs(s.latencyMs.p99)}  max ${formatMs(s.latencyMs.max)}`,
    `  by status       ${top(s.byStatus, 10)}`,
    ...(Object.keys(s.declineReasons).length > 0 ? [`  declined for    ${top(s.declineReasons, 5)}`] : []),
    `  by direction    ${top(s.byDirection, 10)}${s.directionMismatches > 0 ? `  (${s.directionMismatches} not the direction meant)` : ''}`,
  ];
  if (s.otherStatus > 0) lines.splice(5, 0, `  other status    ${s.otherStatus}`);
  return lines.join('\n');
}

function top(counter: Record<string, number>, n: number): string {
  const entries = Object.entries(counter).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '-';
  return entries
    .slice(0, n)
    .map(([key, count]) => `${key} ${count}`)
    .join(', ');
}
