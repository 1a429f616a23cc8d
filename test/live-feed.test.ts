import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs, sendPayments } from './support/traffic.ts';

describe('live feed on /console', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    platform = await startTestPlatform();
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    // Let the server see them leave (it records their sessions for recovery) before it stops.
    await eventually(async () => (await platform.alerting.live.io.of('/console').fetchSockets()).length, (n) => n === 0, 5000);
    await platform?.stop();
  });

  const tokenOf = async (role: string, participant?: string) => {
    const user = devCredentials().users.find((u) => u.role === role && (!participant || u.participant === participant))!;
    const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } });
    return r.json().token as string;
  };
  const open = (auth: Record<string, unknown>) => {
    const socket = connect(`${base}/console`, { auth, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    return socket;
  };
  const refusal = (socket: Socket) =>
    new Promise<string>((resolve, reject) => {
      socket.on('connect', () => reject(new Error('connected without a valid token')));
      socket.on('connect_error', (e) => resolve(e.message));
    });

  it('refuses a socket without a token, or with a bad one', async () => {
    expect(await refusal(open({}))).toBe('AUTH_TOKEN_INVALID');
    expect(await refusal(open({ token: 'x'.repeat(43) }))).toBe('AUTH_TOKEN_INVALID');
    expect(await refusal(open({ token: 42 }))).toBe('AUTH_TOKEN_INVALID');
  });

  it('serves no other namespace: the default one refuses everyone, a valid token or not', async () => {
    const main = (auth: Record<string, unknown>) => {
      const socket = connect(`${base}/`, { auth, transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      return socket;
    };
    expect(await refusal(main({}))).toBe('NAMESPACE_NOT_SERVED');
    expect(await refusal(main({ token: await tokenOf('admin') }))).toBe('NAMESPACE_NOT_SERVED');
    expect(await refusal(open({}).io.socket('/elsewhere'))).toBe('Invalid namespace');
  });

  it("sends a participant analyst only its own participant's aggregates, and operators everyone's", async () => {
    const operator = open({ token: await tokenOf('risk_officer') });
    const analyst = open({ token: await tokenOf('participant_analyst', 'siam-wallet') });
    await Promise.all(
      [operator, analyst].map((s) => new Promise((resolve, reject) => {
        if (s.connected) return resolve(undefined);
        s.once('connect', () => resolve(undefined));
        s.once('connect_error', reject);
      })),
    );
    const seen = { operator: [] as any[], analyst: [] as any[] };
    operator.on('aggregates', (a) => seen.operator.push(a));
    analyst.on('aggregates', (a) => seen.analyst.push(a));
    const qr = await merchantQrs(platform.app);
    // Six participants in turn: siam-wallet sends one payment in six.
    const deadline = Date.now() + 8000;
    const operatorSawOthers = () => seen.operator.some((a) => a.byCorridor.some((c: { corridor: string }) => !c.corridor.startsWith('TH-')));
    while (Date.now() < deadline && !(operatorSawOthers() && seen.analyst.some((a) => a.tps > 0))) {
      await sendPayments(platform.app, qr, 60, 8);
      await new Promise((r) => setTimeout(r, 300));
    }
    const busyOperator = seen.operator.filter((a) => a.tps > 0);
    const busyAnalyst = seen.analyst.filter((a) => a.tps > 0);
    expect(busyOperator.length).toBeGreaterThan(0);
    expect(busyAnalyst.length).toBeGreaterThan(0);
    for (const a of busyAnalyst) {
      expect(a.byCorridor.every((c: { corridor: string }) => c.corridor.startsWith('TH-'))).toBe(true);
    }
    expect(busyOperator.some((a) => a.byCorridor.some((c: { corridor: string }) => !c.corridor.startsWith('TH-')))).toBe(true);
    expect(busyAnalyst[0]).toMatchObject({ approvalRate: expect.any(Number), p99LatencyMs: expect.any(Number), ingestLagMs: expect.any(Number) });
  }, 30_000);
});
