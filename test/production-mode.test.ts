import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT, startPlatform } from '../bench/platform-process.ts';
import { hashPassword } from '../server/auth/password.ts';
import { startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { devCredentials } from './support/platform.ts';

/*
 * `server/main.ts` with a config in production mode, as `npm start` and the Docker image run
 * it: whatever is public (the development files' secrets and passwords, a Redis without a
 * password, the development config itself) stops start-up with one line and exit code 2;
 * a config with secrets of its own starts, and the development credentials do not work.
 */

const developmentConfig = () => JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'config', 'development.json'), 'utf8'));

/** Every participant secret and token (whatever the development config holds) replaced by one of its own. */
function replaceSecrets(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && /secret|token/i.test(key)) (value as Record<string, string>)[key] = randomBytes(24).toString('hex');
    else replaceSecrets(v);
  }
}

describe('production mode at start-up', () => {
  let dir: string;
  let redis: RedisProcess;
  /** Operator passwords of the production config, by username. */
  const passwords = new Map<string, string>();
  let productionPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-production-mode-'));
    // As production's default durability wants it: the AOF fsynced before each answer.
    redis = await startRedisServer({ dir: path.join(dir, 'redis'), appendfsync: 'always' });
    const production = developmentConfig();
    production.mode = 'production';
    replaceSecrets(production);
    for (const u of production.users) {
      passwords.set(u.username, randomBytes(12).toString('base64url'));
      u.passwordHash = await hashPassword(passwords.get(u.username)!);
    }
    productionPath = path.join(dir, 'production.json');
    writeFileSync(productionPath, JSON.stringify(production));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** main.ts to its end (or 20 s, if it starts and keeps running). */
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, DATA_DIR: path.join(dir, 'data'), PORT: '0', LOG_LEVEL: 'warn', REDIS_URL: '', CLICKHOUSE_URL: '', CONFIG: '', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: r.status, lines: r.stderr.trim().split('\n') };
  };

  it('refuses the development secrets: one line on stderr naming the first, exit code 2', () => {
    const copy = path.join(dir, 'development-as-production.json');
    writeFileSync(copy, JSON.stringify({ ...developmentConfig(), mode: 'production' }));
    const r = run({ CONFIG: copy, REDIS_URL: redis.url });
    expect(r.status).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^config error: production mode: [\w.]+: a development secret \(config\/[\w-]+\.json\); production needs one of its own \(and \d+ more\)$/);
    for (const u of devCredentials().users) expect(r.lines[0]).not.toContain(u.password);
  }, 30_000);

  it("refuses the platform's own redis-server, and a Redis without a password", () => {
    const own = run({ CONFIG: productionPath });
    expect(own.status).toBe(2);
    expect(own.lines).toEqual([expect.stringMatching(/^config error: production mode: REDIS_URL: unset; production needs a Redis of its own, with a password/)]);
    const open = run({ CONFIG: productionPath, REDIS_URL: `redis://127.0.0.1:${redis.port}` });
    expect(open.status).toBe(2);
    expect(open.lines).toEqual([expect.stringMatching(/^config error: production mode: REDIS_URL: no password/)]);
  }, 30_000);

  it('refuses a Redis that fsyncs its AOF once a second, unless everysec is chosen in so many words', async () => {
    const everysec = await startRedisServer({ dir: path.join(dir, 'redis-everysec') });
    try {
      const r = run({ CONFIG: productionPath, REDIS_URL: everysec.url });
      expect(r.status).toBe(2);
      expect(r.lines).toEqual([
        'config error: production mode: REDIS_URL: redis.durability "always": the Redis fsyncs its AOF with appendfsync everysec, so a host crash loses answered payments; set appendfsync always',
      ]);
      const chosen = await startPlatform({ env: { CONFIG: productionPath, REDIS_URL: everysec.url, REDIS_DURABILITY: 'everysec' } });
      try {
        expect(chosen.outputTail()).toContain('redis.durability \"everysec\" in production mode: a host crash loses the last second or two of answered payments');
      } finally {
        expect((await chosen.stop(15_000)).code).toBe(0);
      }
    } finally {
      await everysec.stop();
    }
  }, 120_000);

  it("stops the Docker image's start without a mounted config in one line: no fallback to the development config", () => {
    const imageConfig = /CONFIG=(\S+)/.exec(readFileSync(path.join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(imageConfig).toBe('/etc/cpg/config.json');
    const r = run({ CONFIG: imageConfig! });
    expect(r.status).toBe(2);
    expect(r.lines).toEqual([`config error: CONFIG ${imageConfig}: no such file; put the platform's config file there (in Docker: mount it) or point CONFIG at it`]);
  }, 30_000);

  it('starts on secrets of its own and an authenticated Redis; the development credentials do not work there', async () => {
    const platform = await startPlatform({ env: { CONFIG: productionPath, REDIS_URL: redis.url } });
    try {
      expect(platform.outputTail()).not.toMatch(/DEVELOPMENT config|dev credentials/);
      const login = async (username: string, password: string) =>
        (await fetch(`${platform.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })).status;
      const admin = devCredentials().users.find((u) => u.role === 'admin')!;
      expect(await login(admin.username, admin.password)).toBe(401);
      expect(await login(admin.username, passwords.get(admin.username)!)).toBe(200);
      expect((await platform.stop(15_000)).code).toBe(0);
    } finally {
      await platform.kill().catch(() => undefined);
    }
  }, 120_000);
});
