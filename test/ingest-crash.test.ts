import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse } from '../server/clickhouse.ts';
import { startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { sampleEvent } from '../bench/traffic/tap-events.ts';
import { repoRoot } from './support/platform.ts';
import { scalar } from './support/traffic.ts';

const STREAM = 'tap:transactions';

function runWriter(env: Record<string, string>): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/writer-child.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('ingest writer killed between insert and acknowledgement', () => {
  let redisServer: RedisProcess;
  let redis: Redis;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-crash-'));
    redisServer = await startRedisServer({ dir: path.join(dataDir, 'redis') });
    redis = new Redis(redisServer.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await redisServer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing and doubles nothing after a restart', async () => {
    const total = 1000;
    const pipeline = redis.pipeline();
    for (let i = 0; i < total; i++) pipeline.xadd(STREAM, '*', 'e', JSON.stringify(sampleEvent(i)), 's', 'APPROVED', 'd', '');
    await pipeline.exec();

    const env = { REDIS_URL: redisServer.url, DATA_DIR: dataDir, STREAM };
    const crashed = await runWriter({ ...env, CRASH_AFTER_INSERT: '1' });
    expect(crashed.signal, crashed.out).toBe('SIGKILL');
    expect(crashed.out).toContain('inserted 100');
    // The batch reached ClickHouse but was never acknowledged, and is still recorded as in flight.
    // (The next batch, read ahead while this one was inserted, is pending too, unrecorded.)
    const inflight = JSON.parse((await redis.get(`${STREAM}:inflight:writer-1`)) ?? 'null') as { first: string; last: string; count: number } | null;
    expect(inflight?.count).toBe(100);
    expect(await redis.xpending(STREAM, 'ingest', inflight!.first, inflight!.last, 1000)).toHaveLength(100);

    const restarted = await runWriter(env);
    expect(restarted.code, restarted.out).toBe(0);
    expect(restarted.out).toContain('drained');

    const clickhouse = await openClickHouse({ dataDir });
    try {
      const c = clickhouse.client;
      expect(await scalar(c, 'SELECT count() FROM cpg.transactions')).toBe(total);
      expect(await scalar(c, 'SELECT uniqExact(payment_id) FROM cpg.transactions')).toBe(total);
      expect(Number(await scalar(c, 'SELECT toString(sum(messages)) FROM cpg.transactions_per_minute'))).toBe(total);
    } finally {
      await clickhouse.close();
    }
    expect(Number(((await redis.xpending(STREAM, 'ingest')) as [number])[0])).toBe(0);
  }, 120_000);
});

describe('ingest writer reading ahead while ClickHouse is slow', () => {
  let redisServer: RedisProcess;
  let redis: Redis;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-slow-'));
    redisServer = await startRedisServer({ dir: path.join(dataDir, 'redis') });
    redis = new Redis(redisServer.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await redisServer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads a batch again once it waited half the claim time, and lands every entry once', async () => {
    const total = 300;
    const pipeline = redis.pipeline();
    for (let i = 0; i < total; i++) pipeline.xadd(STREAM, '*', 'e', JSON.stringify(sampleEvent(i)), 's', 'APPROVED', 'd', '');
    await pipeline.exec();

    // Each insert takes 300 ms; entries idle 200 ms could be claimed by another writer.
    const run = await runWriter({ REDIS_URL: redisServer.url, DATA_DIR: dataDir, STREAM, INSERT_DELAY_MS: '300', CLAIM_IDLE_MS: '200' });
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('read ahead waited long; read again');
    expect(run.out).toContain(`landed ${JSON.stringify({ rows: total, distinct: total })}`);
    expect(Number(((await redis.xpending(STREAM, 'ingest')) as [number])[0])).toBe(0);
  }, 120_000);
});

describe('ingest writer thread dying between insert and acknowledgement', () => {
  let redisServer: RedisProcess;
  let redis: Redis;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-thread-'));
    redisServer = await startRedisServer({ dir: path.join(dataDir, 'redis') });
    redis = new Redis(redisServer.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await redisServer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is logged and replaced, and the new thread lands the batch exactly once', async () => {
    const total = 300;
    const pipeline = redis.pipeline();
    for (let i = 0; i < total; i++) pipeline.xadd(STREAM, '*', 'e', JSON.stringify(sampleEvent(i)), 's', 'APPROVED', 'd', '');
    await pipeline.exec();

    const run = await runWriter({ REDIS_URL: redisServer.url, DATA_DIR: dataDir, STREAM, THREAD_DIES_AFTER_INSERT: '1' });
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('ingest writer stopped');
    expect(run.out).toContain('starting a new one');
    expect(run.out).toContain('finishing an interrupted batch');
    // Three batches of 100, the first one inserted twice with the same token.
    expect(run.out.match(/inserted 100/g)).toHaveLength(4);
    expect(run.out).toContain(`landed ${JSON.stringify({ rows: total, distinct: total })}`);
    expect(Number(((await redis.xpending(STREAM, 'ingest')) as [number])[0])).toBe(0);
    expect(await redis.exists(`${STREAM}:inflight:writer-1`)).toBe(0);
  }, 120_000);
});
