import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';

/**
 * socket.io's handshakes reach the node beside fastify's routing, so the per-address limit
 * is applied to them by the live feed itself: a console's connection spends its address's
 * budget like any request, and an address over its limit gets no socket. A real platform
 * with a per-address limit of PER_IP requests an hour, everything from 127.0.0.1.
 */

const PER_IP = 8;
const WINDOW_MS = 3_600_000;

describe('the per-address rate limit on socket.io handshakes', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let dir: string;
  let base: string;
  const sockets: Socket[] = [];
  const outcomes: string[] = [];
  let httpAfter: Response | undefined;

  beforeAll(async () => {
    // The whole test inside one window of the limit.
    const left = WINDOW_MS - (Date.now() % WINDOW_MS);
    if (left < 60_000) await new Promise((r) => setTimeout(r, left + 100));
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-socket-limit-'));
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as Record<string, unknown>;
    config.rateLimits = { perIp: { max: PER_IP, windowMs: WINDOW_MS }, perParticipant: { max: 10_000, windowMs: 1000 } };
    const configPath = path.join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: configPath });
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    // One request of the budget: the login.
    const user = devCredentials().users.find((u) => u.role === 'risk_officer')!;
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    const { token } = (await login.json()) as { token: string };
    // Each websocket handshake is one HTTP request (the upgrade): the budget has PER_IP - 1 left.
    for (let i = 0; i < PER_IP + 2; i++) {
      const socket = connect(`${base}/console`, { auth: { token }, transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      outcomes.push(
        await new Promise<string>((resolve) => {
          socket.once('connect', () => resolve('connected'));
          socket.once('connect_error', (e) => resolve(`refused: ${e.message}`));
        }),
      );
    }
    httpAfter = await fetch(`${base}/health`);
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lets connections through while the address has budget left, then refuses them', () => {
    expect(outcomes.slice(0, PER_IP - 1)).toEqual(Array.from({ length: PER_IP - 1 }, () => 'connected'));
    for (const o of outcomes.slice(PER_IP - 1)) expect(o).toMatch(/^refused: /);
  });

  it('shares the budget with the HTTP API: the same address is now refused there too', async () => {
    expect(httpAfter?.status).toBe(429);
    expect(await httpAfter?.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/this address/) } });
  });

  it('counts the refused handshakes with the other per-address refusals', async () => {
    const metrics = await platform.app.metrics.registry.getSingleMetricAsString('cpg_rate_limited_total');
    // The three refused handshakes and the refused /health.
    expect(metrics).toMatch(/^cpg_rate_limited_total\{scope="ip"\} 4$/m);
  });
});
