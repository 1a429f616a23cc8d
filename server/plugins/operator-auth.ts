import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { Operator, Sessions } from '../auth/sessions.ts';
import { HttpDomainError } from '../http-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    operator?: Operator;
  }
  interface FastifyInstance {
    /** A preValidation hook admitting a bearer token of one of these roles. */
    requireRole(...roles: Operator['role'][]): preValidationHookHandler;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer ([^\s]+)$/.exec(header);
  return m?.[1];
}

/** A known operator reaching beyond its role is worth a line in the audit: who, and where. */
export async function auditForbidden(audit: AuditLog | undefined, request: FastifyRequest, operator: Operator, needs: readonly string[]): Promise<void> {
  await audit
    ?.record({
      actor: operator.username,
      actorRole: operator.role,
      action: 'forbidden',
      target: `${request.method} ${request.routeOptions.url ?? ''}`,
      outcome: 'denied',
      details: { needs },
    })
    .catch((e: unknown) => request.log.error({ err: (e as Error).message }, 'audit write failed'));
}

/** Operator API authentication (bearer token from /v1/auth/login) and role checks. */
export default fp(
  async function operatorAuth(app: FastifyInstance, options: { sessions: Sessions; audit?: AuditLog }) {
    app.decorateRequest('operator', undefined);
    app.decorate('requireRole', (...roles: Operator['role'][]): preValidationHookHandler => {
      return async (request) => {
        const token = bearerToken(request);
        if (!token) throw new HttpDomainError('AUTH_TOKEN_MISSING', 'Authorization: Bearer <token> is required');
        const operator = await options.sessions.verify(token);
        if (!operator) throw new HttpDomainError('AUTH_TOKEN_INVALID', 'the token is unknown or has expired');
        if (!roles.includes(operator.role)) {
          await auditForbidden(options.audit, request, operator, roles);
          throw new HttpDomainError('FORBIDDEN_ROLE', `this needs one of: ${roles.join(', ')}`);
        }
        request.operator = operator;
      };
    });
  },
  { name: 'operator-auth' },
);
