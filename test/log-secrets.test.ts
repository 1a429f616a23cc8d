import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config/load.ts';
import { loggerOptions, startPlatform, type Platform } from '../server/platform.ts';
import { devCredentials, repoRoot } from './support/platform.ts';
import { signedHeaders, type SignedOptions } from './support/signed-request.ts';
import { eventually, scalar } from './support/traffic.ts';

/*
 * Logs hold no secrets (docs/conventions.md: never a secret, a full wallet id or a full IP in a log
 * line). The platform runs in this process with the production logger options
 * (server/platform.ts loggerOptions) at level debug, writing to a captured stream, through a
 * realistic mix of traffic and its shutdown; then every captured line is searched for:
 *
 * - participant HMAC secrets, issued bearer tokens and X-Signature values (sent or forged):
 *   in full, and any 16-character piece of them, so a truncated leak is caught too;
 * - operator passwords, real ones and the wrong ones tried: in full;
 * - wallet ids and payer IP addresses used in the traffic: in full. A wallet id may appear
 *   only masked (at most its last four characters); the platform logs none at all today;
 * - the password of the platform's own redis-server (in its URL, which nothing may log), in
 *   any 16-character piece, in the platform's lines and in redis-server's own log file.
 *
 * Each value is looked for as written and as JSON escapes it. The last test plants such
 * values in lines written by a logger made with the same options, and expects the scan to
 * name each one: the check can fail.
 */

type Kind = 'participant secret' | 'bearer token' | 'signature' | 'password' | 'wallet id' | 'payer ip' | 'redis password';
interface Secret {
  kind: Kind;
  value: string;
}
const FRAGMENT = 16;
const byPieces: ReadonlySet<Kind> = new Set(['participant secret', 'bearer token', 'signature', 'redis password']);

/** Every (kind, line) where a secret shows, whole or (for random secrets) in part. */
function leaks(lines: readonly string[], secrets: readonly Secret[]): Array<{ kind: Kind; value: string; line: string }> {
  const needles: Array<{ kind: Kind; value: string; needle: string }> = [];
  for (const s of secrets) {
    const pieces = byPieces.has(s.kind) && s.value.length > FRAGMENT
      ? Array.from({ length: s.value.length - FRAGMENT + 1 }, (_, i) => s.value.slice(i, i + FRAGMENT))
      : [s.value];
    for (const piece of pieces) {
      needles.push({ kind: s.kind, value: s.value, needle: piece });
      const escaped = JSON.stringify(piece).slice(1, -1);
      if (escaped !== piece) needles.push({ kind: s.kind, value: s.value, needle: escaped });
    }
  }
  const found: Array<{ kind: Kind; value: string; line: string }> = [];
  for (const line of lines) {
    const hit = needles.find((n) => line.includes(n.needle));
    if (hit) found.push({ kind: hit.kind, value: hit.value, line });
  }
  return found;
}

/** A destination for pino that keeps every line. */
function capture() {
  const lines: string[] = [];
  let partial = '';
  return {
    lines,
    stream: {
      write(chunk: string) {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const p of parts) if (p !== '') lines.push(p);
      },
    },
  };
}

const withStream = (level: string, stream: { write(chunk: string): void }): FastifyServerOptions['logger'] =>
  ({ ...(loggerOptions(level) as object), stream }) as FastifyServerOptions['logger'];

describe('logs of a full run', () => {
  const captured = capture();
  const secrets: Secret[] = [];
  const keep = (kind: Kind, value: string) => {
    secrets.push({ kind, value });
    return value;
  };
  let platform: Platform;
  let dataDir: string;
  let redisLog: string[] = [];
  const statuses: Record<string, string> = {};

  beforeAll(async () => {
    for (const p of devCredentials().participants) keep('participant secret', p.secret);
    for (const u of devCredentials().users) keep('password', u.password);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-log-secrets-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug', RISK_DEADLINE_MS: '1000' }, repoRoot);
    platform = await startPlatform(config, withStream('debug', captured.stream));
    keep('redis password', decodeURIComponent(new URL(platform.redisUrl).password));
    const app = platform.app;
    await runTraffic(app, platform, keep, statuses);
    await platform.close();
    redisLog = readFileSync(path.join(dataDir, 'redis', 'redis.log'), 'utf8').split('\n');
  }, 120_000);

  afterAll(async () => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('ran the whole mix, and captured it at debug level', () => {
    expect(statuses).toEqual({
      'wrong password': '401', 'login': '200', 'payment': '200', 'refund': '200', 'reversal': '200', 'status': '200', 'analytics': '200',
      'forged signature': '401', 'tampered body': '401', 'reused nonce': '401', 'bad json': '400', 'store error': '500',
      'list add': '200', 'blocked payment': '200', 'alert ack': '200', 'alert assign': '200', 'alert resolve': '200', 'list remove': '200',
      'rule change': '200', 'rule disable': '200', 'rule enable': '200',
      'report': '200', 'report csv': '200', 'sql': '200', 'sql error': '400', 'ops payment': '200', 'logout': '204',
    });
    const entries = captured.lines.map((l) => JSON.parse(l) as { level: number; msg?: string; code?: string; type?: string });
    const switched = entries.filter((e) => e.msg === 'message switched' && e.level === 20);
    expect(new Set(switched.map((e) => e.type))).toEqual(new Set(['payment', 'refund', 'reversal']));
    const refusals = entries.filter((e) => e.msg === 'participant request rejected').map((e) => e.code);
    expect(refusals.sort()).toEqual(['AUTH_BAD_SIGNATURE', 'AUTH_BAD_SIGNATURE', 'AUTH_NONCE_REUSED']);
    // The store error is logged, with what helps (type, message, stack) and without the failed command's arguments.
    const unhandled = captured.lines.filter((l) => (JSON.parse(l) as { msg?: string }).msg === 'unhandled error');
    expect(unhandled).toHaveLength(1);
    expect(JSON.parse(unhandled[0]!).err).toEqual({ type: 'ReplyError', message: expect.stringMatching(/^WRONGTYPE/), stack: expect.any(String) });
  });

  it('has no participant secret, password, bearer token, signature, full wallet id, payer IP or Redis password in any line', () => {
    const kinds = new Set(secrets.map((s) => s.kind));
    expect([...kinds].sort()).toEqual(['bearer token', 'participant secret', 'password', 'payer ip', 'redis password', 'signature', 'wallet id']);
    expect(secrets.find((s) => s.kind === 'redis password')!.value).toMatch(/^[0-9a-f]{64}$/);
    expect(leaks(captured.lines, secrets)).toEqual([]);
    expect(redisLog.length).toBeGreaterThan(5);
    expect(leaks(redisLog, secrets)).toEqual([]);
  });

  it('finds a secret planted in a line written with the same logger options (the scan can fail)', async () => {
    const planted = capture();
    const logger = Fastify({ logger: withStream('debug', planted.stream) });
    try {
      const of = (kind: Kind) => secrets.find((s) => s.kind === kind)!.value;
      logger.log.info({ header: `Bearer ${of('bearer token')}` }, 'planted token');
      logger.log.debug(`secret tail ${of('participant secret').slice(-20)}`);
      logger.log.warn({ payer: { walletId: of('wallet id') } }, 'planted wallet');
      logger.log.error({ body: `{"password":${JSON.stringify(of('password'))}}` }, 'planted password');
      logger.log.info({ sig: of('signature').slice(5, 5 + FRAGMENT) }, 'planted signature piece');
      logger.log.warn({ url: `redis://:${of('redis password')}@127.0.0.1:6379` }, 'planted Redis URL');
      logger.log.info({ masked: `…${of('wallet id').slice(-4)}` }, 'a masked wallet id is fine');
      // Redacted by the logger options: the header itself never reaches the line.
      logger.log.info({ req: { method: 'POST', url: '/v1/payments', id: 'r1', headers: { 'x-signature': of('signature') } } }, 'redacted');
    } finally {
      await logger.close();
    }
    expect(leaks(planted.lines, secrets).map((l) => l.kind)).toEqual(['bearer token', 'participant secret', 'wallet id', 'password', 'signature', 'redis password']);
  });
});

/** Signed payments and follow-ups, refusals, logins, list and rule changes, an alert worked, reports and SQL. */
async function runTraffic(
  app: FastifyInstance,
  platform: Platform,
  keep: (kind: Kind, value: string) => string,
  statuses: Record<string, string>,
): Promise<void> {
  /** Every status each kind of request got, e.g. "200" (or "200,409" when they differ). */
  const note = (what: string, status: number) => {
    statuses[what] = [...new Set([...(statuses[what]?.split(',') ?? []), String(status)])].sort().join(',');
  };
  const signed = async (o: SignedOptions) => {
    const { headers, raw } = signedHeaders(o);
    keep('signature', headers['x-signature']!);
    const r = await app.inject({ method: o.method, url: o.path, headers, ...(raw !== '' ? { payload: o.tamper ? o.tamper(raw) : raw } : {}) });
    return { status: r.statusCode, body: r.json() as Record<string, any> };
  };
  const users = devCredentials().users;
  const tokens: Record<string, string> = {};
  const login = async (username: string, password: string) => {
    keep('password', password);
    const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } });
    if (r.statusCode === 200) tokens[username] = keep('bearer token', r.json().token);
    return r.statusCode;
  };
  const op = async (username: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    const r = await app.inject({ method, url, headers: { authorization: `Bearer ${tokens[username]}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    return { status: r.statusCode, body: r.body };
  };

  // Logins: wrong passwords (one of them another user's real one), an unknown user, then everyone.
  note('wrong password', await login('risk.officer', `wrong-${randomUUID()}`));
  note('wrong password', await login('admin', users.find((u) => u.username === 'compliance')!.password));
  note('wrong password', await login('nobody', `nobody-${randomUUID()}`));
  for (const u of users) note('login', await login(u.username, u.password));

  const qr: Record<string, string> = {};
  for (const merchant of ['m-cn-0001', 'm-cn-0004']) {
    qr[merchant] = (await signed({ participant: 'huaxia-acquiring', method: 'POST', path: `/v1/merchants/${merchant}/qr`, body: {} })).body.payload;
  }
  const run = randomUUID().slice(0, 8);
  const payer = (n: number) => ({
    walletId: keep('wallet id', `wlogscan${run}${String(n).padStart(4, '0')}`),
    userId: `u-${n}`,
    deviceId: `d-logscan-${run}-${n}`,
    ip: keep('payer ip', `203.0.113.${100 + n}`),
    country: 'TH',
    location: { lat: 31.23, lon: 121.47 },
  });
  const pay = (participant: string, n: number, merchant = 'm-cn-0001') =>
    signed({ participant, method: 'POST', path: '/v1/payments', body: { txnId: `log-${run}-${n}`, qr: { payload: qr[merchant] }, amount: { value: '42.00', currency: 'CNY' }, payer: payer(n) } });

  const paid: string[] = [];
  for (let n = 0; n < 12; n++) {
    const r = await pay(['siam-wallet', 'merlion-pay', 'hangang-pay'][n % 3]!, n, n % 2 ? 'm-cn-0004' : 'm-cn-0001');
    note('payment', r.status);
    paid.push(r.body.paymentId);
  }
  // The same txnId again: the stored answer.
  note('payment', (await pay('siam-wallet', 0)).status);
  note('refund', (await signed({ participant: 'huaxia-acquiring', method: 'POST', path: `/v1/payments/${paid[0]}/refund`, body: { amount: { value: '10.00', currency: 'CNY' } } })).status);
  note('reversal', (await signed({ participant: 'merlion-pay', method: 'POST', path: `/v1/payments/${paid[1]}/reverse` })).status);
  note('status', (await signed({ participant: 'siam-wallet', method: 'GET', path: `/v1/payments/${paid[3]}` })).status);
  note('analytics', (await signed({ participant: 'siam-wallet', method: 'GET', path: `/v1/analytics/summary?from=${new Date(Date.now() - 3600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}` })).status);

  // Refusals: a forged signature, a body changed after signing, a replayed nonce, unparsable JSON.
  const body = (n: number) => ({ txnId: `log-${run}-${n}`, qr: { payload: qr['m-cn-0001'] }, amount: { value: '42.00', currency: 'CNY' }, payer: payer(n) });
  note('forged signature', (await signed({ participant: 'siam-wallet', method: 'POST', path: '/v1/payments', body: body(50), secret: 'f'.repeat(48) })).status);
  note('tampered body', (await signed({ participant: 'siam-wallet', method: 'POST', path: '/v1/payments', body: body(51), tamper: (raw) => raw.replace('42.00', '4200.00') })).status);
  const nonce = `lognonce${run}`;
  note('payment', (await signed({ participant: 'merlion-pay', method: 'POST', path: '/v1/payments', nonce, body: body(52) })).status);
  note('reused nonce', (await signed({ participant: 'merlion-pay', method: 'POST', path: '/v1/payments', nonce, body: body(53) })).status);
  note('bad json', (await signed({ participant: 'siam-wallet', method: 'POST', path: '/v1/payments', rawBody: `{"payer":{"walletId":"${payer(54).walletId}"` })).status);

  // A payment Redis fails with an error the platform does not expect (a 500): the error is logged.
  const broken = payer(70);
  await platform.redis.set(`wallet:siam-wallet:${broken.walletId}`, 'not a hash');
  note('store error', (await signed({ participant: 'siam-wallet', method: 'POST', path: '/v1/payments', body: { ...body(70), payer: broken } })).status);

  // A list change, a payment it declines, and the alert that raises worked through.
  const blocked = payer(60).walletId;
  note('list add', (await op('risk.officer', 'POST', '/v1/lists/blocked-wallets', { values: [`siam-wallet:${blocked}`] })).status);
  const declined = await signed({ participant: 'siam-wallet', method: 'POST', path: '/v1/payments', body: { txnId: `log-${run}-blocked`, qr: { payload: qr['m-cn-0001'] }, amount: { value: '42.00', currency: 'CNY' }, payer: { ...payer(60), walletId: blocked } } });
  note('blocked payment', declined.status);
  expect(declined.body.status).toBe('DECLINED');
  const alert = await eventually(
    async () => (JSON.parse((await op('risk.officer', 'GET', '/v1/alerts?participant=siam-wallet&limit=100')).body).alerts as Array<{ id: string; paymentId: string }>).find((a) => a.paymentId === declined.body.paymentId),
    (a) => a !== undefined,
    15_000,
  );
  note('alert ack', (await op('risk.officer', 'POST', `/v1/alerts/${alert!.id}/ack`)).status);
  note('alert assign', (await op('risk.officer', 'POST', `/v1/alerts/${alert!.id}/assign`, { to: 'admin' })).status);
  note('alert resolve', (await op('admin', 'POST', `/v1/alerts/${alert!.id}/resolve`, { disposition: 'fraud', note: `wallet ${blocked} confirmed` })).status);
  note('list remove', (await op('risk.officer', 'POST', '/v1/lists/blocked-wallets/remove', { values: [`siam-wallet:${blocked}`] })).status);

  // A rule change: a new version, then a mode change back and forth.
  const { rule } = JSON.parse((await op('risk.officer', 'GET', '/v1/rules/velocity-payer-burst')).body);
  const { version: _v, createdAt: _c, createdBy: _b, ...editable } = rule;
  note('rule change', (await op('risk.officer', 'PUT', '/v1/rules/velocity-payer-burst', { ...editable, description: `${editable.description} (log scan)` })).status);
  note('rule disable', (await op('risk.officer', 'POST', '/v1/rules/velocity-payer-burst/disable')).status);
  note('rule enable', (await op('risk.officer', 'POST', '/v1/rules/velocity-payer-burst/enable')).status);

  // Reports and SQL once the payments are in ClickHouse, naming a wallet in their parameters.
  await eventually(
    () => scalar(platform.clickhouse.client, 'SELECT toUInt32(count()) FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: paid }),
    (n) => n === paid.length,
  );
  const window = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
  note('report', (await op('compliance', 'POST', '/v1/reports/large-value-transactions', { params: { ...window, walletId: payer(0).walletId }, format: 'json' })).status);
  note('report csv', (await op('compliance', 'POST', '/v1/reports/participant-activity', { params: window, format: 'csv' })).status);
  note('sql', (await op('compliance', 'POST', '/v1/sql', { query: `SELECT toUInt32(count()) AS n FROM cpg.transactions WHERE wallet_id = '${payer(1).walletId}'` })).status);
  note('sql error', (await op('compliance', 'POST', '/v1/sql', { query: `SELECT wallet_id FROM cpg.transactions WHERE wallet_id = '${payer(2).walletId}' AND` })).status);
  note('ops payment', (await op('siam.analyst', 'GET', `/v1/ops/payments/${paid[0]}`)).status);
  note('logout', (await op('admin', 'POST', '/v1/auth/logout')).status);
}
