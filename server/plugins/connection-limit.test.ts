import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlowClient, type SlowClient } from '../../test/support/slow-client.ts';
import { errorHandler } from '../http-errors.ts';
import connectionLimit from './connection-limit.ts';

/**
 * The per-address bound on a real HTTP server, clients on distinct loopback addresses:
 * 127.0.0.3 and 127.0.0.4 are clients, 127.0.0.5 the trusted proxy (TRUST_PROXY).
 */
const MAX = 3;
const PROXY = '127.0.0.5';

describe('connections per client address', () => {
  let app: FastifyInstance;
  let port: number;
  const registry = new Registry();
  const clients: SlowClient[] = [];

  const open = async (localAddress: string) => {
    const client = await openSlowClient(port, { localAddress });
    clients.push(client);
    return client;
  };
  /** One whole GET on an open connection; resolves with the status line. */
  const get = async (client: SlowClient, headers = '') => {
    const before = client.received().length;
    client.send(`GET /ok HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
    await expect.poll(() => client.received().slice(before)).toMatch(/\r\n\r\n\{.*\}$/s);
    return client.received().slice(before).split('\r\n')[0];
  };
  const metric = async (name: string) => (await registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#'));

  beforeAll(async () => {
    app = Fastify({ trustProxy: [PROXY] });
    app.setErrorHandler(errorHandler);
    await app.register(connectionLimit, { maxPerAddress: MAX, trustProxy: [PROXY], registry });
    app.get('/ok', async (request) => ({ ip: request.ip }));
    // Reads its body: a request whose body is still arriving stays in progress.
    app.post('/upload', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await app?.close();
  });

  it('closes a connection past the bound as it is accepted, before anything is read', async () => {
    const held = [await open('127.0.0.3'), await open('127.0.0.3'), await open('127.0.0.3')];
    for (const c of held) expect(await get(c)).toBe('HTTP/1.1 200 OK');
    const over = await open('127.0.0.3');
    const end = await Promise.race([over.ended, new Promise<string>((r) => setTimeout(() => r('still open after 2 s'), 2000))]);
    expect(end).toMatchObject({ byServer: true, received: '' });
    expect(typeof end === 'object' && end.at - over.openedAt).toBeLessThan(1000);
    expect(await metric('cpg_http_connections_refused_total')).toEqual(['cpg_http_connections_refused_total{scope="address"} 1']);
    // Another address is not affected; the held ones still work.
    expect(await get(await open('127.0.0.4'))).toBe('HTTP/1.1 200 OK');
    expect(await get(held[0]!)).toBe('HTTP/1.1 200 OK');
    // A connection given back is a place free again.
    const other = clients.at(-1)!;
    expect(await metric('cpg_http_open_connections')).toEqual(['cpg_http_open_connections 4']);
    held[2]!.close();
    await expect.poll(() => metric('cpg_http_open_connections')).toEqual(['cpg_http_open_connections 3']);
    const again = await open('127.0.0.3');
    expect(await get(again)).toBe('HTTP/1.1 200 OK');
    for (const c of [held[0]!, held[1]!, again, other]) c.close();
    await expect.poll(() => metric('cpg_http_open_connections')).toEqual(['cpg_http_open_connections 0']);
  });

  it('does not bound a trusted proxy as one client, but each forwarded client address', async () => {
    const fromProxy = await Promise.all(Array.from({ length: MAX + 3 }, () => open(PROXY)));
    for (const c of fromProxy) expect(await get(c)).toBe('HTTP/1.1 200 OK');
    // Three uploads of one client, in progress (headers in, body still arriving), through the proxy.
    const slow = fromProxy.slice(0, MAX);
    for (const c of slow) c.send('POST /upload HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a');
    await expect.poll(async () => (await get(fromProxy[MAX]!, 'X-Forwarded-For: 203.0.113.9\r\n'))).toBe('HTTP/1.1 429 Too Many Requests');
    expect(fromProxy[MAX]!.received()).toContain('"code":"TOO_MANY_CONNECTIONS"');
    expect(fromProxy[MAX]!.received()).toMatch(/retry-after: 1/i);
    // Another client behind the same proxy, and the proxy's own requests, go through.
    expect(await get(fromProxy[MAX + 1]!, 'X-Forwarded-For: 203.0.113.10\r\n')).toBe('HTTP/1.1 200 OK');
    expect(await get(fromProxy[MAX + 2]!)).toBe('HTTP/1.1 200 OK');
    expect(await metric('cpg_http_connections_refused_total')).toContain('cpg_http_connections_refused_total{scope="forwarded_address"} 1');
    // Once its uploads end (here: given up), the client has its places back.
    for (const c of slow) c.close();
    await Promise.all(slow.map((c) => c.ended));
    await expect.poll(async () => get(fromProxy[MAX]!, 'X-Forwarded-For: 203.0.113.9\r\n')).toBe('HTTP/1.1 200 OK');
  });
});
