import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { RiskEngine } from '../../rules/index.ts';
import { buildApp } from '../app.ts';
import { admissionState } from '../plugins/admission.ts';
import type { Capability, RoutePlugin } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { Ingest } from './ingest.ts';

/**
 * The HTTP API of the process: the app with the platform's plugins, /health and /metrics,
 * and the routes of every capability started before it. Started last, so it closes first:
 * payments in flight finish before what they use goes.
 */
export async function startHttp(
  ctx: PlatformContext,
  options: { routes: RoutePlugin[]; logger: FastifyServerOptions['logger']; risk?: RiskEngine; ingest: Pick<Ingest, 'health'> },
): Promise<{ app: FastifyInstance } & Capability> {
  const { config, redis, clickhouse } = ctx;
  const { file } = config;
  const secrets = new Map(file.participants.map((p) => [p.id, p.secret]));
  const { risk } = options;
  const app = await buildApp({
    redis,
    metrics: ctx.metrics,
    secretOf: (id) => secrets.get(id),
    health: [
      { name: 'redis', check: () => redis.ping() },
      ...(clickhouse
        ? [{ name: 'clickhouse', check: () => clickhouse.client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json()) }]
        : []),
    ],
    healthDetails: async () => ({
      role: config.role,
      clickhouseMode: clickhouse?.mode ?? 'not in this process',
      risk: risk
        ? (({ ruleSetVersion, scored, degraded, degradedByCause, rules, state }) => ({ ruleSetVersion, scored, degraded, degradedByCause, rules, state }))(risk.stats())
        : 'not in this process',
      ingest: await options.ingest.health(),
      // The switch's admission limit and what it is found from (server/plugins/admission-limit.ts).
      admission: admissionState(ctx.metrics.registry) ?? 'not in this process',
    }),
    maxClockSkewMs: file.auth.maxClockSkewMs,
    bodyLimitBytes: file.auth.bodyLimitBytes,
    rateLimits: file.rateLimits,
    trustProxy: config.trustProxy,
    http: file.http,
    monitoringToken: file.monitoring?.token,
    sessions: ctx.sessions,
    audit: ctx.audit,
    routes: options.routes,
    logger: options.logger,
  });
  return { app, close: () => app.close() };
}
