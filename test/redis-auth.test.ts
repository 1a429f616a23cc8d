import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform } from '../bench/platform-process.ts';
import { bootstrapMerchants } from '../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../bench/traffic/participants.ts';
import { createPaymentGenerator } from '../bench/traffic/payment-generator.ts';
import { createSignedClient } from '../bench/traffic/signed-client.ts';
import { DEFAULT_TAP_STREAM } from '../ingest/tap-stream.ts';
import { streamLag } from '../ingest/stream-lag.ts';
import { DEFAULT_WRITER_GROUP } from '../ingest/writer-options.ts';
import { ALERT_EVENTS_STREAM } from '../server/capabilities/alerting.ts';
import { freeLoopbackPort } from '../server/redis-process.ts';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs, scalar, sendPayments } from './support/traffic.ts';

/*
 * Redis holds the sessions, balances and rules: whoever can write to it is admin. The
 * platform's own redis-server takes a password generated at each start, and every connection
 * the platform opens carries it; the same holds for an external Redis named by REDIS_URL,
 * over TLS too. "Every connection" is checked on the server's side: Redis counts the commands
 * it refused for want of authentication (INFO errorstats), and lists its clients by the last
 * command each sent (CLIENT LIST), so a component that connected without the password, or
 * without TLS, shows up missing or refused.
 */

/** The first reply line of one inline command sent on a fresh connection with no password. */
function unauthenticated(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    let reply = '';
    socket.on('data', (data) => {
      reply += data.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
  });
}

/** `cmd=` of every client Redis has, but the one asking. */
async function lastCommands(redis: Redis): Promise<string[]> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter(Boolean).map((line) => /\bcmd=(\S+)/.exec(line)?.[1] ?? '?').filter((cmd) => cmd !== 'client|list');
}

const refusedForAuth = async (redis: Redis) => ((await redis.info('errorstats')) as string).split('\r\n').filter((l) => /^errorstat_(NOAUTH|WRONGPASS)/.test(l));

describe("the platform's own redis-server", () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  let port: number;
  let password: string;
  let admin: Redis;

  beforeAll(async () => {
    platform = await startTestPlatform();
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    const url = new URL(platform.redisUrl);
    port = Number(url.port);
    password = decodeURIComponent(url.password);
    admin = new Redis(platform.redisUrl);
  });
  afterAll(async () => {
    admin?.disconnect();
    await platform?.stop();
  });

  it('refuses a client without the password, whatever it sends', async () => {
    expect(await unauthenticated(port, 'PING')).toMatch(/^-NOAUTH/);
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(await unauthenticated(port, `SET session:${'0'.repeat(64)} admin`)).toMatch(/^-NOAUTH/);
    expect(await unauthenticated(port, 'AUTH not-the-password')).toMatch(/^-WRONGPASS/);
    expect(await admin.exists(`session:${'0'.repeat(64)}`)).toBe(0);
  });

  it('listens on loopback only, and keeps its password off its command line and out of its files', async () => {
    expect(await admin.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    const redisDir = path.join(platform.dataDir, 'redis');
    const pid = Number(readFileSync(path.join(redisDir, 'redis.pid'), 'utf8'));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('redis-server');
    expect(cmdline).not.toContain(password);
    // The AOF holds sessions and balances: the platform's user's alone.
    expect(statSync(redisDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(redisDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) expect(readFileSync(path.join(f.parentPath, f.name), 'utf8'), f.name).not.toContain(password);
  });

  it('is reached, with the password, by every connection: switch, ingest thread, event writers, live feed and job queues', async () => {
    const qr = await merchantQrs(platform.app);
    const answers = await sendPayments(platform.app, qr, 30, 8);
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    // A payer in a sanctioned country: declined, with an alert whose events take their own writer's connection.
    const declined = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: '20.00', currency: 'CNY' }, payer: { walletId: `w-kp-${randomUUID()}`, country: 'KP' } },
    });
    expect(declined.body.risk?.decision).toBe('decline');
    const ids = [...answers.map((a) => a.body.paymentId as string), declined.body.paymentId as string];
    const ch = platform.clickhouse.client;
    await eventually(() => scalar(ch, 'SELECT toUInt32(count()) FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids }), (n) => n === ids.length, 30_000);
    await eventually(() => scalar(ch, 'SELECT toUInt32(count()) FROM cpg.alert_events WHERE payment_id = {p:String}', { p: declined.body.paymentId }), (n) => n >= 1, 30_000);
    // The live feed goes through the socket.io adapter's own connection.
    const user = devCredentials().users.find((u) => u.role === 'risk_officer')!;
    const token = (await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } })).json().token as string;
    const socket = connect(`${base}/console`, { auth: { token }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise((resolve, reject) => {
        socket.once('aggregates', resolve);
        socket.once('connect_error', reject);
      });
    } finally {
      socket.disconnect();
    }
    const commands = await lastCommands(admin);
    // The writer thread and the event writers wait in XREADGROUP, the adapter in XREAD, BullMQ's workers in BZPOPMIN.
    expect(commands).toEqual(expect.arrayContaining(['xreadgroup', 'xread', 'bzpopmin']));
    expect(commands).not.toContain('auth');
    expect(await refusedForAuth(admin)).toEqual(['errorstat_NOAUTH:count=2', 'errorstat_WRONGPASS:count=1']);
  }, 90_000);
});

/** A redis-server that speaks TLS only, with a password, as a managed Redis would. */
async function startTlsRedis(dir: string, password: string): Promise<{ port: number; ca: string; stop(): Promise<void> }> {
  const openssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=cpg test CA');
  openssl('req', ...ec, '-keyout', 'redis.key', '-out', 'redis.csr', '-subj', '/CN=127.0.0.1');
  openssl('x509', '-req', '-in', 'redis.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'redis.crt', '-days', '1', '-extfile', 'san.cnf');
  const port = await freeLoopbackPort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['-', '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', 'redis.crt', '--tls-key-file', 'redis.key',
      '--tls-ca-cert-file', 'ca.crt', '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', 'redis.log'],
    { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  child.stdin!.end(`requirepass ${password}\n`);
  const ca = path.join(dir, 'ca.crt');
  const probe = new Redis({ host: '127.0.0.1', port, password, tls: { ca: readFileSync(ca) }, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  await eventually(() => probe.connect().then(() => probe.ping(), () => 'not yet'), (r) => r === 'PONG', 15_000);
  probe.disconnect();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { port, ca, stop: async () => void (child.kill('SIGTERM'), await exited) };
}

describe('an external Redis over TLS with a password (REDIS_URL=rediss://:PASSWORD@host:port)', () => {
  it('is what every connection of the platform uses: it starts, switches payments, writes them and their alerts through', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-redis-tls-'));
    const password = randomBytes(24).toString('base64url');
    const redis = await startTlsRedis(dir, password);
    const url = `rediss://:${encodeURIComponent(password)}@127.0.0.1:${redis.port}`;
    const admin = new Redis(url, { tls: { ca: readFileSync(redis.ca) } });
    // The platform trusts the test's CA the way any Node.js process can be told to.
    const platform = await startPlatform({ env: { REDIS_URL: url, NODE_EXTRA_CA_CERTS: redis.ca } });
    try {
      const { participants, homeCountry } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
      const client = createSignedClient(platform.url, { connections: 4 });
      const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
      const generator = createPaymentGenerator({ participants, merchants, homeCountry, seed: 5, payersPerWallet: 50 });
      for (let i = 0; i < 20; i++) {
        const { participant, body } = generator.next(new Date().getUTCHours());
        expect((await client.send(participant, 'POST', '/v1/payments', JSON.stringify(body))).status).toBe(200);
      }
      const wallet = participants.find((p) => p.id === 'siam-wallet')!;
      const merchant = merchants.find((m) => m.id === 'm-cn-0001')!;
      const sanctioned = { txnId: randomUUID(), qr: { payload: merchant.qrPayload }, amount: { value: '20.00', currency: 'CNY' }, payer: { walletId: `w-kp-${randomUUID()}`, country: 'KP' } };
      const declined = await client.send(wallet, 'POST', '/v1/payments', JSON.stringify(sanctioned));
      expect((declined.body as { risk: { decision: string } }).risk.decision).toBe('decline');
      await client.close();
      // The writer thread's and the event writers' own connections read and acknowledged everything.
      for (const stream of [DEFAULT_TAP_STREAM, ALERT_EVENTS_STREAM]) {
        await eventually(() => streamLag(admin, stream, DEFAULT_WRITER_GROUP), (l) => l.streamLength > 0 && l.pending === 0 && l.lagMs === 0, 30_000);
      }
      expect(await lastCommands(admin)).toEqual(expect.arrayContaining(['xreadgroup', 'xread', 'bzpopmin']));
      expect(await refusedForAuth(admin)).toEqual([]);
      const exit = await platform.stop(15_000);
      expect(exit.code, platform.outputTail()).toBe(0);
      expect(platform.outputTail().split('\n').filter((l) => /redis connection|ECONNRESET|ECONNREFUSED|NOAUTH|WRONGPASS|certificate|TLS/i.test(l))).toEqual([]);
    } finally {
      await platform.kill().catch(() => undefined);
      admin.disconnect();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
