import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config/load.ts';
import { startPlatform, type Platform } from '../server/platform.ts';
import { freeLoopbackPort, startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { participantHttp, type Exchange, type ParticipantHttp } from './support/participant-http.ts';
import { repoRoot } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs, mixedPayment, pacedTraffic, scalar } from './support/traffic.ts';

/**
 * Redis restarted under load, for real: a redis-server this test owns (AOF on, its own
 * directory), the platform in this process pointed at it with REDIS_URL, and signed
 * payments over HTTP while Redis is stopped with SIGTERM (it flushes its AOF) and started
 * again on the same port and directory.
 *
 * The failure policy under test: the risk step alone falls back to RISK_DEGRADED when its
 * Redis look-up fails (docs/rules.md), but a payment cannot be authorised without Redis at
 * all (nonce, txnId claim, ledger, tap): such a request is refused with 503
 * DEPENDENCY_DOWN, which is safe to send again with the same txnId.
 */

/** The participant gives up on an answer after this long: every request must be answered sooner. */
const CLIENT_TIMEOUT_MS = 8000;
/** At most this many payments a second, from this many participant connections. */
const RATE = 300;
const WORKERS = 48;

interface Sent extends Exchange {
  participant: string;
  request: Record<string, unknown>;
}

const isDegraded = (x: Exchange) => (x.body?.risk?.reasons ?? []).some((r: { ruleId: string }) => r.ruleId === 'RISK_DEGRADED');
const isRefused = (x: Exchange) => x.status === 503 && x.body?.error?.code === 'DEPENDENCY_DOWN';
const summary = (x: Sent) => ({ status: x.status, body: x.body, error: x.error, ms: x.endedAt - x.sentAt });

describe('Redis restarted under load', () => {
  let dir: string;
  let redisServer: RedisProcess;
  let platform: Platform;
  let client: ParticipantHttp;
  let qr: Record<string, string>;
  const sent: Sent[] = [];
  const errorLog: string[] = [];
  /** Epoch ms: SIGTERM sent to redis-server; it exited; it answered PING again; the platform's connection was ready again. */
  const at = { stopping: 0, stopped: 0, restarted: 0, reconnected: 0 };
  let alertAfter = '';
  let healthWhileDown: { status: number; body: Record<string, any>; ms: number } | undefined;

  const ch = () => platform.clickhouse.client;
  /** A payer from a sanctioned country: declined, and an alert raised (a fresh payer each time). */
  const payFromSanctionedCountry = async () => {
    const walletId = `w-kp-${randomUUID()}`;
    const r = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: '20.00', currency: 'CNY' }, payer: { walletId, deviceId: `d-${walletId}`, country: 'KP' } },
    });
    expect(r.status).toBe(200);
    expect(r.body.risk.decision).toBe('decline');
    return r.body.paymentId as string;
  };
  const alertEventsOf = (paymentId: string) => scalar(ch(), 'SELECT count() FROM cpg.alert_events WHERE payment_id = {p:String}', { p: paymentId });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-fault-redis-'));
    const redisDir = path.join(dir, 'redis');
    const port = await freeLoopbackPort();
    redisServer = await startRedisServer({ dir: redisDir, port });
    const config = loadConfig({ DATA_DIR: path.join(dir, 'platform'), REDIS_URL: redisServer.url, LOG_LEVEL: 'silent', RISK_DEADLINE_MS: '1000' }, repoRoot);
    // Errors only, kept to explain an unexpected answer.
    platform = await startPlatform(config, { level: 'error', stream: { write: (line: string) => void errorLog.push(line) } });
    // The connection may be ready again before startRedisServer() has seen its own PONG.
    platform.redis.on('ready', () => {
      if (at.stopped > 0 && at.reconnected === 0) at.reconnected = Date.now();
    });
    const base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    client = participantHttp(base, { connections: WORKERS });
    qr = await merchantQrs(platform.app);
    const alertBefore = await payFromSanctionedCountry();
    await eventually(() => alertEventsOf(alertBefore), (n) => n === 1, 30_000);

    // Up to RATE payments a second from WORKERS connections, each waiting for its answer (or its timeout).
    const traffic = pacedTraffic(RATE, WORKERS, async (i) => {
      const { participant, body } = mixedPayment(qr, i);
      sent.push({ ...(await client.post(participant, '/v1/payments', body, CLIENT_TIMEOUT_MS)), participant, request: body });
    });
    /** How many answers came to requests sent since `from`, and how long ago that was. */
    const since = (from: number, pick: (x: Sent) => boolean = () => true) => async () => ({
      answers: sent.filter((x) => x.sentAt >= from && pick(x)).length,
      ms: Date.now() - from,
    });

    await eventually(since(0, (x) => x.status === 200), (v) => v.answers >= 400, 60_000);
    at.stopping = Date.now();
    await redisServer.stop(15_000);
    at.stopped = Date.now();
    const asked = Date.now();
    healthWhileDown = { ...(await client.get('/health', CLIENT_TIMEOUT_MS)), ms: Date.now() - asked };
    // A few seconds of traffic against no Redis at all.
    await eventually(since(at.stopped), (v) => v.answers >= 100 && v.ms >= 3000, 60_000);
    redisServer = await startRedisServer({ dir: redisDir, port, password: redisServer.password });
    at.restarted = Date.now();
    await eventually(async () => at.reconnected, (t) => t > 0, 30_000);
    await eventually(since(at.reconnected, (x) => x.status === 200), (v) => v.answers >= 400 && v.ms >= 3000, 60_000);
    await traffic.stop();
    alertAfter = await payFromSanctionedCountry();
  }, 240_000);

  afterAll(async () => {
    await client?.close();
    await platform?.close();
    await redisServer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request within the participant timeout', () => {
    expect(sent.length).toBeGreaterThanOrEqual(900);
    expect(sent.filter((x) => typeof x.status !== 'number').map(summary)).toEqual([]);
  });

  it('refuses with 503 DEPENDENCY_DOWN only while Redis is down; whatever it approves meanwhile follows the risk fallback', () => {
    const unexpected = sent.filter((x) => x.status !== 200 && !isRefused(x)).map(summary);
    expect({ unexpected, unhandled: unexpected.length ? errorLog.filter((l) => l.includes('unhandled error')) : [] }).toEqual({ unexpected: [], unhandled: [] });
    const refused = sent.filter(isRefused);
    // The outage was felt, and only by requests that overlapped it.
    expect(refused.length).toBeGreaterThan(0);
    const overlapsOutage = (x: Sent) => x.endedAt >= at.stopping && x.sentAt <= at.reconnected;
    expect(refused.filter((x) => !overlapsOutage(x)).map(summary)).toEqual([]);
    for (const x of sent.filter(isRefused)) expect(x.body!.error.message).toMatch(/send the request again/);
    // Every payment of this traffic is far below the fallback's USD 500: approved with score 0.
    const degraded = sent.filter(isDegraded);
    expect(degraded.filter((x) => !overlapsOutage(x)).map(summary)).toEqual([]);
    for (const x of degraded) expect(x.body).toMatchObject({ status: 'APPROVED', risk: { score: 0, decision: 'approve' } });
  });

  it('says on /health that Redis is down while it is', () => {
    // The public answer, as a load balancer sees it: down, naming what is down.
    expect(healthWhileDown).toMatchObject({ status: 503, body: { status: 'down', error: { code: 'DEPENDENCY_DOWN', message: expect.stringMatching(/not answering: redis/) } } });
    expect(healthWhileDown!.ms).toBeLessThan(CLIENT_TIMEOUT_MS);
  });

  it('scores payments normally again once the connection is back, by itself', async () => {
    const after = sent.filter((x) => x.sentAt > at.reconnected);
    expect(after.length).toBeGreaterThanOrEqual(400);
    expect(after.filter((x) => x.status !== 200 || isDegraded(x)).map(summary)).toEqual([]);
    const health = await client.get('/health', 5000);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('kept every acknowledged payment through the restart (AOF), and lands each in ClickHouse exactly once', async () => {
    const acknowledged = sent.filter((x) => x.status === 200).map((x) => x.body!.paymentId as string);
    expect(await platform.redis.exists(...acknowledged.map((id) => `paystate:${id}`))).toBe(acknowledged.length);
    await eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 60_000);
    const rows = await (
      await ch().query({
        query: 'SELECT payment_id, toUInt32(count()) AS n FROM cpg.transactions WHERE payment_id IN {ids:Array(String)} GROUP BY payment_id',
        query_params: { ids: acknowledged },
        format: 'JSONEachRow',
      })
    ).json<{ payment_id: string; n: number }>();
    const seen = new Map(rows.map((r) => [r.payment_id, Number(r.n)]));
    expect({
      acknowledged: acknowledged.length,
      missing: acknowledged.filter((id) => !seen.has(id)).length,
      twice: [...seen.values()].filter((n) => n !== 1).length,
    }).toEqual({ acknowledged: acknowledged.length, missing: 0, twice: 0 });
  }, 90_000);

  it('processes a refused payment sent again exactly once', async () => {
    // A refusal may hide a commit whose reply was lost: sending it again answers either way.
    const refused = sent.filter(isRefused);
    // An attempt cut off between its claim and its commit gave its claim back once Redis
    // answered again: one more try gets the answer, without a 409 TXN_IN_PROGRESS.
    const again = await Promise.all(
      refused.map(async (x) => ({ txnId: x.request.txnId as string, answer: await client.post(x.participant, '/v1/payments', x.request, CLIENT_TIMEOUT_MS) })),
    );
    expect(again.filter((a) => a.answer.status !== 200).map((a) => a.answer)).toEqual([]);
    await eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 60_000);
    const txnIds = sent.map((x) => x.request.txnId as string);
    const perTxn = await (
      await ch().query({
        query: `SELECT txn_id, toUInt32(count()) AS n, any(payment_id) AS payment_id FROM cpg.transactions
                WHERE message_type = 'payment' AND txn_id IN {ids:Array(String)} GROUP BY txn_id`,
        query_params: { ids: txnIds },
        format: 'JSONEachRow',
      })
    ).json<{ txn_id: string; n: number; payment_id: string }>();
    const byTxn = new Map(perTxn.map((r) => [r.txn_id, r]));
    expect(perTxn.filter((r) => Number(r.n) !== 1)).toEqual([]);
    expect(txnIds.filter((id) => !byTxn.has(id))).toEqual([]);
    expect(again.filter((a) => byTxn.get(a.txnId)?.payment_id !== a.answer.body?.paymentId)).toEqual([]);
  }, 90_000);

  it('resumes the ingest and alert-events writers without a restart of the platform', async () => {
    const writtenAfterRestart = await scalar(ch(), 'SELECT count() FROM cpg.transactions WHERE received_at > fromUnixTimestamp64Milli({t:Int64})', { t: at.reconnected });
    expect(writtenAfterRestart).toBeGreaterThanOrEqual(400);
    await eventually(() => alertEventsOf(alertAfter), (n) => n === 1, 30_000);
  });
});
