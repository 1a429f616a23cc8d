import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import { verifyPassword } from '../auth/password.ts';
import type { Operator, Sessions } from '../auth/sessions.ts';
import { createLoginThrottle } from '../auth/sessions.ts';
import type { UserConfig } from '../config/schema.ts';
import { sendError } from '../http-errors.ts';
import { bearerToken } from '../plugins/operator-auth.ts';
import { errorResponses } from '../schemas/common.ts';
import type { Redis } from 'ioredis';

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

// Verifying against a hash of nothing costs the same as a real one: no username probing by timing.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export default async function authRoutes(
  app: FastifyInstance,
  options: { users: UserConfig[]; sessions: Sessions; redis: Redis; audit: AuditLog },
) {
  const users = new Map(options.users.map((u) => [u.username, u]));
  const throttle = createLoginThrottle(options.redis);
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
      if (await throttle.blocked(username)) {
        await options.audit.record({ actor: username, actorRole: '', action: 'login', target: username, outcome: 'denied', details: { reason: 'throttled' } });
        return sendError(reply, { code: 'LOGIN_THROTTLED', message: 'too many failed logins; try again later' });
      }
      const user = users.get(username);
      const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !valid) {
        await throttle.failed(username);
        await options.audit.record({ actor: username, actorRole: '', action: 'login', target: username, outcome: 'denied' });
        return sendError(reply, { code: 'AUTH_INVALID_CREDENTIALS', message: 'unknown username or wrong password' });
      }
      await throttle.succeeded(username);
      const operator: Operator = { username: user.username, role: user.role, ...(user.participant ? { participant: user.participant } : {}) };
      const session = await options.sessions.issue(operator);
      await options.audit.record({ actor: user.username, actorRole: user.role, action: 'login', target: user.username, outcome: 'ok' });
      return { token: session.token, role: user.role, ...(user.participant ? { participant: user.participant } : {}), expiresAt: session.expiresAt };
    },
  );

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
