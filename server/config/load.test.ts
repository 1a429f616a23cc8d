import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfigFile } from './load.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const devConfig = () => JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8'));

function errorOf(mutate: (c: any) => void): string {
  const c = devConfig();
  mutate(c);
  try {
    validateConfigFile(c, 'dev');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const message = (e as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('config was accepted');
}

describe('configuration', () => {
  it('accepts the development config with the participants the gateway needs', () => {
    const c = loadConfig({}, repoRoot);
    const kinds = c.file.participants.map((p) => `${p.kind}:${p.country}`);
    expect(kinds.filter((k) => k.startsWith('overseas_wallet')).length).toBeGreaterThanOrEqual(3);
    expect(kinds.filter((k) => k === 'domestic_wallet:CN')).toHaveLength(2);
    expect(kinds).toContain('acquirer:CN');
    expect(kinds.some((k) => k.startsWith('acquirer:') && k !== 'acquirer:CN')).toBe(true);
    expect(c.file.merchants.some((m) => m.network === 'wechatpay')).toBe(true);
    expect(new Set(c.file.users.map((u) => u.role))).toEqual(new Set(['risk_officer', 'compliance', 'participant_analyst', 'admin']));
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, logLevel: 'info' });
  });

  it('names the bad field in one line', () => {
    expect(errorOf((c) => (c.participants[2].kind = 'bank'))).toMatch(/participants\.2\.kind/);
    expect(errorOf((c) => (c.merchants[0].mcc = '58a2'))).toMatch(/merchants\.0\.mcc/);
    expect(errorOf((c) => (c.merchants[3].acquirer = 'siam-wallet'))).toMatch(/merchants\.3\.acquirer: "siam-wallet" is not an acquirer/);
    expect(errorOf((c) => (c.participants[1].id = c.participants[0].id))).toMatch(/participants\.1\.id: duplicate/);
    expect(errorOf((c) => delete c.fx.rates.THB)).toMatch(/participants\.0\.currency: no FX rate for THB/);
    expect(errorOf((c) => (c.users[0].colour = 'red'))).toMatch(/users\.0\.colour: unknown field/);
    expect(errorOf((c) => delete c.gateway)).toMatch(/gateway/);
    expect(errorOf((c) => (c.participants[0].secret = 'short'))).toMatch(/participants\.0\.secret/);
    // The idempotency window may be a fraction of an hour (a soak scales it down), never none.
    for (const bad of [0, 0.001, -1, 24 * 91, '72']) expect(errorOf((c) => (c.payments.idempotencyTtlHours = bad)), String(bad)).toMatch(/payments\.idempotencyTtlHours/);
    // The cases' SLA calendar is checked at start, by field.
    expect(errorOf((c) => (c.cases = { sla: { calendar: { timeZone: 'Mars/Olympus' } } }))).toMatch(/cases\.sla\.calendar/);
    expect(errorOf((c) => (c.cases = { sla: { calendar: { timeZone: 'Asia/Shanghai', holidays: ['2026-02-30'] } } }))).toMatch(/cases\.sla\.calendar/);
    expect(errorOf((c) => (c.cases = { sla: { workingDays: 2, warnDays: 3 } }))).toMatch(/cases\.sla\.warnDays/);
    expect(errorOf((c) => (c.cases = { policy: { enabled: true, onDecline: true, minSeverity: 'severe' } }))).toMatch(/cases\.policy\.minSeverity/);
    expect(errorOf((c) => (c.cases = { assignment: { risk: ['nobody'] } }))).toMatch(/cases\.assignment\.risk\.0: no user named nobody/);
    expect(errorOf((c) => (c.cases = { assignment: { compliance: ['risk.officer'] } }))).toMatch(/cases\.assignment\.compliance\.0: risk\.officer is a risk_officer/);
    expect(errorOf((c) => (c.cases = { assignment: { risk: ['siam.analyst'] } }))).toMatch(/cases\.assignment\.risk\.0/);
    const short = devConfig();
    short.payments.idempotencyTtlHours = 0.05;
    expect(() => validateConfigFile(short, 'dev')).not.toThrow();
  });

  it('refuses bad environment values by name', () => {
    expect(() => loadConfig({ PORT: 'eighty' }, repoRoot)).toThrow(/^PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' }, repoRoot)).toThrow(/^LOG_LEVEL/);
    for (const bad of ['-1', '1.5', 'lots', '1001']) expect(() => loadConfig({ HEAP_GROWING_PERCENT: bad }, repoRoot), bad).toThrow(/^HEAP_GROWING_PERCENT/);
    expect(loadConfig({}, repoRoot).heapGrowingPercent).toBe(100);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }, repoRoot).heapGrowingPercent).toBe(0);
    expect(() => loadConfig({ REDIS_URL: 'not a url' }, repoRoot)).toThrow(/^REDIS_URL/);
    // ioredis turns TLS on only for a URL starting `rediss://` exactly: anything else would go in clear.
    for (const url of ['REDISS://:pw@redis:6380', 'Rediss://:pw@redis:6380', 'http://redis:6379', 'tcp://redis:6379']) {
      expect(() => loadConfig({ REDIS_URL: url }, repoRoot), url).toThrow(/^REDIS_URL: must start with redis:\/\/ or rediss:\/\/ \(TLS\), in lower case$/);
    }
    expect(loadConfig({ REDIS_URL: 'rediss://cpg:p%40ss@redis.internal:6380/2' }, repoRoot).redisUrl).toBe('rediss://cpg:p%40ss@redis.internal:6380/2');
    expect(() => loadConfig({ CONFIG: 'config/missing.json' }, repoRoot)).toThrow(/^CONFIG .*missing\.json: no such file; put the platform's config file there \(in Docker: mount it\) or point CONFIG at it$/);
  });

  it('takes the role from --role, else ROLE, else all; a split platform needs a shared Redis', () => {
    const redis = { REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(loadConfig({}, repoRoot).role).toBe('all');
    expect(loadConfig({ ...redis, ROLE: 'ingest' }, repoRoot).role).toBe('ingest');
    expect(loadConfig({ ...redis, ROLE: 'ingest' }, repoRoot, ['--role', 'switch']).role).toBe('switch');
    expect(loadConfig(redis, repoRoot, ['--demo', '--role=console']).role).toBe('console');
    expect(() => loadConfig(redis, repoRoot, ['--role', 'router'])).toThrow(/^--role: "router" is not one of all, switch, ingest, worker, console$/);
    expect(() => loadConfig(redis, repoRoot, ['--role'])).toThrow(/^--role: "" is not one of/);
    expect(() => loadConfig({}, repoRoot, ['--role', 'switch'])).toThrow(/^--role switch: set REDIS_URL/);
  });

  it('believes X-Forwarded-For only from the proxies TRUST_PROXY names', () => {
    expect(loadConfig({}, repoRoot).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }, repoRoot).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    for (const bad of ['true', '*', '10.0.0.0/33', '10.0.0.1/8/2', 'lb.internal', '::1/129']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }, repoRoot), bad).toThrow(/^TRUST_PROXY: ".*" is not an IP address or CIDR range$/);
    }
  });
});
