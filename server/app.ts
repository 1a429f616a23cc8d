import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { HelmetOptions } from 'helmet';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../analytics/audit-log.ts';
import { clientErrorHandler } from './client-errors.ts';
import { errorHandler, sendError } from './http-errors.ts';
import { httpLimitsOf, serverTimeouts, type HttpLimits } from './http-timeouts.ts';
import connectionLimit from './plugins/connection-limit.ts';
import metricsPlugin, { type PlatformMetrics } from './plugins/metrics.ts';
import monitoringAccess from './plugins/monitoring-access.ts';
import openapiUi from './plugins/openapi-ui.ts';
import operatorAuth from './plugins/operator-auth.ts';
import participantAuth from './plugins/participant-auth.ts';
import rateLimit, { rateLimitsOf } from './plugins/rate-limit.ts';
import rawJsonBody from './plugins/raw-json-body.ts';
import wellFormedRequest from './plugins/well-formed-request.ts';
import securityHeaders from './plugins/security-headers.ts';
import type { Sessions } from './auth/sessions.ts';
import type { HttpLimitsConfig, RateLimitsConfig } from './config/schema.ts';
import healthRoutes, { type HealthCheck } from './routes/health.ts';
import { ErrorBody } from './schemas/common.ts';

export interface AppDeps {
  redis: Redis;
  metrics: PlatformMetrics;
  health: HealthCheck[];
  healthDetails?: () => Promise<Record<string, unknown>>;
  /** Participant HMAC secrets stay here, out of the registry the switch sees. */
  secretOf(participantId: string): string | undefined;
  maxClockSkewMs: number;
  bodyLimitBytes: number;
  sessions: Sessions;
  audit: AuditLog;
  /** The routes of the process's capabilities (server/capabilities/), registered after the platform's own. */
  routes?: Array<(app: FastifyInstance) => Promise<void>>;
  logger: FastifyServerOptions['logger'];
  /** Proxies whose X-Forwarded-For gives the client address (config `trustProxy`); none by default. */
  trustProxy?: string[];
  /** Requests per window per client address and per participant; DEFAULT_RATE_LIMITS (server/plugins/rate-limit.ts) for what is left out. */
  rateLimits?: RateLimitsConfig;
  /** Timeouts and per-address connection bound (config `http`); DEFAULT_HTTP_LIMITS (server/http-timeouts.ts) for what is left out. */
  http?: HttpLimitsConfig;
  /** The bearer token monitoring sends for /metrics and /health's details (config `monitoring.token`). */
  monitoringToken?: string;
}

/**
 * helmet's defaults, with a CSP that lets the console and the OpenAPI UI run from this host
 * only, with no inline script or style: neither has any (the console sets styles through the
 * CSSOM, which CSP allows), so injected markup cannot run or restyle anything.
 */
export const SECURITY_HEADERS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      // The platform may be reached over plain HTTP inside an operator network.
      upgradeInsecureRequests: null,
    },
  },
};

export interface RegisteredRoute {
  method: string;
  url: string;
}
const routesOf = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route the app registered (HEAD included): the role x route matrix test walks them all. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return routesOf.get(app) ?? [];
}

/**
 * What the application is, in fastify/demo's order: the server and its error handler, the
 * external plugins, the platform's own plugins, then the routes. Listening is server/main.ts's job.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const httpLimits = httpLimitsOf(deps.http);
  const app = createServer(deps, httpLimits);
  await registerExternalPlugins(app, deps, httpLimits);
  await registerPlatformPlugins(app, deps);
  await registerRoutes(app, deps);
  return app;
}

function createServer(deps: AppDeps, httpLimits: HttpLimits): FastifyInstance {
  const app = Fastify({
    logger: deps.logger,
    bodyLimit: deps.bodyLimitBytes,
    // A slow client holds a connection for a bounded time only (server/http-timeouts.ts).
    ...serverTimeouts(httpLimits),
    clientErrorHandler: clientErrorHandler(deps.metrics.registry),
    // The client address (rate limits) is the TCP peer, unless that peer is a configured proxy.
    trustProxy: deps.trustProxy?.length ? deps.trustProxy : false,
    return503OnClosing: true,
    // One log line per request costs more than the payment at thousands per second; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // The router's own refusals (a URL that does not decode, a path segment over the
    // router's length limit) answer in the platform's error shape, without echoing the path.
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void sendError(
        reply as FastifyReply,
        tooLong ? { code: 'URL_TOO_LONG', message: 'a path segment of the URL is too long' } : { code: 'URL_INVALID', message: 'the URL is not valid' },
      );
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  // Before any plugin, so routes in every encapsulated context are seen (printRoutes loses wildcard prefixes).
  const registered: RegisteredRoute[] = [];
  routesOf.set(app, registered);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registered.push({ method, url: route.url });
  });
  // Before any route: a route takes the error handler set when it is added, and a refusal
  // from an onRequest hook (rate limit, connection bound) must answer in the platform's shape
  // on every route, the OpenAPI UI's and /metrics included.
  app.setErrorHandler(errorHandler);
  return app;
}

/** The connection bound, security headers (no caching among them), and the OpenAPI document and UI. */
async function registerExternalPlugins(app: FastifyInstance, deps: AppDeps, httpLimits: HttpLimits): Promise<void> {
  await app.register(connectionLimit, { maxPerAddress: httpLimits.maxConnectionsPerAddress, trustProxy: deps.trustProxy ?? [], registry: deps.metrics.registry });
  // Helmet's headers and Cache-Control: no-store, in one hook.
  await app.register(securityHeaders, SECURITY_HEADERS);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CPG monitoring and fraud analytics',
        description: 'Participant and operator API of the cross-border QR payment gateway. See docs/api.md in its repository.',
        version: '1',
      },
      components: {
        securitySchemes: {
          operatorToken: { type: 'http', scheme: 'bearer', description: 'Token from POST /v1/auth/login' },
          monitoringToken: { type: 'http', scheme: 'bearer', description: "The config's monitoring.token: /metrics and the details of /health" },
          participantSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Signature',
            description:
              'HMAC-SHA256 (lowercase hex) with the participant secret over METHOD\\nPATH\\nX-Timestamp\\nX-Nonce\\nhex(sha256(body)); send X-Participant-Id, X-Timestamp, X-Nonce too.',
          },
        },
      },
    },
  });
  await app.register(openapiUi, { securityHeaders: SECURITY_HEADERS });
  app.addSchema(ErrorBody);
}

/** Bodies, rate limits, well-formed requests, who is calling (participant, operator, monitoring), metrics. */
async function registerPlatformPlugins(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(rawJsonBody);
  await app.register(rateLimit, { redis: deps.redis, limits: rateLimitsOf(deps.rateLimits), registry: deps.metrics.registry });
  await app.register(wellFormedRequest);
  await app.register(participantAuth, { secretOf: deps.secretOf, maxSkewMs: deps.maxClockSkewMs, now: Date.now });
  await app.register(operatorAuth, { sessions: deps.sessions, audit: deps.audit });
  await app.register(monitoringAccess, { ...(deps.monitoringToken ? { token: deps.monitoringToken } : {}), sessions: deps.sessions, audit: deps.audit });
  await app.register(metricsPlugin, { metrics: deps.metrics });
}

/** The platform's own routes (health, the OpenAPI document), then the capabilities'; one not-found answer. */
async function registerRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, { code: 'NOT_FOUND', message: `${request.method} ${request.url.split('?')[0]} is not a route` }),
  );
  await app.register(healthRoutes, { checks: deps.health, details: deps.healthDetails });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  for (const routes of deps.routes ?? []) await app.register(routes);
}
