import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { monitoringHeaders } from '../bench/monitoring.ts';
import { REPOSITORY_ROOT, startPlatform } from '../bench/platform-process.ts';
import { processAlive as alive } from '../server/redis-process.ts';

describe('starting and stopping the platform', () => {
  it('answers /health within 30 s on embedded ClickHouse and its own Redis, and stops cleanly on SIGTERM', async () => {
    const started = performance.now();
    const platform = await startPlatform({ healthTimeoutMs: 30_000, keepDataDir: true });
    expect(performance.now() - started).toBeLessThan(30_000);
    const health = (await (await fetch(`${platform.url}/health`, { headers: monitoringHeaders() })).json()) as Record<string, any>;
    expect(health).toMatchObject({ status: 'ok', clickhouseMode: 'embedded', checks: { redis: { status: 'up' }, clickhouse: { status: 'up' } } });
    const redisPid = Number(readFileSync(path.join(platform.dataDir, 'redis', 'redis.pid'), 'utf8'));
    expect(alive(redisPid)).toBe(true);
    expect(existsSync(path.join(platform.dataDir, 'redis', 'appendonlydir'))).toBe(true);

    const exit = await platform.stop(15_000);
    expect(exit).toMatchObject({ code: 0, timedOut: false });
    expect(alive(redisPid)).toBe(false);
    rmSync(platform.dataDir, { recursive: true, force: true });
  }, 60_000);

  it('refuses an invalid config with one line naming the field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-config-'));
    const config = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'config/development.json'), 'utf8'));
    config.merchants[0].mcc = 'food';
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(config));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, CONFIG: path.join(dir, 'bad.json'), DATA_DIR: dir, PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config error: .*bad\.json: merchants\.0\.mcc: /);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says in one line how to get Redis when redis-server is missing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-noredis-'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, REDIS_SERVER_BIN: path.join(dir, 'no-redis-server'), DATA_DIR: dir, PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('WARNING'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/redis-server not found .*apt-get install redis-server.*REDIS_URL/);
    rmSync(dir, { recursive: true, force: true });
  });
});
