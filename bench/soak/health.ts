import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { monitoringHeaders } from '../monitoring.ts';
import { isRecord } from '../traffic/participants.ts';

/**
 * The ingest figures the platform reports in GET /health's details (server/platform.ts
 * healthDetails, read with the monitoring token): the stream's lag as Redis sees it, and
 * the writer's own counters.
 */
export interface IngestHealth {
  /** Age of the oldest tap entry not yet acknowledged into ClickHouse; 0 when caught up. */
  lagMs: number;
  /** Entries delivered to the writer and not yet acknowledged. */
  pending: number;
  /** Entries in the stream, acknowledged ones included until the writer trims them (every ~5 s). */
  streamLength: number;
  /** Rows the writer has inserted and acknowledged since the platform started (every tapped message). */
  rows: number;
  batches: number;
  failures: number;
  deadLetters: number;
  retrying: boolean;
}

export interface HealthReading {
  /** HTTP status, or 0 when no answer came. */
  status: number;
  ms: number;
  ingest?: IngestHealth;
  /** Payments the risk engine scored, and of those decided by the fallback. */
  risk?: { scored: number; degraded: number };
  error?: string;
}

export async function readHealth(url: string, timeoutMs = 5000): Promise<HealthReading> {
  const started = performance.now();
  try {
    const response = await request(`${url}/health`, { headers: monitoringHeaders(), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const body = (await response.body.json()) as unknown;
    const ms = performance.now() - started;
    const ingest = isRecord(body) ? ingestOf(body.ingest) : undefined;
    const risk = isRecord(body) && isRecord(body.risk) ? { scored: Number(body.risk.scored), degraded: Number(body.risk.degraded) } : undefined;
    return {
      status: response.statusCode,
      ms,
      ...(ingest ? { ingest } : { error: 'no ingest figures in /health (is the writer in this process?)' }),
      ...(risk ? { risk } : {}),
    };
  } catch (e) {
    return { status: 0, ms: performance.now() - started, error: (e as Error).message };
  }
}

function ingestOf(value: unknown): IngestHealth | undefined {
  if (!isRecord(value) || typeof value.lagMs !== 'number' || typeof value.rows !== 'number') return undefined;
  const n = (key: string) => (typeof value[key] === 'number' ? (value[key] as number) : 0);
  return {
    lagMs: value.lagMs,
    pending: n('pending'),
    streamLength: n('streamLength'),
    rows: value.rows,
    batches: n('batches'),
    failures: n('failures'),
    deadLetters: n('deadLetters'),
    retrying: value.retrying === true,
  };
}
