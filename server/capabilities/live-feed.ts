import type { FastifyInstance } from 'fastify';
import { clientAddress } from '../client-address.ts';
import { startLiveFeed, type LiveFeed as ConsoleFeed } from '../live/console-gateway.ts';
import type { Capability } from './capability.ts';
import type { PlatformContext } from './context.ts';
import type { Ingest } from './ingest.ts';

export type LiveFeed = ReturnType<typeof startLiveFeed>;

/**
 * The socket.io feed of the consoles. Every role emits into it (alerts reach every console
 * node through Redis); console nodes also serve its sockets on the app's HTTP server.
 */
export async function startLive(ctx: PlatformContext, ingest: Pick<Ingest, 'lagMs'>): Promise<{ live: LiveFeed } & Capability> {
  const live = startLiveFeed({ redis: ctx.redis, sessions: ctx.sessions, ingestLagMs: ingest.lagMs, log: ctx.log });
  return {
    live,
    attach: ctx.plan.console ? (app) => serveSockets(live, app, ctx.config.trustProxy) : undefined,
    close: () => live.close(),
  };
}

function serveSockets(live: ConsoleFeed, app: FastifyInstance, trustProxy: string[]): void {
  // Socket handshakes count against the client address's request budget, as every route does.
  const addressOf = clientAddress(trustProxy);
  live.attach(app.server, (request) => app.takeAddressBudget(addressOf(request)));
  // Open sockets would keep the HTTP server from closing.
  app.addHook('preClose', async () => live.close());
}
