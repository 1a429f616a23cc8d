import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password.ts';
import { ConfigError, loadConfig, type Config } from './load.ts';
import { checkProductionConfig, developmentSecrets, productionProblems } from './production.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const devConfig = () => JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8'));
const devCredentials = () =>
  JSON.parse(readFileSync(path.join(repoRoot, 'config', 'dev-credentials.json'), 'utf8')) as {
    participants: Array<{ id: string; secret: string }>;
    users: Array<{ username: string; password: string }>;
  };
const REDIS = 'redis://:a-production-password@redis.internal:6379';

/** Every participant secret and token (whatever the development config holds) replaced by one of its own. */
function replaceSecrets(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && /secret|token/i.test(key)) (value as Record<string, string>)[key] = randomBytes(24).toString('hex');
    else replaceSecrets(v);
  }
}

describe('production mode', () => {
  const dev = developmentSecrets();
  let dir: string;
  /** The development config with participant secrets and operator passwords of its own, in production mode. */
  let production: Record<string, any>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-production-'));
    production = devConfig();
    production.mode = 'production';
    replaceSecrets(production);
    for (const u of production.users) u.passwordHash = await hashPassword(randomBytes(12).toString('base64url'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A Config loaded the way main.ts loads it, from `file` written to a file of its own. */
  const configOf = (file: Record<string, any>, env: Record<string, string> = {}): Config => {
    const at = path.join(dir, `${randomBytes(4).toString('hex')}.json`);
    writeFileSync(at, JSON.stringify(file));
    return loadConfig({ CONFIG: at, REDIS_URL: REDIS, ...env }, repoRoot);
  };
  const edited = (edit: (c: Record<string, any>) => void) => {
    const c = structuredClone(production);
    edit(c);
    return c;
  };

  it('knows the development files: every participant secret and operator password in them', () => {
    const credentials = devCredentials();
    expect(credentials.participants.every((p) => dev.secrets.get(p.secret) === 'config/dev-credentials.json')).toBe(true);
    expect(devConfig().participants.every((p: { secret: string }) => dev.secrets.has(p.secret))).toBe(true);
    expect(dev.passwords.sort()).toEqual(credentials.users.map((u) => u.password).sort());
    expect(dev.passwordHashes.size).toBe(devConfig().users.length);
  });

  it('finds a secret by its field name wherever it is, so a secret field added later is covered too', async () => {
    const devDir = path.join(dir, 'dev');
    mkdirSync(devDir);
    writeFileSync(path.join(devDir, 'development.json'), JSON.stringify({ monitoring: { token: 'dev-token' }, alerts: [{ webhook: { signingSecret: 'dev-signing' } }], name: 'not-a-secret' }));
    const found = developmentSecrets(devDir);
    expect([...found.secrets]).toEqual([['dev-token', 'config/development.json'], ['dev-signing', 'config/development.json']]);
    // The real development config, put in production mode: every secret field in it is refused.
    const asIs = configOf({ ...devConfig(), mode: 'production' });
    const fields = (await productionProblems(asIs, dev)).map((p) => p.split(':')[0]);
    const expected = [
      ...devConfig().participants.map((_: unknown, i: number) => `participants.${i}.secret`),
      ...devConfig().users.map((_: unknown, i: number) => `users.${i}.passwordHash`),
    ];
    expect(fields).toEqual(expect.arrayContaining(expected));
    if (devConfig().monitoring?.token) expect(fields).toContain('monitoring.token');
  });

  it('accepts a config with secrets and passwords of its own, an authenticated Redis and ClickHouse', async () => {
    expect(await productionProblems(configOf(production), dev)).toEqual([]);
    expect(await productionProblems(configOf(production, { REDIS_URL: 'rediss://cpg:s3cret@redis.internal:6380', CLICKHOUSE_URL: 'http://cpg:s3cret@ch:8123' }), dev)).toEqual([]);
    await expect(checkProductionConfig(configOf(production), dev)).resolves.toBeUndefined();
  });

  it('refuses a development participant secret, from either development file, naming the field', async () => {
    const credentials = devCredentials();
    const config = configOf(edited((c) => {
      c.participants[2].secret = credentials.participants[0]!.secret;
      c.participants[5].secret = devConfig().participants[5].secret;
    }));
    expect(await productionProblems(config, dev)).toEqual([
      'participants.2.secret: a development secret (config/dev-credentials.json); production needs one of its own',
      'participants.5.secret: a development secret (config/dev-credentials.json); production needs one of its own',
    ]);
  });

  it('refuses a development password hash, and a development password hashed again with a new salt', async () => {
    const passwords = devCredentials().users.map((u) => u.password);
    const config = configOf(edited((c) => {
      c.users[0].passwordHash = devConfig().users[0].passwordHash;
      c.users[3].passwordHash = production.users[3].passwordHash;
    }));
    // Another user's development password counts as much as the user's own.
    const rehashed = configOf(production);
    rehashed.file.users[1]!.passwordHash = await hashPassword(passwords[passwords.length - 1]!);
    rehashed.file.users[4]!.passwordHash = await hashPassword(passwords[0]!, 1024);
    const problems = [...(await productionProblems(config, dev)), ...(await productionProblems(rehashed, dev))];
    expect(problems.map((p) => p.split(':')[0])).toEqual(['users.0.passwordHash', 'users.1.passwordHash', 'users.4.passwordHash']);
    expect(problems[0]).toBe('users.0.passwordHash: a development password (config/dev-credentials.json); give every operator a password of its own');
    // The message never holds the password itself.
    for (const p of problems) for (const password of passwords) expect(p).not.toContain(password);
  });

  it('refuses the development config file itself, and the default path CONFIG falls back to', async () => {
    const config = configOf({ ...production, users: [] });
    const atDevelopmentFile = { ...config, configPath: path.join(repoRoot, 'config', 'development.json') };
    const unset = { ...config, configPath: path.resolve('/srv/cpg', 'config/development.json') };
    expect(await productionProblems(atDevelopmentFile, dev)).toEqual([
      `CONFIG: ${path.join(repoRoot, 'config', 'development.json')} is the development config; production needs a config file of its own`,
    ]);
    expect((await productionProblems(unset, dev))[0]).toMatch(/^CONFIG: .* is the development config/);
  });

  it("refuses the platform's own Redis, a Redis or ClickHouse without a password, and docker-compose's development passwords", async () => {
    // No operators: their passwords are checked above, and each check costs a few scrypt runs.
    const problemsWith = async (env: Record<string, string>) => productionProblems(configOf({ ...production, users: [] }, env), dev);
    expect(await problemsWith({ REDIS_URL: '' })).toEqual([
      "REDIS_URL: unset; production needs a Redis of its own, with a password (the platform's own redis-server is for development)",
    ]);
    expect(await problemsWith({ REDIS_URL: 'redis://redis.internal:6379' })).toEqual([
      'REDIS_URL: no password; production needs an authenticated server (redis://:PASSWORD@host:6379, or rediss:// for TLS)',
    ]);
    expect(await problemsWith({ REDIS_URL: 'rediss://cpg@redis.internal:6380' })).toEqual([expect.stringMatching(/^REDIS_URL: no password/)]);
    expect(await problemsWith({ REDIS_URL: 'redis://:cpg-redis-dev@redis:6379' })).toEqual([
      'REDIS_URL: the development password of docker-compose.yml; set one of its own',
    ]);
    expect(await problemsWith({ CLICKHOUSE_URL: 'http://clickhouse:8123' })).toEqual([expect.stringMatching(/^CLICKHOUSE_URL: no password/)]);
    expect(await problemsWith({ CLICKHOUSE_URL: 'http://cpg:cpg-dev@clickhouse:8123' })).toEqual([expect.stringMatching(/^CLICKHOUSE_URL: the development password/)]);
  });

  it('stops start-up with one line naming the first problem and how many more there are', async () => {
    const config = configOf({ ...devConfig(), mode: 'production' }, { REDIS_URL: '' });
    const error = await checkProductionConfig(config, dev).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    const problems = await productionProblems(config, dev);
    expect(problems.length).toBeGreaterThanOrEqual(devConfig().participants.length + devConfig().users.length + 1);
    expect(problems[0]).toMatch(/^[\w.]+: a development secret \(config\/[\w-]+\.json\); production needs one of its own$/);
    expect(message).toBe(`production mode: ${problems[0]} (and ${problems.length - 1} more)`);
  }, 30_000);
});
