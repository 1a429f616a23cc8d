import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import { createLoginThrottle } from '../auth/login-throttle.ts';
import { verifyPassword } from '../auth/password.ts';
import { scryptSlots } from '../auth/scrypt-slots.ts';
import { operatorOf, type Sessions } from '../auth/sessions.ts';
import type { UserConfig } from '../config/schema.ts';
import { sendError } from '../http-errors.ts';
import { registeredMetric } from '../plugins/metrics.ts';
import { bearerToken } from '../plugins/operator-auth.ts';
import { errorResponses } from '../schemas/common.ts';
import type { Redis } from 'ioredis';

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

// Verifying against a hash of nothing costs the same as a real one: no username probing by timing.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

interface AuthRouteOptions {
  users: UserConfig[];
  sessions: Sessions;
  redis: Redis;
  audit: AuditLog;
}

/** Operator login, and the token's own routes (who am I, log out). */
export default async function authRoutes(app: FastifyInstance, options: AuthRouteOptions) {
  loginRoute(app, options);
  sessionRoutes(app, options);
}

/** Throttled per username and address before scrypt runs; every refusal and success audited. */
function loginRoute(app: FastifyInstance, options: AuthRouteOptions): void {
  const users = new Map(options.users.map((u) => [u.username, u]));
  const throttle = createLoginThrottle(options.redis);
  const refused = registeredMetric(
    app.metrics.registry,
    'cpg_login_refused_total',
    () =>
      new Counter({
        name: 'cpg_login_refused_total',
        help: 'Logins refused before their password was verified: throttled username or address, or no scrypt slot free on this node',
        labelNames: ['reason'],
        registers: [app.metrics.registry],
      }),
  );
  // A flood of busy refusals is audited as one entry a second with its count, not one write each.
  let busy = { auditedAt: 0, unaudited: 0 };
  const auditBusy = async (username: string) => {
    busy.unaudited++;
    if (Date.now() - busy.auditedAt < 1000) return;
    const refusals = busy.unaudited;
    busy = { auditedAt: Date.now(), unaudited: 0 };
    await options.audit.record({ actor: username, actorRole: '', action: 'login', target: username, outcome: 'denied', details: { reason: 'busy', refusals } });
  };
  app.post<{ Body: Static<typeof LoginBody> }>(
    '/v1/auth/login',
    {
      schema: {
        tags: ['operator'],
        summary: 'Exchange an operator username and password for a bearer token',
        body: LoginBody,
        response: {
          200: Type.Object({ token: Type.String(), role: Type.String(), participant: Type.Optional(Type.String()), expiresAt: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      // Counted before scrypt runs, atomically: a burst is cut at the limit, whatever its passwords.
      const admission = await throttle.attempt(username, request.ip);
      if (!admission.admitted) {
        refused.inc({ reason: admission.scope });
        // One entry per throttled username or address and window: a flood of refusals is no flood of audit writes.
        if (admission.first) {
          await options.audit.record({ actor: username, actorRole: '', action: 'login', target: username, outcome: 'denied', details: { reason: 'throttled', scope: admission.scope } });
        }
        const wait = admission.retryAfterSeconds;
        reply.header('retry-after', String(wait));
        return admission.scope === 'username'
          ? sendError(reply, { code: 'LOGIN_THROTTLED', message: `too many failed logins for this username; try again in ${wait} s` })
          : sendError(reply, { code: 'LOGIN_ADDRESS_THROTTLED', message: `too many failed logins from this address; try again in ${wait} s` });
      }
      const user = users.get(username);
      const verified = await scryptSlots.run(() => verifyPassword(password, user?.passwordHash ?? DUMMY_HASH));
      if (!verified.ran) {
        // Never verified: the attempt does not count.
        await throttle.refund(username, request.ip);
        refused.inc({ reason: 'busy' });
        await auditBusy(username);
        reply.header('retry-after', '1');
        return sendError(reply, { code: 'LOGIN_BUSY', message: 'this node is verifying as many logins as it admits; try again in 1 s' });
      }
      if (!user || !verified.value) {
        await options.audit.record({ actor: username, actorRole: '', action: 'login', target: username, outcome: 'denied' });
        return sendError(reply, { code: 'AUTH_INVALID_CREDENTIALS', message: 'unknown username or wrong password' });
      }
      // A success takes back its own attempt and nothing more: guesses made beside it stay counted.
      await throttle.refund(username, request.ip);
      const session = await options.sessions.issue(operatorOf(user));
      await options.audit.record({ actor: user.username, actorRole: user.role, action: 'login', target: user.username, outcome: 'ok' });
      return { token: session.token, role: user.role, ...(user.participant ? { participant: user.participant } : {}), expiresAt: session.expiresAt };
    },
  );
}

function sessionRoutes(app: FastifyInstance, options: AuthRouteOptions): void {
  app.get(
    '/v1/auth/me',
    {
      preValidation: app.requireRole('risk_officer', 'compliance', 'participant_analyst', 'admin'),
      schema: {
        tags: ['operator'],
        summary: 'The operator the bearer token belongs to',
        security: [{ operatorToken: [] }],
        response: {
          200: Type.Object({ username: Type.String(), role: Type.String(), participant: Type.Optional(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => request.operator!,
  );

  app.post(
    '/v1/auth/logout',
    {
      preValidation: app.requireRole('risk_officer', 'compliance', 'participant_analyst', 'admin'),
      schema: { tags: ['operator'], summary: 'End this token now', security: [{ operatorToken: [] }], response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await options.sessions.revoke(bearerToken(request)!);
      await options.audit.record({ actor: request.operator!.username, actorRole: request.operator!.role, action: 'logout', target: request.operator!.username, outcome: 'ok' });
      return reply.code(204).send();
    },
  );
}
