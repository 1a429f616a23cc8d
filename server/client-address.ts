import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/**
 * The client address of a raw request, as fastify's `request.ip` gives it with the same
 * `trustProxy` (TRUST_PROXY): the TCP peer, unless that peer is a trusted proxy, then the
 * nearest untrusted address in X-Forwarded-For. For requests that never reach fastify's
 * routing (socket.io's handshakes).
 */
export function clientAddress(trustProxy: readonly string[]): (request: IncomingMessage) => string {
  if (trustProxy.length === 0) return (request) => request.socket.remoteAddress ?? '';
  const trust = proxyAddr.compile([...trustProxy]);
  return (request) => proxyAddr(request, trust);
}
