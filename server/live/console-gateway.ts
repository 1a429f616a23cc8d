import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server, type Namespace } from 'socket.io';
import type { Alert } from '../../analytics/alerts/alert.ts';
import type { Case } from '../../cases/case.ts';
import type { Operator, Sessions } from '../auth/sessions.ts';
import { aggregatesOf, liveKey } from './live-counters.ts';
import { logConnectionErrors } from '../redis-errors.ts';

/**
 * The live feed (docs/api.md): namespace /console, the token checked in io.use, rooms
 * chosen by the server from the verified identity. Alerts go through socket.io's Redis
 * streams adapter, so a node without sockets (a switch node) reaches every console node.
 * Aggregates are computed by each console node for its own sockets once a second.
 * A socket lives no longer than its session: it is closed on every node when the session
 * ends (logout, or start-up finding its operator gone or changed) and when it expires.
 */
export const OPERATORS_ROOM = 'operators';
export const participantRoom = (participant: string) => `participant:${participant}`;
/** Every socket of one session, on whichever node: how ending a session reaches them all. */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/** Those who work cases (risk officers, compliance, admins): a participant's analyst never hears of one. */
export const CASE_WORKERS_ROOM = 'case-workers';

export function roomsFor(operator: Operator): string[] {
  if (operator.role === 'participant_analyst') return operator.participant ? [participantRoom(operator.participant)] : [OPERATORS_ROOM];
  return [OPERATORS_ROOM, CASE_WORKERS_ROOM];
}

/** The live counters' scope an operator sees, matching its rooms. */
const scopeOf = (operator: Operator) =>
  operator.role === 'participant_analyst' && operator.participant ? `p:${operator.participant}` : 'all';

/** Where a recovered socket's missed packets wait for the middleware's verdict (symbol keys are not persisted). */
const MISSED_PACKETS = Symbol('missed packets');

export interface LiveFeed {
  alert(kind: 'created' | 'updated', alert: Alert): void;
  /**
   * `case` for a case opened, `case:update` for any change of one, `case:sla` for its SLA
   * warning or escalation (`{ kind: 'warning' | 'escalated', case }`): to case workers only.
   */
  case(kind: 'opened' | 'updated' | 'sla', c: Case, slaKind?: 'warning' | 'escalated'): void;
  /**
   * Serves sockets on this HTTP server and starts the per-second aggregates; without it the
   * feed only emits. `admit` sees every HTTP request of a socket.io handshake (polling or
   * websocket upgrade) before anything else is done with it: false refuses it (engine.io
   * answers 403), as the per-address rate limit does for the API.
   */
  attach(httpServer: HttpServer, admit?: (request: IncomingMessage) => boolean): void;
  /** Closes the sockets of these sessions on every node. */
  endSessions(sessionIds: string[]): void;
  close(): Promise<void>;
}

interface LiveFeedOptions {
  redis: Redis;
  sessions: Sessions;
  ingestLagMs?: () => Promise<number>;
  log?: { warn(o: object, m: string): void };
}

export function startLiveFeed(options: LiveFeedOptions): LiveFeed & { io: Server } {
  // XREAD BLOCK holds its connection, and may wait longer than any command timeout.
  const adapterRedis = options.redis.duplicate({ commandTimeout: undefined });
  if (options.log) logConnectionErrors(adapterRedis, 'live feed', options.log);
  const io = socketServer(adapterRedis);
  const nsp: Namespace = io.of('/console');
  const snapshot = () => lastSecond(options);
  const endSessions = (ids: string[]) => {
    // Through the adapter: every console node closes its own sockets of these sessions.
    if (ids.length > 0) nsp.in(ids.map(sessionRoom)).disconnectSockets(true);
  };
  options.sessions.onEnded((ids) => endSessions(ids));
  serveConsole(nsp, options, snapshot);

  let ticker: NodeJS.Timeout | undefined;
  let closed = false;
  return {
    io,
    attach(httpServer, admit) {
      io.attach(httpServer, admit ? { allowRequest: (request, callback) => (admit(request) ? callback(null, true) : callback('RATE_LIMITED', false)) } : {});
      ticker = tickAggregates(nsp, snapshot, options.log);
    },
    alert(kind, alert) {
      nsp.to([OPERATORS_ROOM, participantRoom(alert.participant)]).emit(kind === 'created' ? 'alert' : 'alert:update', alertPayload(alert));
    },
    case(kind, c, slaKind) {
      if (kind === 'sla') nsp.to(CASE_WORKERS_ROOM).emit('case:sla', { kind: slaKind, case: c });
      else nsp.to(CASE_WORKERS_ROOM).emit(kind === 'opened' ? 'case' : 'case:update', c);
    },
    endSessions,
    /** Disconnects the sockets, leaving the HTTP server to its owner. */
    async close() {
      if (closed) return;
      closed = true;
      if (ticker) clearInterval(ticker);
      // Only this node's sockets: the adapter would otherwise disconnect every node's.
      nsp.local.disconnectSockets(true);
      io.engine?.close();
      for (const n of [io.of('/'), nsp]) await n.adapter.close();
      await adapterRedis.quit().catch(() => undefined);
    },
  };
}

/** The socket.io server on the Redis streams adapter; only /console is served, with its token check. */
function socketServer(adapterRedis: Redis): Server {
  // A short block keeps shutdown short: the adapter's read loop ends after its current XREAD.
  const streamsAdapter = createAdapter(adapterRedis, { streamName: 'live:socket.io', maxLen: 10_000, blockTimeInMs: 500 });
  const io = new Server({
    path: '/socket.io',
    serveClient: true,
    // socket.io calls the adapter factory with `new`: a function, not an arrow.
    adapter: function (nsp: Namespace) {
      const adapter = streamsAdapter(nsp);
      // socket.io writes a recovered session's missed packets to the wire as it creates the socket,
      // before the middleware runs: a token revoked during the gap would still get them. Hold them
      // back; the connection handler sends them once the middleware has accepted the socket.
      const restoreSession = adapter.restoreSession.bind(adapter);
      adapter.restoreSession = async (pid, offset) => {
        const session = await restoreSession(pid, offset);
        if (!session) return session;
        return { ...session, data: { ...(session.data as object), [MISSED_PACKETS]: session.missedPackets }, missedPackets: [] };
      };
      return adapter;
    },
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
  });
  // socket.io always has the main namespace.
  io.of('/').use((_socket, next) => next(new Error('NAMESPACE_NOT_SERVED')));
  return io;
}

const tokenOf = (socket: { handshake: { auth?: unknown } }) => {
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' ? token : undefined;
};

type Snapshot = () => Promise<{ fields: Record<string, string>; second: number; lag: number }>;

/** The token check, and each accepted socket put in the rooms of its verified operator. */
function serveConsole(nsp: Namespace, options: LiveFeedOptions, snapshot: Snapshot): void {
  nsp.use(async (socket, next) => {
    const token = tokenOf(socket);
    const session = token ? await options.sessions.open(token).catch(() => undefined) : undefined;
    if (!session) return next(new Error('AUTH_TOKEN_INVALID'));
    socket.data.operator = session.operator;
    socket.data.session = { id: session.id, expiresAt: session.expiresAt };
    next();
  });
  nsp.on('connection', (socket) => {
    const operator = socket.data.operator as Operator;
    const session = socket.data.session as { id: string; expiresAt: number };
    const missed = (socket.data[MISSED_PACKETS] ?? []) as unknown[][];
    delete socket.data[MISSED_PACKETS];
    // Rooms come from the verified identity only, never from anything the client says.
    const rooms = [...roomsFor(operator), sessionRoom(session.id)];
    // A recovered socket is back in the rooms of its last connection, chosen from what its operator was
    // then. If that is no longer so (role or participant changed in the config), its missed packets were
    // chosen for someone else too: it starts over, with nothing replayed.
    if ([...socket.rooms].some((room) => room !== socket.id && !rooms.includes(room))) {
      socket.disconnect(true);
      return;
    }
    // EVENT packets, in order, before anything else can be emitted to this socket.
    for (const data of missed) socket.client._packet({ type: 2, nsp: nsp.name, data });
    void socket.join(rooms);
    const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, session.expiresAt - Date.now()));
    socket.once('disconnect', () => clearTimeout(expiry));
    // A session ended between the middleware's check and the join above found no socket in its room: look once more.
    const token = tokenOf(socket);
    void (token ? options.sessions.open(token) : Promise.resolve(undefined))
      .then((current) => {
        if (current?.id !== session.id) socket.disconnect(true);
      })
      .catch((e: unknown) => options.log?.warn({ err: (e as Error).message }, 'live session check'));
    // The current aggregates right away. Sent through the adapter (not nsp.local), this also gives the
    // client its first recovery offset: without one, a console that has seen no alert yet cannot be
    // recovered, and alerts raised while it is cut off are lost.
    void snapshot()
      .then(({ fields, second, lag }) => socket.emit('aggregates', aggregatesOf(fields, scopeOf(operator), second, lag)))
      .catch((e: unknown) => options.log?.warn({ err: (e as Error).message }, 'live aggregates'));
  });
}

/** The last complete second's live counters and the ingest lag. */
async function lastSecond(options: Pick<LiveFeedOptions, 'redis' | 'ingestLagMs'>) {
  const second = Math.floor(Date.now() / 1000) - 1;
  const fields = await options.redis.hgetall(liveKey(second));
  const lag = (await options.ingestLagMs?.().catch(() => -1)) ?? -1;
  return { fields, second, lag };
}

/** Once a second, this node's sockets get the aggregates of what they may see. */
function tickAggregates(nsp: Namespace, snapshot: Snapshot, log: LiveFeedOptions['log']): NodeJS.Timeout {
  const tick = async () => {
    const { fields, second, lag } = await snapshot();
    const sockets = await nsp.local.fetchSockets();
    if (sockets.length === 0) return;
    nsp.local.to(OPERATORS_ROOM).emit('aggregates', aggregatesOf(fields, 'all', second, lag));
    const participants = new Set(
      sockets.map((s) => (s.data.operator as Operator).participant).filter((p): p is string => typeof p === 'string'),
    );
    for (const p of participants) nsp.local.to(participantRoom(p)).emit('aggregates', aggregatesOf(fields, `p:${p}`, second, lag));
  };
  const ticker = setInterval(() => void tick().catch((e: unknown) => log?.warn({ err: (e as Error).message }, 'live aggregates')), 1000);
  ticker.unref();
  return ticker;
}

/** What the consoles are told of an alert. */
function alertPayload(alert: Alert) {
  return {
    id: alert.id,
    paymentId: alert.paymentId,
    participant: alert.participant,
    payerName: alert.payerName,
    merchantId: alert.merchantId,
    merchantName: alert.merchantName,
    score: alert.score,
    decision: alert.decision,
    reasons: alert.reasons,
    severity: alert.severity,
    createdAt: alert.createdAt,
    status: alert.status,
    count: alert.count,
    ruleId: alert.ruleId,
    assignee: alert.assignee,
    disposition: alert.disposition,
    updatedAt: alert.updatedAt,
  };
}
