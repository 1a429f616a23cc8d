import authRoutes from '../routes/auth.ts';
import type { Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';

/**
 * Operator login, where operators are served (console nodes, and the node serving the
 * ClickHouse API): sessions live in Redis, so a token from any such node works on all of
 * them. At start the sessions of operators removed or changed in this config end, with
 * their sockets on every console node.
 */
export async function startOperators(ctx: PlatformContext): Promise<Capability> {
  const { sessions, audit, redis } = ctx;
  for (const ended of await sessions.endStale()) {
    await audit.record({ actor: 'platform', actorRole: '', action: 'session.end', target: ended.username, outcome: 'ok', details: { reason: ended.reason } });
  }
  return { routes: [(app) => authRoutes(app, { users: ctx.config.file.users, sessions, redis, audit })] };
}
