import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../bench/platform-process.ts';
import { bootstrapMerchants } from '../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../bench/traffic/participants.ts';
import { createSignedClient } from '../bench/traffic/signed-client.ts';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import { repoRoot } from './support/platform.ts';
import { eventually } from './support/traffic.ts';

/**
 * A case's SLA clock across restarts of the platform's process: the clock is the test's (its
 * warning and deadline are moved into the past in Redis, which every process shares), the
 * sweeps run every second, and the process is stopped between the warning and the deadline
 * and again after the escalation. The case is warned once and escalated once, and the
 * escalation webhook is posted once, whichever process swept.
 */
describe('the SLA clock across a restart of the process', () => {
  let redis: TestRedis;
  let hook: Server;
  let configDir: string;
  const posted: string[] = [];
  let node: PlatformProcess | undefined;

  beforeAll(async () => {
    redis = await startTestRedis();
    hook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        posted.push(body);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    configDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-sla-restart-'));
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8'));
    config.cases = {
      ...config.cases,
      sla: { workingDays: 5, warnDays: 1, sweepSeconds: 1, webhookUrl: `http://127.0.0.1:${(hook.address() as { port: number }).port}/escalations`, webhookSecret: 'sla-restart-webhook-secret-0123456789' },
    };
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(config));
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    await new Promise((resolve) => hook?.close(resolve));
    await redis?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const start = () => startPlatform({ env: { CONFIG: path.join(configDir, 'config.json'), REDIS_URL: redis.server.url } });

  it('warns and escalates a case once each, and posts its escalation once, across two restarts', async () => {
    const conn = redis.connect();
    node = await start();
    // A declined payment (a sanctioned payer) opens a case by the default policy.
    const { participants } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
    const client = createSignedClient(node.url, { connections: 1 });
    const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
    const walletId = `w-${randomUUID()}`;
    const paid = await client.send(participants.find((p) => p.id === 'siam-wallet')!, 'POST', '/v1/payments', JSON.stringify({
      txnId: randomUUID(),
      qr: { payload: merchants.find((m) => m.id === 'm-cn-0001')!.qrPayload },
      amount: { value: '45.00', currency: 'CNY' },
      payer: { walletId, name: 'Kim Jong Un', deviceId: `d-${walletId}`, country: 'TH' },
    }));
    await client.close();
    expect((paid.body as { status: string }).status).toBe('DECLINED');
    const caseId = await eventually(
      async () => (await conn.get(`casesubject:wallet:siam-wallet:${walletId}`)) ?? undefined,
      (id) => id !== undefined,
      10_000,
    );
    const key = `case:${caseId}`;
    const timelineKinds = async () => (await conn.lrange(`${key}:timeline`, 0, -1)).map((line) => (JSON.parse(line) as { kind: string }).kind);

    // The warning falls due now: the first process warns.
    await conn.hset(key, 'slaWarnAt', String(Date.now() - 1000));
    await conn.zadd('cases:sla', Date.now() - 1000, caseId!);
    await eventually(() => conn.hget(key, 'slaWarnedAt'), (at) => !!at, 15_000);
    expect((await node.stop()).code).toBe(0);

    // The deadline passes while no process runs: the next one escalates, once.
    await conn.hset(key, 'slaDeadlineAt', String(Date.now() - 500));
    await conn.zadd('cases:sla', Date.now() - 500, caseId!);
    node = await start();
    await eventually(() => conn.hget(key, 'slaEscalatedAt'), (at) => !!at, 15_000);
    await eventually(async () => posted.length, (n) => n >= 1, 15_000);
    expect((await node.stop()).code).toBe(0);

    // A third process sweeps for a few seconds: nothing is warned, escalated or posted again.
    node = await start();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const kinds = await timelineKinds();
    expect(kinds.filter((k) => k === 'sla_warning')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'sla_escalated')).toHaveLength(1);
    expect(await conn.hget(key, 'state')).toBe('escalated');
    expect(posted).toHaveLength(1);
    expect(JSON.parse(posted[0]!)).toMatchObject({ type: 'case.sla', kind: 'escalated', caseId });
  }, 180_000);
});
