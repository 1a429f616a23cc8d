import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { startPlatform, type PlatformProcess } from '../bench/platform-process.ts';
import { bootstrapMerchants } from '../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants, type SimulatedParticipant } from '../bench/traffic/participants.ts';
import type { PayableMerchant } from '../bench/traffic/payment-generator.ts';
import { createSignedClient, type SignedClient } from '../bench/traffic/signed-client.ts';
import { Redis } from 'ioredis';
import { streamLag } from '../ingest/stream-lag.ts';
import { DEFAULT_WRITER_GROUP } from '../ingest/writer-options.ts';
import { AUDIT_STREAM } from '../server/audit-stream.ts';
import { openClickHouse } from '../server/clickhouse.ts';
import { startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { eventually } from './support/traffic.ts';

/**
 * The cross-node bound: a node publishes what it observed every 50 ms (risk.state.deltaIntervalMs)
 * and the others apply it on arrival; the margin covers one Redis round trip and a busy event loop.
 */
const CROSS_NODE_BOUND_MS = 250;

/**
 * The platform split over processes on one machine, as docker-compose.yml runs it: two
 * switch nodes, one ingest node (embedded ClickHouse) and one console node, sharing one
 * Redis. Each process is started the way `npm start -- --role X` starts it.
 */
describe('two switch nodes, one ingest node and one console node', () => {
  let dir: string;
  let redis: RedisProcess;
  let ingest: PlatformProcess;
  let consoleNode: PlatformProcess;
  let switches: PlatformProcess[];
  let clients: SignedClient[];
  let wallet: SimulatedParticipant;
  let merchant: PayableMerchant;
  const acknowledged = new Set<string>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-multi-node-'));
    redis = await startRedisServer({ dir });
    const env = (role: string, extra: Record<string, string> = {}) => ({ env: { ROLE: role, REDIS_URL: redis.url, ...extra }, healthTimeoutMs: 90_000 });
    // Ingest first: it migrates the embedded ClickHouse the others never open.
    ingest = await startPlatform({ ...env('ingest', { INGEST_CONSUMER: 'ingest-1' }), keepDataDir: true });
    [consoleNode, ...switches] = await Promise.all([startPlatform(env('console')), startPlatform(env('switch')), startPlatform(env('switch'))]);
    clients = switches.map((s) => createSignedClient(s.url, { connections: 8 }));
    const { participants } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
    const merchants = await bootstrapMerchants(clients[0]!, participants.filter((p) => p.kind === 'acquirer'));
    merchant = merchants.find((m) => m.id === 'm-cn-0001')!;
    wallet = participants.find((p) => p.id === 'siam-wallet')!;
  }, 240_000);

  afterAll(async () => {
    await Promise.all((clients ?? []).map((c) => c.close()));
    await Promise.all([...(switches ?? []), consoleNode, ingest].filter(Boolean).map((p) => p.stop(30_000)));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (ingest) rmSync(ingest.dataDir, { recursive: true, force: true });
  }, 120_000);

  const pay = async (node: number, deviceId: string, amount = '45.00') => {
    const body = {
      txnId: randomUUID(),
      qr: { payload: merchant.qrPayload },
      amount: { value: amount, currency: 'CNY' },
      payer: { walletId: `w-${randomUUID()}`, deviceId, ip: `198.51.100.${1 + Math.floor(Math.random() * 250)}`, country: 'TH' },
    };
    const r = await clients[node]!.send(wallet, 'POST', '/v1/payments', JSON.stringify(body));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const answer = r.body as { paymentId: string; status: string; risk: { decision: string; reasons: Array<{ ruleId: string; value: number; threshold: number }> } };
    acknowledged.add(answer.paymentId);
    return answer;
  };

  const login = async (url: string, username: string, password: string) => {
    const r = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect(r.status).toBe(200);
    return ((await r.json()) as { token: string }).token;
  };

  it('each process runs its role only', async () => {
    const health = async (p: PlatformProcess) => (await (await fetch(`${p.url}/health`, { headers: monitoringHeaders() })).json()) as Record<string, unknown>;
    expect(await health(switches[0]!)).toMatchObject({ status: 'ok', role: 'switch', clickhouseMode: 'not in this process' });
    expect(await health(ingest)).toMatchObject({ status: 'ok', role: 'ingest', clickhouseMode: 'embedded', risk: 'not in this process' });
    expect(await health(consoleNode)).toMatchObject({ status: 'ok', role: 'console', clickhouseMode: 'not in this process', risk: 'not in this process' });
    // The payment API is on switch nodes only; the console on console nodes only.
    expect((await fetch(`${consoleNode.url}/v1/payments`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${ingest.url}/v1/payments`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${switches[0]!.url}/v1/alerts`)).status).toBe(404);
    // Operators log in where they are served, not on the participant-facing switch nodes.
    expect((await fetch(`${switches[0]!.url}/v1/auth/login`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${consoleNode.url}/console/`)).status).toBe(200);
  });

  it('holds velocity limits across both switch nodes, and an alert raised on one reaches a console on the other', async () => {
    const token = await login(consoleNode.url, 'risk.officer', 'risk-officer-dev');
    const socket: Socket = connect(`${consoleNode.url}/console`, { auth: { token }, transports: ['websocket'], reconnection: false });
    const alerts: Array<{ paymentId: string; reasons: Array<{ ruleId: string }> }> = [];
    socket.on('alert', (a) => alerts.push(a));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const device = `dev-${randomUUID()}`;
      // A burst of five payments from one device, at once, spread over both nodes; each node
      // holds its own in memory and learns the other's within the delta bound (docs/scaling.md).
      const burst = await Promise.all([0, 1, 0, 1, 0].map((node) => pay(node, device)));
      expect(burst.map((a) => a.status)).toEqual(['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'APPROVED']);
      await new Promise((resolve) => setTimeout(resolve, CROSS_NODE_BOUND_MS));
      // The sixth, on the node that saw only two of the five itself.
      const sixth = await pay(1, device);
      expect(sixth).toMatchObject({ status: 'DECLINED', risk: { decision: 'decline' } });
      const reason = sixth.risk.reasons.find((r) => r.ruleId === 'velocity-device-burst');
      expect(reason).toMatchObject({ value: 6, threshold: 5 });
      // What each node applied of the other's, and how late: the measured cross-node delay.
      for (const node of switches) {
        const health = (await (await fetch(`${node.url}/health`, { headers: monitoringHeaders() })).json()) as { risk: { state: { warming: boolean; deltas: { applied: number; maxLagMs: number } } } };
        expect(health.risk.state.warming).toBe(false);
        expect(health.risk.state.deltas.applied).toBeGreaterThanOrEqual(2);
        console.log(`cross-node delay seen by ${node.url}: max ${health.risk.state.deltas.maxLagMs} ms over ${health.risk.state.deltas.applied} messages`);
      }
      // Raised on switch node 1 (the sixth went there), pushed to the console node's socket.
      const alert = await eventually(async () => alerts.find((a) => a.paymentId === sixth.paymentId), (a) => a !== undefined, 10_000);
      expect(alert!.reasons.map((r) => r.ruleId)).toContain('velocity-device-burst');
      // The console node sees it in its alert list too (state in Redis).
      const listed = await fetch(`${consoleNode.url}/v1/alerts?status=open`, { headers: { authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
      const { alerts: open } = (await listed.json()) as { alerts: Array<{ paymentId: string }> };
      expect(open.map((a) => a.paymentId)).toContain(sixth.paymentId);
    } finally {
      socket.close();
    }
  }, 60_000);

  it('lands every payment acknowledged by either switch node in ClickHouse exactly once', async () => {
    // Concurrent traffic on both nodes: distinct devices, so nothing is stopped by velocity.
    await Promise.all(
      [0, 1].flatMap((node) =>
        Array.from({ length: 8 }, async (_, worker) => {
          for (let i = 0; i < 25; i++) await pay(node, `dev-${node}-${worker}-${i}-${randomUUID()}`, '12.00');
        }),
      ),
    );
    expect(acknowledged.size).toBeGreaterThanOrEqual(400);
    // ClickHouse lives in the ingest node; a compliance officer reads it there.
    const token = await login(ingest.url, 'compliance', 'compliance-dev');
    const sql = async (query: string) => {
      const r = await fetch(`${ingest.url}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      expect(r.status).toBe(200);
      return ((await r.json()) as { rows: Array<Record<string, string | number>> }).rows[0]!;
    };
    // Every payment of this test went through the two switch nodes.
    const counted = await eventually(
      () => sql(`SELECT toUInt32(count()) AS n, toUInt32(uniqExact(payment_id)) AS distinct_ids FROM cpg.transactions WHERE message_type = 'payment'`),
      (r) => Number(r.n) >= acknowledged.size,
      30_000,
    );
    expect(counted).toEqual({ n: acknowledged.size, distinct_ids: acknowledged.size });
    // The alert raised on a switch node took the alert-events stream into ClickHouse.
    const alerted = await eventually(
      () => sql(`SELECT toUInt32(count()) AS n FROM cpg.alert_events WHERE kind = 'created' AND rule_id = 'velocity-device-burst'`),
      (r) => Number(r.n) >= 1,
      15_000,
    );
    expect(alerted.n).toBe(1);
  }, 180_000);

  it("writes the console node's audit (it has no ClickHouse) through the ingest node", async () => {
    const denied = await fetch(`${consoleNode.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'not-the-password' }) });
    expect(denied.status).toBe(401);
    // Once the ingest node's audit writer has taken everything from the stream, it is stopped,
    // so its embedded ClickHouse can be opened here.
    const reader = new Redis(redis.url);
    try {
      await eventually(() => streamLag(reader, AUDIT_STREAM, DEFAULT_WRITER_GROUP), (lag) => lag.lagMs === 0 && lag.pending === 0, 15_000);
    } finally {
      reader.disconnect();
    }
    await ingest.stop(30_000);
    const clickhouse = await openClickHouse({ dataDir: ingest.dataDir });
    try {
      const rows = await (
        await clickhouse.client.query({
          query: `SELECT actor, action, outcome FROM cpg.audit_log WHERE action = 'login' ORDER BY at`,
          format: 'JSONEachRow',
        })
      ).json<{ actor: string; action: string; outcome: string }>();
      expect(rows).toContainEqual({ actor: 'risk.officer', action: 'login', outcome: 'ok' });
      expect(rows).toContainEqual({ actor: 'admin', action: 'login', outcome: 'denied' });
    } finally {
      await clickhouse.close();
    }
  }, 120_000);
});
