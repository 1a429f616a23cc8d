import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { participantHttp, type Exchange, type ParticipantHttp } from './support/participant-http.ts';
import { repoRoot, startTestPlatform } from './support/platform.ts';
import { startSlowSwarm, type SlowKind, type SwarmReport } from './support/slow-swarm.ts';
import { merchantQrs, mixedPayment, pacedTraffic } from './support/traffic.ts';

/**
 * 200 clients that are slow on purpose, from 127.0.0.2, against a real platform node (its
 * redis-server and embedded ClickHouse), while a participant on 127.0.0.1 keeps paying.
 * Each kind of slowness is closed by the server at its timeout; none of them takes an
 * admission place, so the signed payments are answered as fast as ever. The timeouts are
 * short for the test (config `http`), the checking interval too.
 */
const LIMITS = {
  headersTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  keepAliveTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 100,
  maxConnectionsPerAddress: 200,
};
const SLOW_ADDRESS = '127.0.0.2';
const PER_KIND = 50;
/** A timeout fires after its time, within one checking interval; the rest is the event loop on two shared cores. */
const LATE_BY_AT_MOST_MS = LIMITS.timeoutCheckIntervalMs + 400;
const PAYMENTS_PER_S = 100;

/** Which timeout must close each kind of slow client (test/support/slow-swarm-process.ts says what each sends). */
const EXPECTED: Record<SlowKind, { timeoutMs: number; message: RegExp }> = {
  idle: { timeoutMs: LIMITS.headersTimeoutMs, message: /headers did not arrive/ },
  'partial headers': { timeoutMs: LIMITS.headersTimeoutMs, message: /headers did not arrive/ },
  'trickled body': { timeoutMs: LIMITS.requestTimeoutMs, message: /body did not arrive/ },
  'stalled body': { timeoutMs: LIMITS.requestTimeoutMs, message: /body did not arrive/ },
};
const KINDS = Object.keys(EXPECTED) as SlowKind[];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const latencies = (exchanges: Exchange[]) => exchanges.map((p) => p.endedAt - p.sentAt);

describe('slow clients cannot take the node', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let configDir: string;
  let client: ParticipantHttp;
  const payments: Exchange[] = [];
  let swarm: SwarmReport;
  let before: { from: number; to: number };

  beforeAll(async () => {
    configDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-slow-clients-'));
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ ...config, http: LIMITS }));
    platform = await startTestPlatform({ CONFIG: path.join(configDir, 'config.json') });
    const base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    const qr = await merchantQrs(platform.app);
    client = participantHttp(base, { connections: 4 });
    // Warm: the first payments of a process compile and connect what the rest reuse.
    for (let i = 0; i < 20; i++) expect((await client.post(mixedPayment(qr, i).participant, '/v1/payments', mixedPayment(qr, i).body, 5000)).status).toBe(200);

    const traffic = pacedTraffic(PAYMENTS_PER_S, 4, async (i) => {
      const { participant, body } = mixedPayment(qr, 1000 + i);
      payments.push(await client.post(participant, '/v1/payments', body, 5000));
    });
    const slowClients = await startSlowSwarm();
    // A second of the same traffic alone first: what this machine does without slow clients.
    before = { from: Date.now(), to: 0 };
    await new Promise((r) => setTimeout(r, 1000));
    before.to = Date.now();
    swarm = await slowClients.run({
      port: Number(new URL(base).port),
      localAddress: SLOW_ADDRESS,
      perKind: Object.fromEntries(KINDS.map((k) => [k, PER_KIND])),
      // Past twice the longest timeout, what is still open is a failure.
      giveUpAfterMs: 2 * LIMITS.requestTimeoutMs + 1000,
    });
    await traffic.stop();
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await platform?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('keeps answering signed payments meanwhile, every one 200, p99 under 100 ms', () => {
    const during = payments.filter((p) => p.endedAt >= swarm.openedAt && p.sentAt <= swarm.endedAt);
    // Paced, so on a loaded machine fewer are sent rather than queued: enough to read a p99 from.
    expect(during.length).toBeGreaterThanOrEqual(50);
    expect(during.filter((p) => p.status !== 200).map((p) => ({ status: p.status, body: p.body, error: p.error }))).toEqual([]);
    const baseline = latencies(payments.filter((p) => p.sentAt >= before.from && p.endedAt <= before.to));
    const worst = latencies(during).sort((a, b) => b - a).slice(0, 10);
    expect(percentile(latencies(during), 99), `worst (ms): ${JSON.stringify(worst)}; p99 before the slow clients: ${percentile(baseline, 99)} ms`).toBeLessThan(100);
  });

  it('closes every slow client from the server side, at its timeout and not before', () => {
    expect(swarm.clients.filter((c) => 'stillOpen' in c).map((c) => c.kind)).toEqual([]);
    for (const kind of KINDS) {
      const { timeoutMs, message } = EXPECTED[kind];
      const ends = swarm.clients.filter((c): c is Extract<typeof c, { afterMs: number }> => c.kind === kind && !('stillOpen' in c));
      expect(ends.length, kind).toBe(PER_KIND);
      expect(ends.filter((e) => !e.byServer), kind).toEqual([]);
      const afterMs = ends.map((e) => e.afterMs);
      expect(Math.min(...afterMs), `${kind}: closed before its timeout`).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(Math.max(...afterMs), `${kind}: closed late`).toBeLessThanOrEqual(timeoutMs + LATE_BY_AT_MOST_MS);
      // Each was told why, in the platform's error shape.
      for (const e of ends) {
        const [head, body] = e.received.split('\r\n\r\n');
        expect(head, kind).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
        expect(JSON.parse(body!), kind).toEqual({ error: { code: 'REQUEST_TIMEOUT', message: expect.stringMatching(message) } });
      }
    }
  });

  it('closes a connection past the per-address bound as it is accepted, without bounding the honest address', () => {
    expect(swarm.overBound).toMatchObject({ byServer: true, received: '' });
    expect(swarm.overBound.afterMs).toBeLessThan(1000);
  });

  it('counts the timeouts and the refusal in /metrics, and admitted none of the slow requests', async () => {
    const anonymous = await platform.app.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    const text = (await platform.app.inject({ method: 'GET', url: '/metrics', headers: monitoringHeaders() })).body;
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('cpg_http_client_errors_total{reason="headers_timeout"}')).toBe(2 * PER_KIND);
    expect(value('cpg_http_client_errors_total{reason="body_timeout"}')).toBe(2 * PER_KIND);
    expect(value('cpg_http_connections_refused_total{scope="address"}')).toBe(1);
    expect(value('cpg_admission_refused_total')).toBe(0);
    expect(value('cpg_authorisations_in_flight')).toBe(0);
  });
});
