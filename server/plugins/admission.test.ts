import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { openSlowClient, type SlowClient } from '../../test/support/slow-client.ts';
import admission, { LINE_PER_PLACE } from './admission.ts';

/**
 * The plugin on a real HTTP server, with a route that holds every admitted request until
 * the test lets it go: which requests take a place, which wait in line, and when the others
 * are refused. Without a line (queueMs 0) a full node refuses at once.
 */
describe('admission hooks on a route', () => {
  const MAX = 2;
  let app: FastifyInstance;
  let port: number;
  let release: () => void;
  let gate: Promise<void>;
  const clients: SlowClient[] = [];
  /** Requests that got past their headers (onRequest), and that reached the handler (admitted). */
  let arrived: number;
  let admitted: number;
  let onArrival: () => void;
  /** Held after admission, as authentication holds a request while Redis is slow. */
  let authenticated: Promise<void>;
  let authenticate: () => void;
  let waitingForAuth: number;

  async function start(queueMs = 0) {
    arrived = 0;
    admitted = 0;
    waitingForAuth = 0;
    gate = new Promise((r) => (release = r));
    authenticated = Promise.resolve();
    app = Fastify();
    await app.register(admission, { maxInFlight: MAX, queueMs, registry: new Registry() });
    app.addHook('onRequest', async () => {
      arrived++;
      onArrival?.();
    });
    const preValidation = async () => {
      waitingForAuth++;
      await authenticated;
    };
    app.post('/pay', { onRequest: app.refuseWhenFull, preValidation: [app.admitAuthorisation, preValidation] }, async () => {
      admitted++;
      await gate;
      return { ok: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  }
  const arrivals = (n: number) =>
    new Promise<void>((resolve) => {
      onArrival = () => arrived >= n && resolve();
      onArrival();
    });
  const pay = () => fetch(`http://127.0.0.1:${port}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount":1}' });
  /** Headers complete, a body announced and only begun. */
  const partial = async () => {
    const client = await openSlowClient(port);
    clients.push(client);
    client.send(`POST /pay HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"am`);
    return client;
  };

  afterEach(async () => {
    release?.();
    for (const c of clients.splice(0)) c.close();
    await app?.close();
  });

  it('holds no place for a request whose body is still arriving', async () => {
    await start();
    await partial();
    await partial();
    await arrivals(2);
    // Both places are free for whole requests.
    const answers = [pay(), pay()];
    await arrivals(4);
    await expect.poll(() => admitted).toBe(MAX);
    release();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('gives the place back at once when the caller leaves while its request is authenticated', async () => {
    await start();
    authenticated = new Promise((r) => (authenticate = r));
    // A whole request, then its caller gives up while it is still being authenticated.
    const gone = await partial();
    gone.send('ount":1}'.padEnd(100 - 4, ' '));
    await expect.poll(() => waitingForAuth).toBe(1);
    gone.close();
    await gone.ended;
    await expect.poll(() => new Promise((r) => app.server.getConnections((_e, n) => r(n)))).toBe(0);
    authenticate();
    // Its payment still runs; once it is done, both places are free again.
    await expect.poll(() => admitted).toBe(1);
    release();
    gate = new Promise((r) => (release = r));
    const answers = [pay(), pay()];
    await expect.poll(() => admitted).toBe(1 + MAX);
    release();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('refuses a request that became whole while the node was full, without authenticating it', async () => {
    await start();
    // Its headers came while places were free; its body arrives once they are taken.
    const late = await partial();
    await arrivals(1);
    const held = [pay(), pay()];
    await expect.poll(() => admitted).toBe(MAX);
    late.send('ount":1}'.padEnd(100 - 4, ' '));
    await expect.poll(() => late.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(late.received()).toContain('"code":"OVERLOADED"');
    expect(waitingForAuth).toBe(MAX);
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('refuses on arrival, before the body is read, while the node is full', async () => {
    await start();
    const held = [pay(), pay()];
    await expect.poll(() => admitted).toBe(MAX);
    const late = await partial();
    await expect.poll(() => late.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(late.received()).toContain('"code":"OVERLOADED"');
    expect(late.received()).toMatch(/retry-after: 1/i);
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    // Places are given back once answered.
    gate = Promise.resolve();
    expect((await pay()).status).toBe(200);
  });

  it('lets a request wait in line while the node is full, and admits it when a place frees', async () => {
    await start(10_000);
    const held = [pay(), pay()];
    await expect.poll(() => admitted).toBe(MAX);
    const waiting = pay();
    await arrivals(MAX + 1);
    // Whole and waiting: neither refused nor let through to authentication.
    await new Promise((r) => setTimeout(r, 50));
    expect(waitingForAuth).toBe(MAX);
    release();
    expect((await Promise.all([...held, waiting])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(admitted).toBe(MAX + 1);
  });

  it('refuses a request that waited in line for queueMs', async () => {
    await start(100);
    const held = [pay(), pay()];
    await expect.poll(() => admitted).toBe(MAX);
    const startedAt = performance.now();
    const waited = await pay();
    expect(waited.status).toBe(503);
    expect(((await waited.json()) as { error: { code: string } }).error.code).toBe('OVERLOADED');
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(90);
    expect(waitingForAuth).toBe(MAX);
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('refuses on arrival once the line is full', async () => {
    await start(10_000);
    const held = [pay(), pay()];
    await expect.poll(() => admitted).toBe(MAX);
    const inLine = Array.from({ length: LINE_PER_PLACE * MAX }, () => pay());
    await arrivals(MAX + LINE_PER_PLACE * MAX);
    const late = await partial();
    await expect.poll(() => late.received()).toMatch(/^HTTP\/1\.1 503 /);
    release();
    expect((await Promise.all([...held, ...inLine])).map((r) => r.status)).toEqual(Array(MAX + LINE_PER_PLACE * MAX).fill(200));
  });

  it('gives up the place in line of a caller that leaves, and serves the next one', async () => {
    await start(10_000);
    const held = [pay(), pay()];
    await expect.poll(() => admitted).toBe(MAX);
    const leaver = await partial();
    leaver.send('ount":1}'.padEnd(100 - 4, ' '));
    await arrivals(MAX + 1);
    await new Promise((r) => setTimeout(r, 20));
    leaver.close();
    await leaver.ended;
    const next = pay();
    await arrivals(MAX + 2);
    release();
    expect((await Promise.all([...held, next])).map((r) => r.status)).toEqual([200, 200, 200]);
    // The leaver was never admitted: two held and the next one.
    expect(admitted).toBe(MAX + 1);
  });
});
