import type { Socket } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, type Registry } from 'prom-client';
import { HttpDomainError } from '../http-errors.ts';
import { registeredMetric } from './metrics.ts';

export interface ConnectionLimitOptions {
  /** Open connections (or, behind a trusted proxy, requests in progress) per client address. */
  maxPerAddress: number;
  /** TRUST_PROXY: connections from these are the proxy's, shared by its clients. */
  trustProxy: readonly string[];
  registry: Registry;
}

/** Adds one to `address` in `counts` unless it is at `max`; the release, or undefined when refused. */
function take(counts: Map<string, number>, address: string, max: number): (() => void) | undefined {
  const n = counts.get(address) ?? 0;
  if (n >= max) return undefined;
  counts.set(address, n + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (counts.get(address) ?? 1) - 1;
    if (left > 0) counts.set(address, left);
    else counts.delete(address);
  };
}

/**
 * A bound on what one client address holds open, so a few addresses cannot take every
 * socket of the node (timeouts, server/http-timeouts.ts, bound how long each is held).
 *
 * A connection from a client is counted against its TCP peer when it is accepted, and one
 * over the bound is closed at once, before it can send anything. A trusted proxy (TRUST_PROXY)
 * carries many clients on its connections, so it is not bounded as one client: instead each
 * request it forwards counts, while it is in progress, against the client address from
 * X-Forwarded-For (as fastify's `request.ip` gives it), and one over the bound is answered
 * 429 TOO_MANY_CONNECTIONS. The proxy's own requests (no forwarded address) are not bounded.
 */
export default fp(
  async function connectionLimit(app: FastifyInstance, options: ConnectionLimitOptions) {
    const { maxPerAddress: max, registry } = options;
    const trust = options.trustProxy.length > 0 ? proxyAddr.compile([...options.trustProxy]) : undefined;
    const isTrustedProxy = (address: string) => trust?.(address, 0) === true;
    const refused = registeredMetric(registry, 'cpg_http_connections_refused_total', () =>
      new Counter({
        name: 'cpg_http_connections_refused_total',
        help: 'Connections closed on arrival (scope "address") and forwarded requests refused with 429 (scope "forwarded_address"): the client address had its bound open',
        labelNames: ['scope'],
        registers: [registry],
      }),
    );
    let open = 0;
    registeredMetric(registry, 'cpg_http_open_connections', () =>
      new Gauge({ name: 'cpg_http_open_connections', help: 'HTTP connections open on this node', registers: [registry], collect() { this.set(open); } }),
    );

    const connections = new Map<string, number>();
    app.server.on('connection', (socket: Socket) => {
      const peer = socket.remoteAddress;
      if (peer === undefined) return;
      let release: (() => void) | undefined;
      if (!isTrustedProxy(peer)) {
        release = take(connections, peer, max);
        if (!release) {
          refused.inc({ scope: 'address' });
          socket.destroy();
          return;
        }
      }
      open++;
      socket.once('close', () => {
        open--;
        release?.();
      });
    });

    if (!trust) return;
    const forwarded = new Map<string, number>();
    const message = `too many connections from this address: at most ${max} at once`;
    app.addHook('onRequest', (request, reply, done) => {
      const peer = request.socket.remoteAddress;
      const client = request.ip;
      if (peer === undefined || client === peer || !isTrustedProxy(peer)) {
        done();
        return;
      }
      const release = take(forwarded, client, max);
      if (!release) {
        refused.inc({ scope: 'forwarded_address' });
        done(new HttpDomainError('TOO_MANY_CONNECTIONS', message, { 'retry-after': '1' }));
        return;
      }
      // 'close' comes once: the answer was sent or the client went away.
      reply.raw.once('close', release);
      done();
    });
  },
  { name: 'connection-limit' },
);
