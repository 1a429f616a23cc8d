import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerDurability } from '../switch/durability.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { checkRedisDurability } from './redis-durability.ts';
import { startRedisServer, type RedisProcess } from './redis-process.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const devConfig = () => JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8'));

const mode = (m: LedgerDurability['mode']): LedgerDurability => ({ mode: m, replicas: 1, replicaTimeoutMs: 250 });

describe('redis.durability in the config', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-durability-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** loadConfig on the development config changed by `mutate`, with `env`. */
  const load = (mutate: (c: any) => void, env: Record<string, string> = {}) => {
    const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    const c = devConfig();
    mutate(c);
    writeFileSync(file, JSON.stringify(c));
    return loadConfig({ CONFIG: file, ...env }, repoRoot);
  };
  const refusal = (mutate: (c: any) => void, env: Record<string, string> = {}) => {
    try {
      load(mutate, env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('config was accepted');
  };

  it('defaults to fsync before the answer in production mode, and to everysec in development', () => {
    expect(load(() => undefined).file.redis.durability).toEqual(mode('everysec'));
    expect(load((c) => (c.mode = 'production')).file.redis.durability).toEqual(mode('always'));
    expect(load((c) => ((c.mode = 'production'), (c.redis = { durability: 'everysec' }))).file.redis.durability.mode).toBe('everysec');
  });

  it('takes REDIS_DURABILITY over the file, and refuses anything but the three modes', () => {
    expect(load((c) => (c.redis = { durability: 'everysec' }), { REDIS_DURABILITY: 'always' }).file.redis.durability.mode).toBe('always');
    expect(refusal(() => undefined, { REDIS_DURABILITY: 'sometimes' })).toBe('REDIS_DURABILITY: "sometimes" is not one of everysec, always, replica');
    expect(refusal((c) => (c.redis = { durability: 'fsync' }))).toMatch(/\.json: redis\.durability: /);
  });

  it('takes replica settings for replica mode only, and replica mode only with a Redis of its own', () => {
    const redisUrl = { REDIS_URL: 'redis://:secret@127.0.0.1:6390' };
    expect(load((c) => (c.redis = { durability: 'replica', replicas: 2, replicaTimeoutMs: 100 }), redisUrl).file.redis.durability).toEqual({ mode: 'replica', replicas: 2, replicaTimeoutMs: 100 });
    expect(refusal((c) => (c.redis = { durability: 'always', replicas: 2 }))).toMatch(/: redis\.replicas: only redis\.durability "replica" waits for replicas \(it is always\)$/);
    expect(refusal((c) => (c.redis = { durability: 'replica', replicaTimeoutMs: 5000 }), redisUrl)).toMatch(/redis\.replicaTimeoutMs/);
    expect(refusal((c) => (c.redis = { durability: 'replica' }))).toMatch(/^redis\.durability: replica needs REDIS_URL/);
    expect(refusal(() => undefined, { REDIS_DURABILITY: 'replica' })).toMatch(/^REDIS_DURABILITY: replica needs REDIS_URL/);
  });
});

describe('an external Redis checked against redis.durability at start', () => {
  let dir: string;
  const servers: Record<'everysec' | 'always' | 'primary' | 'replica', RedisProcess> = {} as never;
  const clients: Redis[] = [];
  const connect = (server: RedisProcess) => {
    const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-durability-check-'));
    servers.everysec = await startRedisServer({ dir: path.join(dir, 'everysec') });
    servers.always = await startRedisServer({ dir: path.join(dir, 'always'), appendfsync: 'always' });
    servers.primary = await startRedisServer({ dir: path.join(dir, 'primary') });
    servers.replica = await startRedisServer({ dir: path.join(dir, 'replica'), replicaOf: { port: servers.primary.port, password: servers.primary.password } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const s of Object.values(servers)) await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the check says: the refusal's line, or the warnings it logged. */
  const check = async (server: RedisProcess, durability: LedgerDurability, production: boolean) => {
    const warnings: string[] = [];
    const log = { info: () => undefined, error: () => undefined, warn: (_: object, m: string) => void warnings.push(m) };
    try {
      await checkRedisDurability(connect(server), durability, production, log);
      return { warnings };
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return { refused: (e as Error).message };
    }
  };

  it('refuses in production a Redis that fsyncs once a second when commits must be fsynced, and warns in development', async () => {
    expect(await check(servers.everysec, mode('always'), true)).toEqual({
      refused: 'production mode: REDIS_URL: redis.durability "always": the Redis fsyncs its AOF with appendfsync everysec, so a host crash loses answered payments; set appendfsync always',
    });
    expect((await check(servers.everysec, mode('always'), false)).warnings).toEqual([expect.stringContaining('set appendfsync always')]);
    expect(await check(servers.always, mode('always'), true)).toEqual({ warnings: [] });
  });

  it('refuses a Redis without its AOF, and lets production run everysec when chosen, saying what it costs', async () => {
    await connect(servers.everysec).config('SET', 'appendonly', 'no');
    try {
      expect((await check(servers.everysec, mode('everysec'), true)).refused).toMatch(/appendonly no; set appendonly yes$/);
    } finally {
      await connect(servers.everysec).config('SET', 'appendonly', 'yes');
    }
    expect(await check(servers.everysec, mode('everysec'), true)).toEqual({ warnings: [expect.stringMatching(/in production mode: a host crash loses/)] });
  });

  it('in replica mode wants a primary; a missing replica is a warning, since each commit waits for it anyway', async () => {
    const primary = connect(servers.primary);
    const deadline = Date.now() + 10_000;
    while (!/connected_slaves:1/.test(await primary.info('replication')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await check(servers.primary, mode('replica'), true)).toEqual({ warnings: [] });
    expect((await check(servers.primary, { mode: 'replica', replicas: 2, replicaTimeoutMs: 250 }, true)).warnings).toEqual([
      'redis.durability "replica": 1 replicas connected, 2 wanted; payments are answered 503 DEPENDENCY_DOWN until they are',
    ]);
    expect((await check(servers.replica, mode('replica'), true)).refused).toMatch(/REDIS_URL names a slave, not a primary$/);
  });
});
