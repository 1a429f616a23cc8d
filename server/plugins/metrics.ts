import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestWriter } from '../../ingest/writer.ts';

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

/** The metric `name` already in `registry` (a plugin registered twice on one registry), or the one `make` registers. */
export function registeredMetric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
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
    // Figures of load, errors and refusals tell an attacker how close the node is to its
    // limits: the scrape carries the monitoring token (plugins/monitoring-access.ts).
    app.get('/metrics', { schema: { hide: true }, preValidation: app.requireMonitoring }, async (_request, reply) => {
      reply.type(options.metrics.registry.contentType);
      return options.metrics.registry.metrics();
    });
  },
  { name: 'metrics', dependencies: ['monitoring-access'] },
);

/**
 * Entries the ingest writers moved to their dead-letter stores, by stream (every stream
 * named starts at 0, so an alerting rule sees the series before the first one). Returns
 * what the writers' notices call.
 */
export function registerDeadLetterMetrics(metrics: PlatformMetrics, streams: readonly string[]): (stream: string, count: number) => void {
  const counter = registeredMetric(
    metrics.registry,
    'cpg_ingest_dead_letters_total',
    () =>
      new Counter({
        name: 'cpg_ingest_dead_letters_total',
        help: 'Stream entries moved to their dead-letter store (refused by ClickHouse, or making no row), by stream',
        labelNames: ['stream'],
        registers: [metrics.registry],
      }),
  ) as Counter<'stream'>;
  for (const stream of streams) counter.inc({ stream }, 0);
  return (stream, count) => counter.inc({ stream }, count);
}

/** Ingest writer figures, read from the writer when Prometheus scrapes. */
export function registerWriterMetrics(metrics: PlatformMetrics, writer: IngestWriter): void {
  const reg = [metrics.registry];
  const totals = { rows: 0, batches: 0, failures: 0 };
  const counter = (name: string, help: string, key: keyof typeof totals) =>
    new Counter({
      name,
      help,
      registers: reg,
      collect() {
        const now = writer.stats()[key];
        this.inc(Math.max(0, now - totals[key]));
        totals[key] = now;
      },
    });
  counter('cpg_ingest_rows_total', 'Rows inserted into ClickHouse by the ingest writer', 'rows');
  counter('cpg_ingest_batches_total', 'Batches inserted into ClickHouse', 'batches');
  counter('cpg_ingest_insert_failures_total', 'Failed ClickHouse inserts (each retried)', 'failures');
  new Gauge({
    name: 'cpg_ingest_last_batch_rows',
    help: 'Rows in the last inserted batch',
    registers: reg,
    collect() {
      this.set(writer.stats().lastBatchRows);
    },
  });
  const lagGauge = new Gauge({ name: 'cpg_ingest_lag_seconds', help: 'Age of the oldest event not yet in ClickHouse', registers: reg });
  const pendingGauge = new Gauge({ name: 'cpg_ingest_stream_length', help: 'Entries in the tap stream', registers: reg });
  new Gauge({
    name: 'cpg_ingest_probe',
    help: 'Always 1; refreshes the lag gauges on scrape',
    registers: reg,
    async collect() {
      const lag = await writer.lag();
      lagGauge.set(lag.lagMs / 1000);
      pendingGauge.set(lag.streamLength);
      this.set(1);
    },
  });
}
