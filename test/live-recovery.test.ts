import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * Connection state recovery on /console, for real: the platform with its own redis-server,
 * socket.io's Redis streams adapter, and socket.io-client sockets whose transport is cut.
 */
describe('connection state recovery on /console', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  let qr: Record<string, string>;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    platform = await startTestPlatform();
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    qr = await merchantQrs(platform.app);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await eventually(async () => (await nsp().fetchSockets()).length, (n) => n === 0, 5000);
    await platform?.stop();
  });

  const nsp = () => platform.alerting.live.io.of('/console');

  const login = async () => {
    const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'risk.officer', password: 'risk-officer-dev' } });
    expect(r.statusCode).toBe(200);
    return r.json().token as string;
  };

  interface Console {
    socket: Socket;
    alerts: Array<{ id: string; paymentId: string }>;
    /** Aggregates received, and how many carried a recovery offset (socket.io appends it to packets it can replay). */
    aggregates: { all: number; withOffset: number };
    /** Every EVENT packet the engine carried for /console, whether or not the socket let it through. */
    wire: string[];
  }
  /** A console socket. Its manager never reconnects on its own: the test decides when the gap ends. */
  const open = (token: string): Console => {
    const socket = connect(`${base}/console`, { auth: { token }, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    const c: Console = { socket, alerts: [], aggregates: { all: 0, withOffset: 0 }, wire: [] };
    socket.on('alert', (a) => c.alerts.push(a));
    socket.on('aggregates', (_a, offset?: unknown) => {
      c.aggregates.all++;
      if (typeof offset === 'string') c.aggregates.withOffset++;
    });
    // Each (re)connection opens a new engine; the manager says 'open' before the socket's CONNECT is sent.
    socket.io.on('open', () =>
      socket.io.engine.on('packet', (p: { type: string; data?: unknown }) => {
        if (p.type === 'message' && typeof p.data === 'string' && p.data.startsWith('2/console,')) c.wire.push(p.data);
      }),
    );
    return c;
  };
  /** Resolves with how the pending (re)connection attempt ended. */
  const outcome = (socket: Socket) =>
    new Promise<{ connected: true } | { connected: false; error: string }>((resolve, reject) => {
      if (socket.connected) return resolve({ connected: true });
      const timer = setTimeout(() => reject(new Error('neither connect nor connect_error within 15 s')), 15_000);
      const done = (o: { connected: true } | { connected: false; error: string }) => {
        clearTimeout(timer);
        socket.off('connect', onConnect).off('connect_error', onError);
        resolve(o);
      };
      const onConnect = () => done({ connected: true });
      const onError = (e: Error) => done({ connected: false, error: e.message });
      socket.on('connect', onConnect).on('connect_error', onError);
    });
  /** Cuts the socket's transport as a network drop would, not a deliberate leave; returns both sides' reasons. */
  const cut = async (socket: Socket) => {
    const onServer = nsp().sockets.get(socket.id!);
    expect(onServer).toBeDefined();
    const serverReason = new Promise<string>((r) => onServer!.once('disconnect', r));
    const clientReason = new Promise<string>((r) => socket.once('disconnect', r));
    socket.io.engine.close();
    return { client: await clientReason, server: await serverReason };
  };

  /** A payer from a sanctioned country: declined, and a new critical alert (a fresh payer each time). */
  const raiseAlert = async () => {
    const walletId = `w-${randomUUID()}`;
    const r = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: '20.00', currency: 'CNY' }, payer: { walletId, deviceId: `d-${walletId}`, country: 'KP' } },
    });
    expect(r.body.risk.decision).toBe('decline');
    return r.body.paymentId as string;
  };
  const received = (c: Console, paymentId: string) =>
    eventually(async () => c.alerts.find((a) => a.paymentId === paymentId), (a) => a !== undefined, 15_000).then((a) => a!);

  it('replays an alert raised while the transport was cut to the recovered socket', async () => {
    const token = await login();
    // A second console stays connected throughout: it shows the alert was emitted during the gap.
    const witness = open(await login());
    const officer = open(token);
    expect(await Promise.all([outcome(witness.socket), outcome(officer.socket)])).toEqual([{ connected: true }, { connected: true }]);
    expect(officer.socket.recovered).toBe(false);

    const before = await received(officer, await raiseAlert());
    const id = officer.socket.id;
    expect(await cut(officer.socket)).toEqual({ client: 'forced close', server: 'transport close' });

    const gapPayment = await raiseAlert();
    const gapAlert = await received(witness, gapPayment);
    expect(officer.alerts.some((a) => a.paymentId === gapPayment)).toBe(false);

    const reconnected = outcome(officer.socket);
    officer.socket.connect();
    expect(await reconnected).toEqual({ connected: true });
    expect(officer.socket.recovered).toBe(true);
    expect(officer.socket.id).toBe(id);
    expect((await received(officer, gapPayment)).id).toBe(gapAlert.id);
    // Only what was missed is replayed, once.
    expect(officer.alerts.filter((a) => a.id === before.id)).toHaveLength(1);
    expect(officer.alerts.filter((a) => a.id === gapAlert.id)).toHaveLength(1);
    // And the recovered socket is live again.
    const after = await raiseAlert();
    await received(officer, after);
  }, 60_000);

  it('recovers a socket that has only seen aggregates so far', async () => {
    const witness = open(await login());
    const officer = open(await login());
    expect(await Promise.all([outcome(witness.socket), outcome(officer.socket)])).toEqual([{ connected: true }, { connected: true }]);
    // The gateway sends each new socket the current aggregates through the adapter: that gives it
    // a recovery offset. The per-second ones are emitted locally and carry none.
    await eventually(async () => officer.aggregates.withOffset, (n) => n > 0, 10_000);
    expect(officer.alerts).toHaveLength(0);
    expect(await cut(officer.socket)).toEqual({ client: 'forced close', server: 'transport close' });

    const gapPayment = await raiseAlert();
    const gapAlert = await received(witness, gapPayment);

    const reconnected = outcome(officer.socket);
    officer.socket.connect();
    expect(await reconnected).toEqual({ connected: true });
    expect(officer.socket.recovered).toBe(true);
    expect((await received(officer, gapPayment)).id).toBe(gapAlert.id);
  }, 60_000);

  it('runs the middleware on recovery: a token revoked during the gap is refused, and nothing missed is sent', async () => {
    const token = await login();
    const witness = open(await login());
    const officer = open(token);
    expect(await Promise.all([outcome(witness.socket), outcome(officer.socket)])).toEqual([{ connected: true }, { connected: true }]);
    await received(officer, await raiseAlert());
    const id = officer.socket.id;
    expect(await cut(officer.socket)).toEqual({ client: 'forced close', server: 'transport close' });

    const logout = await platform.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { authorization: `Bearer ${token}` } });
    expect(logout.statusCode).toBe(204);
    const gapPayment = await raiseAlert();
    await received(witness, gapPayment);
    const wireBefore = officer.wire.length;

    // Watch the adapter: the session itself is still restorable, so it is the middleware that refuses.
    const adapter = nsp().adapter;
    const restoreSession = adapter.restoreSession;
    const restored: string[] = [];
    adapter.restoreSession = async (pid, offset) => {
      const session = await restoreSession.call(adapter, pid, offset);
      restored.push(session.sid);
      return session;
    };
    try {
      const reconnected = outcome(officer.socket);
      officer.socket.connect();
      expect(await reconnected).toEqual({ connected: false, error: 'AUTH_TOKEN_INVALID' });
    } finally {
      adapter.restoreSession = restoreSession;
    }
    expect(restored).toEqual([id]);
    expect(officer.socket.connected).toBe(false);
    expect(nsp().sockets.has(id!)).toBe(false);
    expect(officer.alerts.some((a) => a.paymentId === gapPayment)).toBe(false);
    expect(officer.wire.slice(wireBefore).filter((p) => p.includes(gapPayment))).toEqual([]);
  }, 60_000);
});
