import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: PlatformMetrics;
  }
}

export interface PlatformMetrics {
  registry: Registry;
  messages: Counter<'type' | 'status' | 'direction'>;
  authorizeSeconds: Histogram<'type'>;
  httpResponses: Counter<'route' | 'status'>;
}

export function createMetrics(): PlatformMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cpg_' });
  return {
    registry,
    messages: new Counter({
      name: 'cpg_messages_total',
      help: 'Messages switched, by type, status and direction',
      labelNames: ['type', 'status', 'direction'],
      registers: [registry],
    }),
    authorizeSeconds: new Histogram({
      name: 'cpg_authorize_seconds',
      help: 'Time from request received to answer, by message type',
      labelNames: ['type'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    httpResponses: new Counter({
      name: 'cpg_http_responses_total',
      help: 'HTTP responses by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  };
}

export default fp(
  async function metrics(app: FastifyInstance, options: { metrics: PlatformMetrics }) {
    app.decorate('metrics', options.metrics);
    app.addHook('onResponse', async (request, reply) => {
      options.metrics.httpResponses.inc({ route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
    });
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(options.metrics.registry.contentType);
      return options.metrics.registry.metrics();
    });
  },
  { name: 'metrics' },
);
