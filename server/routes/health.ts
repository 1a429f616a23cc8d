import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

export interface HealthCheck {
  name: string;
  check(): Promise<unknown>;
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * GET /health: 200 once every dependency answers, 503 naming what is down. Anyone gets that
 * bare answer (a load balancer's check); monitoring (plugins/monitoring-access.ts) gets the
 * details too: each check's time or reason, uptime, and what the platform adds (role, risk
 * engine, ingest). Dependency errors and figures say how the node is built and how loaded it
 * is: nothing for strangers.
 */
export default async function healthRoutes(app: FastifyInstance, options: { checks: HealthCheck[]; details?: () => Promise<Record<string, unknown>> }) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness of the platform and its dependencies; details with the monitoring token or an admin session',
        security: [{}, { monitoringToken: [] }, { operatorToken: [] }],
        response: {
          200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: true }),
          503: Type.Object({ status: Type.Literal('down') }, { additionalProperties: true }),
        },
      },
    },
    async (request, reply) => {
      // Credentials first: a bad token is refused before any dependency is asked.
      const detailed = (await app.monitoringAccess(request)) === 'granted';
      const results = await Promise.all(
        options.checks.map(async (c) => {
          const started = performance.now();
          try {
            await withTimeout(c.check(), CHECK_TIMEOUT_MS);
            return [c.name, { status: 'up', ms: Math.round((performance.now() - started) * 10) / 10 }] as const;
          } catch (e) {
            return [c.name, { status: 'down', reason: (e as Error).message }] as const;
          }
        }),
      );
      const down = results.filter(([, r]) => r.status === 'down').map(([name]) => name);
      const bare = down.length > 0 ? { status: 'down', error: { code: 'DEPENDENCY_DOWN', message: `not answering: ${down.join(', ')}` } } : { status: 'ok' };
      let body: Record<string, unknown> = bare;
      if (detailed) {
        let details: Record<string, unknown> = {};
        try {
          details = (await options.details?.()) ?? {};
        } catch (e) {
          details = { detailsError: (e as Error).message };
        }
        body = { ...bare, checks: Object.fromEntries(results), uptimeS: Math.round(process.uptime()), ...details };
      }
      return reply.code(down.length > 0 ? 503 : 200).send(body);
    },
  );
}
