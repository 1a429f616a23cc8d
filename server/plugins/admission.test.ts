import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { openSlowClient, type SlowClient } from '../../test/support/slow-client.ts';
import admission, { createAdmissionLimit, MAX_LATE_SHARE } from './admission.ts';

/** The adaptive bound alone (pure logic); test/admission.test.ts runs it in the platform. */
describe('admission bound', () => {
  const enter = (limit: ReturnType<typeof createAdmissionLimit>, n: number) => Array.from({ length: n }, () => limit.tryEnter());

  it('admits up to the bound and refuses past it until a place is left', () => {
    const limit = createAdmissionLimit({ maxInFlight: 3 });
    expect(enter(limit, 5)).toEqual([true, true, true, false, false]);
    expect(limit.inFlight).toBe(3);
    limit.leave();
    expect(enter(limit, 2)).toEqual([true, false]);
  });

  it('shrinks by a quarter when too many scored payments missed the risk deadline, not below the minimum', () => {
    const limit = createAdmissionLimit({ maxInFlight: 64, minInFlight: 16 });
    limit.adjust({ scored: 0, late: 0 });
    const late = Math.floor(MAX_LATE_SHARE * 1000) + 1;
    limit.adjust({ scored: 1000, late });
    expect(limit.limit).toBe(48);
    limit.adjust({ scored: 2000, late: 2 * late });
    expect(limit.limit).toBe(36);
    for (let i = 3; i < 10; i++) limit.adjust({ scored: i * 1000, late: i * late });
    expect(limit.limit).toBe(16);
  });

  it('does not shrink for misses at or under the share, nor on too few payments to tell', () => {
    const limit = createAdmissionLimit({ maxInFlight: 64 });
    limit.adjust({ scored: 0, late: 0 });
    limit.adjust({ scored: 1000, late: MAX_LATE_SHARE * 1000 });
    expect(limit.limit).toBe(64);
    limit.adjust({ scored: 1010, late: MAX_LATE_SHARE * 1000 + 10 });
    expect(limit.limit).toBe(64);
  });

  it('grows back by two per period in which the whole bound was used without misses, up to the maximum', () => {
    const limit = createAdmissionLimit({ maxInFlight: 40, minInFlight: 4 });
    limit.adjust({ scored: 0, late: 0 });
    limit.adjust({ scored: 100, late: 100 });
    expect(limit.limit).toBe(30);
    // Used, but never full: no reason to grow.
    enter(limit, 10);
    limit.adjust({ scored: 200, late: 100 });
    expect(limit.limit).toBe(30);
    // Full during the period (even if places were left since): grows.
    enter(limit, 25);
    for (let i = 0; i < 20; i++) limit.leave();
    limit.adjust({ scored: 300, late: 100 });
    expect(limit.limit).toBe(32);
    for (let i = 0; i < 20; i++) {
      enter(limit, 100);
      limit.adjust({ scored: 400 + i * 100, late: 100 });
    }
    expect(limit.limit).toBe(40);
  });

  it('rejects a bound that is not a whole number >= 1', () => {
    expect(() => createAdmissionLimit({ maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => createAdmissionLimit({ maxInFlight: 2.5 })).toThrow(/maxInFlight/);
  });
});

/**
 * The plugin on a real HTTP server, with a route that holds every admitted request until
 * the test lets it go: which requests take a place, and when the others are refused.
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
  /** Held before admission, as authentication holds a request while Redis is slow. */
  let authenticated: Promise<void>;
  let authenticate: () => void;
  let waitingForAuth: number;

  async function start() {
    arrived = 0;
    admitted = 0;
    waitingForAuth = 0;
    gate = new Promise((r) => (release = r));
    authenticated = Promise.resolve();
    app = Fastify();
    await app.register(admission, { maxInFlight: MAX, registry: new Registry() });
    app.addHook('onRequest', async () => {
      arrived++;
      onArrival?.();
    });
    const preValidation = async () => {
      waitingForAuth++;
      await authenticated;
    };
    app.post('/pay', { onRequest: app.refuseWhenFull, preValidation, preHandler: app.admitAuthorisation }, async () => {
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

  it('keeps no place for a request whose caller left before it was admitted', async () => {
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
});
