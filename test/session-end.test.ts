import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessions } from '../server/auth/sessions.ts';
import { loadConfig } from '../server/config/load.ts';
import type { UserConfig } from '../server/config/schema.ts';
import { startLiveFeed } from '../server/live/console-gateway.ts';
import { startPlatform, type Platform } from '../server/platform.ts';
import { startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { devCredentials, repoRoot } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * A session that ends, ends: on every node, for its HTTP requests and its sockets alike, and
 * what a session may do is what the config says now, not what it said at login. Real nodes
 * sharing one redis-server, as a split platform runs them: a switch node raising alerts,
 * console nodes A and B on the development config, and console node C on a changed one
 * (risk.officer demoted to participant_analyst of siam-wallet, compliance removed,
 * siam.analyst moved to panda-wallet), as during a rolling restart.
 */
type Node = Platform & { stop(): Promise<void> };

/** One node of a split platform in this process (no ClickHouse in these roles). */
async function startNode(env: Record<string, string>): Promise<Node> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-session-node-'));
  const platform = await startPlatform(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, repoRoot), false);
  return Object.assign(platform, {
    async stop() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

describe('a session that ends, ends', () => {
  let dir: string;
  let redisServer: RedisProcess;
  let changedConfig: string;
  let switchNode: Node;
  const consoles: Record<'A' | 'B' | 'C', { node: Node; base: string }> = {} as never;
  let qr: Record<string, string>;
  const sockets: Socket[] = [];

  const consoleNode = async (config?: string) => {
    const node = await startNode({ ROLE: 'console', REDIS_URL: redisServer.url, ...(config ? { CONFIG: config } : {}) });
    return { node, base: await node.app.listen({ host: '127.0.0.1', port: 0 }) };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-session-end-'));
    redisServer = await startRedisServer({ dir: path.join(dir, 'redis') });
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as { users: UserConfig[] };
    config.users = config.users
      .filter((u) => u.username !== 'compliance')
      .map((u) =>
        u.username === 'risk.officer'
          ? { ...u, role: 'participant_analyst' as const, participant: 'siam-wallet' }
          : u.username === 'siam.analyst'
            ? { ...u, participant: 'panda-wallet' }
            : u,
      );
    changedConfig = path.join(dir, 'changed.json');
    writeFileSync(changedConfig, JSON.stringify(config));
    switchNode = await startNode({ ROLE: 'switch', REDIS_URL: redisServer.url });
    qr = await merchantQrs(switchNode.app);
    consoles.A = await consoleNode();
    consoles.B = await consoleNode();
    consoles.C = await consoleNode(changedConfig);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const { node } of Object.values(consoles)) await node?.stop();
    await switchNode?.stop();
    await redisServer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const login = async (at: Node, username: string) => {
    const user = devCredentials().users.find((u) => u.username === username)!;
    const r = await at.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: user.password } });
    expect(r.statusCode, username).toBe(200);
    return r.json().token as string;
  };
  const me = (at: Node, token: string) => at.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
  const shadow = async (at: Node, token: string) => {
    const rules = (await at.app.inject({ method: 'GET', url: '/v1/rules', headers: { authorization: `Bearer ${(await login(at, 'admin'))}` } })).json();
    const rule = (rules.rules as Array<{ id: string }>).find((r) => r.id !== 'sanctioned-country')!;
    return at.app.inject({ method: 'POST', url: `/v1/rules/${rule.id}/shadow`, headers: { authorization: `Bearer ${token}` } });
  };

  interface Console {
    socket: Socket;
    alerts: Array<{ paymentId: string }>;
    /** Aggregates that carried a recovery offset. */
    offsets: number;
  }
  const open = (base: string, auth: Record<string, unknown>): Console => {
    const socket = connect(`${base}/console`, { auth, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    const c: Console = { socket, alerts: [], offsets: 0 };
    socket.on('alert', (a) => c.alerts.push(a));
    socket.on('aggregates', (_a, offset?: unknown) => void (typeof offset === 'string' && c.offsets++));
    return c;
  };
  const connected = (socket: Socket) =>
    new Promise<void>((resolve, reject) => {
      if (socket.connected) return resolve();
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  const refused = (socket: Socket) =>
    new Promise<string>((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connected')));
      socket.once('connect_error', (e) => resolve(e.message));
    });
  /** The reason the socket was disconnected, or a rejection once `ms` passed with it still connected. */
  const disconnected = (socket: Socket, ms: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms);
      socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  /** A payer from a sanctioned country: declined, and a new alert for the wallet's participant. */
  const raiseAlert = async (participant: 'siam-wallet' | 'panda-wallet') => {
    const walletId = `w-${randomUUID()}`;
    const [merchant, currency] = participant === 'siam-wallet' ? ['m-cn-0001', 'CNY'] : ['m-sg-0001', 'SGD'];
    const r = await signed(switchNode.app, {
      participant,
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr[merchant] }, amount: { value: '20.00', currency }, payer: { walletId, deviceId: `d-${walletId}`, country: 'KP' } },
    });
    expect(r.body.risk.decision).toBe('decline');
    return r.body.paymentId as string;
  };
  const received = (c: Console, paymentId: string) => eventually(async () => c.alerts.some((a) => a.paymentId === paymentId), (seen) => seen, 15_000);

  it('closes a logged-out console socket on every console node, and it receives nothing more', async () => {
    const { A, B } = consoles;
    const token = await login(A.node, 'risk.officer');
    const onA = open(A.base, { token });
    const onB = open(B.base, { token });
    const witness = open(B.base, { token: await login(A.node, 'admin') });
    await Promise.all([onA, onB, witness].map((c) => connected(c.socket)));
    const ends = Promise.all([disconnected(onA.socket, 10_000), disconnected(onB.socket, 10_000)]);

    const logout = await A.node.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { authorization: `Bearer ${token}` } });
    expect(logout.statusCode).toBe(204);
    expect(await ends).toEqual(['io server disconnect', 'io server disconnect']);

    const after = await raiseAlert('siam-wallet');
    await received(witness, after);
    expect([onA, onB].map((c) => c.alerts.some((a) => a.paymentId === after))).toEqual([false, false]);
    onB.socket.connect();
    expect(await refused(onB.socket)).toBe('AUTH_TOKEN_INVALID');
  }, 60_000);

  it('closes a console socket when its session expires', async () => {
    // The live feed alone on its own database, with sessions of 1.5 s.
    const redis = new Redis(redisServer.url, { db: 1 });
    const users = (JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as { users: UserConfig[] }).users;
    const sessions = createSessions(redis, 1500, users);
    const feed = startLiveFeed({ redis, sessions });
    const server = createServer();
    feed.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { token } = await sessions.issue({ username: 'risk.officer', role: 'risk_officer' });
      const c = open(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { token });
      await connected(c.socket);
      expect(await disconnected(c.socket, 6000)).toBe('io server disconnect');
      c.socket.connect();
      expect(await refused(c.socket)).toBe('AUTH_TOKEN_INVALID');
    } finally {
      await feed.close();
      await new Promise((resolve) => server.close(resolve));
      await redis.quit();
    }
  }, 30_000);

  it("applies the config's role and participant at every verification: a token issued under the old config gets the new ones", async () => {
    const { A, C } = consoles;
    // Issued by A, still on the old config, after C started on the new one.
    const officer = await login(A.node, 'risk.officer');
    const compliance = await login(A.node, 'compliance');
    const analyst = await login(A.node, 'siam.analyst');
    expect((await me(C.node, officer)).json()).toEqual({ username: 'risk.officer', role: 'participant_analyst', participant: 'siam-wallet' });
    const switched = await shadow(C.node, officer);
    expect([switched.statusCode, switched.json().error?.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    const removed = await me(C.node, compliance);
    expect([removed.statusCode, removed.json().error.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    expect((await me(C.node, analyst)).json()).toMatchObject({ username: 'siam.analyst', participant: 'panda-wallet' });
  });

  it('puts no recovered socket back into rooms its operator no longer has', async () => {
    const { A, C } = consoles;
    const token = await login(A.node, 'risk.officer');
    const witness = open(C.base, { token: await login(C.node, 'admin') });
    const officer = open(A.base, { token });
    await Promise.all([connected(witness.socket), connected(officer.socket)]);
    // On A (old config) it is a risk officer in the operators' room; its first aggregates gave it a recovery offset.
    await eventually(async () => officer.offsets, (n) => n > 0, 10_000);
    const { _pid: pid, _lastOffset: offset } = officer.socket as unknown as { _pid: string; _lastOffset: string };
    const onA = A.node.alerting.live.io.of('/console').sockets.get(officer.socket.id!)!;
    const leftA = new Promise((resolve) => onA.once('disconnect', resolve));
    officer.socket.io.engine.close();
    await leftA;

    // It comes back on C (new config), recovering that session (C's adapter is watched to show it does).
    const adapter = C.node.alerting.live.io.of('/console').adapter;
    const restoreSession = adapter.restoreSession;
    const restored: string[] = [];
    adapter.restoreSession = async (sessionPid, sessionOffset) => {
      const session = await restoreSession.call(adapter, sessionPid, sessionOffset);
      if (session) restored.push(session.sid);
      return session;
    };
    try {
      const back = open(C.base, { token, pid, offset });
      const ended = disconnected(back.socket, 10_000);
      await connected(back.socket);
      expect(restored).toEqual([onA.id]);
      expect(await ended).toBe('io server disconnect');
      const panda = await raiseAlert('panda-wallet');
      await received(witness, panda);
      expect(back.alerts.some((a) => a.paymentId === panda)).toBe(false);
    } finally {
      adapter.restoreSession = restoreSession;
    }

    // Connected afresh, it is where a participant analyst of siam-wallet belongs.
    const fresh = open(C.base, { token });
    await connected(fresh.socket);
    const onC = C.node.alerting.live.io.of('/console').sockets.get(fresh.socket.id!)!;
    expect([...onC.rooms].filter((r) => r !== onC.id && !r.startsWith('session:'))).toEqual(['participant:siam-wallet']);
  }, 60_000);

  it('refuses the tokens of a removed or changed operator after a restart with the changed config, on every node', async () => {
    const { A, B } = consoles;
    const tokens = {
      officer: await login(B.node, 'risk.officer'),
      compliance: await login(B.node, 'compliance'),
      analyst: await login(B.node, 'siam.analyst'),
      admin: await login(B.node, 'admin'),
    };
    const complianceSocket = open(A.base, { token: tokens.compliance });
    await connected(complianceSocket.socket);
    const complianceEnds = disconnected(complianceSocket.socket, 20_000);

    await B.node.stop();
    consoles.B = await consoleNode(changedConfig);
    const restarted = consoles.B.node;

    for (const token of [tokens.officer, tokens.compliance, tokens.analyst]) {
      const r = await me(restarted, token);
      expect([r.statusCode, r.json().error?.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    }
    expect((await shadow(restarted, tokens.officer)).statusCode).toBe(401);
    expect((await me(restarted, tokens.admin)).json()).toEqual({ username: 'admin', role: 'admin' });
    // Ended in Redis, not only refused here: A, still on the old config, refuses them too, and closed the socket.
    for (const token of [tokens.officer, tokens.compliance]) expect((await me(A.node, token)).statusCode).toBe(401);
    expect(await complianceEnds).toBe('io server disconnect');
    const audit = (await switchNode.redis.xrange('tap:audit', '-', '+')).map(([, fields]) => JSON.parse(fields[1]!) as { action: string; target: string; details: { reason: string } });
    const ended = audit.filter((e) => e.action === 'session.end').map((e) => `${e.target}:${e.details.reason}`);
    expect(ended).toEqual(expect.arrayContaining(['compliance:removed', 'risk.officer:changed', 'siam.analyst:changed']));
    expect(ended.some((e) => e.startsWith('admin:'))).toBe(false);
  }, 120_000);
});
