import type { FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import type { HttpLimitsConfig } from './config/schema.ts';

/** Every HTTP limit with a value: the config's `http` block over these defaults. */
export type HttpLimits = Required<HttpLimitsConfig>;

/**
 * A client that sends slowly holds a connection and, once its headers are in, a request;
 * without timeouts it holds them for as long as it likes. Node's own defaults are late (60 s
 * for headers, 5 min for a request, checked every 30 s), fastify sets no request timeout at
 * all. Payments are a few hundred bytes from servers: 10 s for the headers and 30 s for the
 * whole request (bodies are at most 1 MiB) are generous to any honest client.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // fastify's default, above the 60 s idle timeout of common load balancers: the balancer,
  // not the node, closes an idle connection, so it never sends a request on one being closed.
  keepAliveTimeoutMs: 72_000,
  timeoutCheckIntervalMs: 1000,
  // Participants are servers, often behind one egress address with a keep-alive pool; the
  // benchmarks open a few hundred connections from loopback.
  maxConnectionsPerAddress: 512,
};

export function httpLimitsOf(config: HttpLimitsConfig | undefined): HttpLimits {
  return { ...DEFAULT_HTTP_LIMITS, ...config };
}

/** Why a set of limits cannot work, or undefined: Node refuses a headers timeout past the request timeout. */
export function httpLimitsProblem(limits: HttpLimits): { field: keyof HttpLimits; message: string } | undefined {
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    return { field: 'headersTimeoutMs', message: `must not be above http.requestTimeoutMs (${limits.requestTimeoutMs})` };
  }
  return undefined;
}

/**
 * The limits as fastify's server options. fastify sets `requestTimeout` and `keepAliveTimeout`
 * on the server itself after creating it (so they must be its own options, or its defaults of
 * none and 72 s win); the headers timeout and the checking interval only reach Node's
 * http.createServer through `http`.
 */
export function serverTimeouts(limits: HttpLimits): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'keepAliveTimeout' | 'http'> {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
  };
}
