import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { insertFailures } from './support/insert-failures.ts';
import { startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs, mixedPayment, pacedTraffic, scalar, sendPayments } from './support/traffic.ts';

/**
 * ClickHouse failing for a whole minute while payments flow at a steady rate: every insert
 * of the ingest writer fails (at the client boundary, as in test/ingest.test.ts), the tap's
 * Redis Stream holds everything meanwhile, and the writer catches up exactly once after.
 */

const OUTAGE_MS = 60_000;
/** Payments a second, from a few participants each waiting for its answer. */
const RATE = 50;
const WORKERS = 8;
/** /health is read this often during the outage. */
const SAMPLE_EVERY_MS = 10_000;

interface Answer {
  status: number;
  body: Record<string, any>;
  sentAt: number;
}

interface HealthSample {
  at: number;
  status: number;
  body: Record<string, any>;
  rowsInClickHouse: number;
}

const isDegraded = (a: Answer) => (a.body.risk?.reasons ?? []).some((r: { ruleId: string }) => r.ruleId === 'RISK_DEGRADED');

describe('ClickHouse down for a minute under steady traffic', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  // The client boundary where ClickHouse failures are injected.
  const clickhouse = insertFailures();
  const answers: Answer[] = [];
  const samples: HealthSample[] = [];
  let rowsBefore = 0;
  const at = { outage: 0, restored: 0 };

  const ch = () => platform.clickhouse.client;
  const caughtUp = () => eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 60_000);

  beforeAll(async () => {
    platform = await startTestPlatform({}, { wrapInsert: clickhouse.wrapInsert });
    const qr = await merchantQrs(platform.app);
    // Some history first, so "nothing written" compares against rows that are there.
    const warmUp = await sendPayments(platform.app, qr, 200, 8, 1_000_000);
    expect(warmUp.every((a) => a.status === 200)).toBe(true);
    await caughtUp();
    rowsBefore = await scalar(ch(), 'SELECT count() FROM cpg.transactions');

    const traffic = pacedTraffic(RATE, WORKERS, async (i) => {
      const { participant, body } = mixedPayment(qr, i);
      const sentAt = Date.now();
      const r = await signed(platform.app, { participant, method: 'POST', path: '/v1/payments', body });
      answers.push({ status: r.status, body: r.body, sentAt });
    });

    clickhouse.failing = true;
    at.outage = Date.now();
    // The outage lasts a fixed minute: /health is sampled along the way.
    while (Date.now() - at.outage < OUTAGE_MS) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_EVERY_MS, OUTAGE_MS - (Date.now() - at.outage))));
      const health = await platform.app.inject({ method: 'GET', url: '/health', headers: monitoringHeaders() });
      samples.push({ at: Date.now(), status: health.statusCode, body: health.json(), rowsInClickHouse: await scalar(ch(), 'SELECT count() FROM cpg.transactions') });
    }
    clickhouse.failing = false;
    at.restored = Date.now();
    // Traffic goes on while the writer catches up.
    await eventually(async () => answers.filter((a) => a.sentAt > at.restored).length, (n) => n >= 5 * RATE, 60_000);
    await traffic.stop();
    await caughtUp();
  }, 240_000);
  afterAll(async () => platform?.stop());

  it('authorises every payment as usual meanwhile: all 200, none degraded, at a steady rate', () => {
    expect(answers.filter((a) => a.status !== 200 || isDegraded(a)).map((a) => ({ status: a.status, body: a.body }))).toEqual([]);
    const during = answers.filter((a) => a.sentAt >= at.outage && a.sentAt < at.restored).length;
    // Half the target rate at least, on two shared cores; it is usually the full RATE.
    expect(during).toBeGreaterThanOrEqual((RATE * OUTAGE_MS) / 1000 / 2);
  });

  it('writes nothing to ClickHouse while it fails, and keeps retrying', () => {
    expect(samples.map((s) => s.rowsInClickHouse)).toEqual(samples.map(() => rowsBefore));
    expect(clickhouse.attemptsWhileFailing).toBeGreaterThanOrEqual(10);
  });

  it('reports on /health the ingest lag growing with the outage, ClickHouse itself answering', () => {
    expect(samples.length).toBe(Math.ceil(OUTAGE_MS / SAMPLE_EVERY_MS));
    for (const s of samples) {
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ status: 'ok', checks: { clickhouse: { status: 'up' }, redis: { status: 'up' } }, ingest: { retrying: true } });
      // The oldest entry not in ClickHouse was appended within a batch wait of the outage's start.
      expect(s.body.ingest.lagMs).toBeGreaterThanOrEqual(s.at - at.outage - 3000);
    }
    const lags = samples.map((s) => s.body.ingest.lagMs as number);
    expect(lags).toEqual([...lags].sort((a, b) => a - b));
    expect(new Set(lags).size).toBe(lags.length);
    expect(lags.at(-1)).toBeGreaterThanOrEqual(OUTAGE_MS - 3000);
    const backlog = samples.map((s) => (s.body.ingest.pending as number) + (s.body.ingest.streamLength as number));
    expect(backlog.at(-1)).toBeGreaterThan(backlog[0]!);
    const failures = samples.map((s) => s.body.ingest.failures as number);
    expect(failures.at(-1)).toBeGreaterThan(failures[0]!);
  });

  it('catches up with every acknowledged payment exactly once, and the per-minute aggregates agree', async () => {
    const ids = answers.map((a) => a.body.paymentId as string);
    const rows = await (
      await ch().query({
        query: 'SELECT payment_id, toUInt32(count()) AS n FROM cpg.transactions WHERE payment_id IN {ids:Array(String)} GROUP BY payment_id',
        query_params: { ids },
        format: 'JSONEachRow',
      })
    ).json<{ payment_id: string; n: number }>();
    const seen = new Map(rows.map((r) => [r.payment_id, Number(r.n)]));
    expect({ missing: ids.filter((id) => !seen.has(id)).length, twice: [...seen.values()].filter((n) => n !== 1).length }).toEqual({ missing: 0, twice: 0 });
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions')).toBe(rowsBefore + ids.length);
    const perMinute = async (query: string) => (await ch().query({ query, format: 'JSONEachRow' })).json();
    const direct = await perMinute(
      `SELECT toString(toStartOfMinute(received_at)) AS minute, participant, corridor, decision, status, message_type, toString(count()) AS n
       FROM cpg.transactions GROUP BY ALL ORDER BY ALL`,
    );
    const aggregated = await perMinute(
      `SELECT toString(minute) AS minute, participant, corridor, decision, status, message_type, toString(sum(messages)) AS n
       FROM cpg.transactions_per_minute GROUP BY ALL ORDER BY ALL`,
    );
    expect(direct.length).toBeGreaterThan(1);
    expect(aggregated).toEqual(direct);
    const health = (await platform.app.inject({ method: 'GET', url: '/health', headers: monitoringHeaders() })).json();
    expect(health.ingest).toMatchObject({ lagMs: 0, pending: 0, retrying: false });
  });
});
