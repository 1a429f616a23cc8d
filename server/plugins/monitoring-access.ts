import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { Operator, Sessions } from '../auth/sessions.ts';
import { HttpDomainError } from '../http-errors.ts';
import { auditForbidden, bearerToken } from './operator-auth.ts';

/** What a request may see of the node's monitoring: `granted` reads /metrics and /health's details. */
export type MonitoringAccess = 'anonymous' | 'granted' | 'forbidden';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Who asks, for monitoring: no Authorization header is `anonymous`; the configured
     * monitoring token or an admin's session is `granted`; another operator's session is
     * `forbidden`. Any other token is refused (401), so a misconfigured scrape says so.
     */
    monitoringAccess(request: FastifyRequest): Promise<MonitoringAccess>;
    /** A preValidation hook admitting `granted` requests only (401 without credentials, 403 for other operators). */
    requireMonitoring(request: FastifyRequest): Promise<void>;
  }
}

export interface MonitoringAccessOptions {
  /** The config's `monitoring.token`: what Prometheus or a health dashboard sends as its bearer token. */
  token?: string;
  sessions: Sessions;
  audit?: AuditLog;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Access to the node's monitoring: /metrics and the details of /health (checks with timings
 * and reasons, role, risk engine and ingest figures). A scrape runs unattended, so it carries
 * a long-lived token from the config file rather than an operator's 8-hour session; an admin
 * logged in to the console reads them too. Load balancers ask /health without credentials
 * and get the bare up/down answer.
 */
export default fp(
  async function monitoringAccess(app: FastifyInstance, options: MonitoringAccessOptions) {
    // Compared as digests: equal lengths for timingSafeEqual, and nothing learnt from timing.
    const expected = options.token === undefined ? undefined : digest(options.token);

    const check = async (request: FastifyRequest): Promise<{ access: MonitoringAccess; operator?: Operator }> => {
      if (request.headers.authorization === undefined) return { access: 'anonymous' };
      const token = bearerToken(request);
      if (token === undefined) throw new HttpDomainError('AUTH_TOKEN_INVALID', 'Authorization must be Bearer <token>');
      if (expected && timingSafeEqual(digest(token), expected)) return { access: 'granted' };
      const operator = await options.sessions.verify(token);
      if (!operator) throw new HttpDomainError('AUTH_TOKEN_INVALID', 'the token is neither the monitoring token nor a live session');
      return { access: operator.role === 'admin' ? 'granted' : 'forbidden', operator };
    };
    app.decorate('monitoringAccess', async (request: FastifyRequest) => (await check(request)).access);
    app.decorate('requireMonitoring', async (request: FastifyRequest) => {
      const { access, operator } = await check(request);
      if (access === 'anonymous') throw new HttpDomainError('AUTH_TOKEN_MISSING', 'Authorization: Bearer <monitoring token> is required');
      if (access === 'forbidden' && operator) {
        // As for every route: a known operator reaching beyond its role is audited.
        await auditForbidden(options.audit, request, operator, ['admin']);
        throw new HttpDomainError('FORBIDDEN_ROLE', 'this needs the monitoring token or an admin session');
      }
    });
  },
  { name: 'monitoring-access' },
);
