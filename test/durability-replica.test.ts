import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs, mixedPayment, sendPayments } from './support/traffic.ts';

/*
 * `redis.durability: replica` on a real primary and replica: a payment is answered only
 * once the replica has its commit (WAIT on the commit's connection); when the replica does
 * not acknowledge in time the payment is answered 503 DEPENDENCY_DOWN, though it was
 * committed on the primary, and the retry of the same txnId gets that payment.
 */
describe('replica durability', () => {
  let dir: string;
  let primary: RedisProcess;
  let replica: RedisProcess;
  let replicaPid: number;
  let admin: Redis;
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let qr: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-durability-replica-'));
    primary = await startRedisServer({ dir: path.join(dir, 'primary') });
    replica = await startRedisServer({ dir: path.join(dir, 'replica'), replicaOf: { port: primary.port, password: primary.password } });
    replicaPid = Number(readFileSync(path.join(dir, 'replica', 'redis.pid'), 'utf8'));
    admin = new Redis(primary.url);
    await eventually(() => admin.info('replication'), (info) => /connected_slaves:1/.test(info) && /slave0:.*state=online/.test(info), 15_000);
    platform = await startTestPlatform({ REDIS_URL: primary.url, REDIS_DURABILITY: 'replica' });
    qr = await merchantQrs(platform.app);
  });
  afterAll(async () => {
    if (replicaPid) process.kill(replicaPid, 'SIGCONT');
    await platform?.stop();
    admin?.disconnect();
    await replica?.stop();
    await primary?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const waits = async () => Number(/cmdstat_wait:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);

  it('answers payments once the replica acknowledged them, concurrent commits sharing a WAIT', async () => {
    const before = await waits();
    const answers = await sendPayments(platform.app, qr, 64, 32);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const issued = (await waits()) - before;
    expect(issued).toBeGreaterThanOrEqual(1);
    expect(issued).toBeLessThanOrEqual(64);
  });

  it('answers 503 DEPENDENCY_DOWN when the replica does not acknowledge in time; the retry gets the committed payment', async () => {
    const { participant, body } = mixedPayment(qr, 1000);
    process.kill(replicaPid, 'SIGSTOP');
    let first;
    try {
      first = await signed(platform.app, { participant, method: 'POST', path: '/v1/payments', body });
    } finally {
      process.kill(replicaPid, 'SIGCONT');
    }
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe('DEPENDENCY_DOWN');
    // Committed on the primary all the same: the same txnId is answered with it, not switched again.
    const txn = await admin.get(`txn:${participant}:${body.txnId as string}`);
    expect(txn).toMatch(/^D\|/);
    const paymentId = txn!.split('|')[2];
    const retry = await eventually(
      () => signed(platform.app, { participant, method: 'POST', path: '/v1/payments', body }),
      (r) => r.status === 200,
      10_000,
    );
    expect(retry.body.paymentId).toBe(paymentId);
  });
});
