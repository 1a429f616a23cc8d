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

/** GET /health: 200 once every dependency answers, 503 naming what is down. */
export default async function healthRoutes(app: FastifyInstance, options: { checks: HealthCheck[]; details?: () => Promise<Record<string, unknown>> }) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness of the platform and its dependencies',
        response: {
          200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: true }),
          503: Type.Object({ status: Type.Literal('down') }, { additionalProperties: true }),
        },
      },
    },
    async (_request, reply) => {
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
      const checks = Object.fromEntries(results);
      const down = results.filter(([, r]) => r.status === 'down').map(([name]) => name);
      let details: Record<string, unknown> = {};
      try {
        details = (await options.details?.()) ?? {};
      } catch (e) {
        details = { detailsError: (e as Error).message };
      }
      const body = { checks, uptimeS: Math.round(process.uptime()), ...details };
      if (down.length > 0) {
        return reply.code(503).send({
          status: 'down',
          error: { code: 'DEPENDENCY_DOWN', message: `not answering: ${down.join(', ')}` },
          ...body,
        });
      }
      return { status: 'ok', ...body };
    },
  );
}
