import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { UserConfig } from '../config/schema.ts';

/** An operator's verified identity, as every route and the live feed see it. */
export interface Operator {
  username: string;
  role: 'risk_officer' | 'compliance' | 'participant_analyst' | 'admin';
  /** Set for participant_analyst: the only participant whose data it may see. */
  participant?: string;
}

/** A live session: its operator as the config says now, and when it ends. */
export interface Session {
  /** The token's SHA-256: names the session in Redis and in the live feed, and is no token itself. */
  id: string;
  operator: Operator;
  /** Unix ms. */
  expiresAt: number;
}

/** What a session keeps from its login: the identity it was issued for, and its end. */
interface Issued extends Operator {
  expiresAt?: number;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const sessionKey = (id: string) => `session:${id}`;
/** A user's sessions, scored by their end: what start-up looks through when the config changed. */
const sessionsOfKey = (username: string) => `sessions-of:${username}`;
/** Every username that has had a session (operators only: a handful, never trimmed, so never racing a login). */
const USERS_WITH_SESSIONS = 'sessions:users';

export const sessionIdOf = (token: string) => createHash('sha256').update(token).digest('hex');

export function operatorOf(user: UserConfig): Operator {
  return { username: user.username, role: user.role, ...(user.participant ? { participant: user.participant } : {}) };
}

/** The identity a session was issued for is no longer the user's (role or participant changed). */
const changed = (issued: Operator, now: Operator) => issued.role !== now.role || (issued.participant ?? '') !== (now.participant ?? '');

/**
 * Opaque bearer tokens kept in Redis under their SHA-256 (a Redis dump leaks no usable
 * token), expiring on their own, shared by every node. A session holds a username, not a
 * grant: every verification takes the operator's role and participant from the config this
 * node runs, so a change there applies at once and a removed user's tokens are refused.
 * Whoever must hear of a session that ended (the live feed, which closes its sockets)
 * listens with `onEnded`.
 */
export function createSessions(redis: Redis, ttlMs: number, users: readonly UserConfig[] = []) {
  const byName = new Map(users.map((u) => [u.username, u]));
  const listeners: Array<(ids: string[]) => void> = [];
  const ended = (ids: string[]) => {
    if (ids.length > 0) for (const listener of listeners) listener(ids);
  };

  async function open(token: string): Promise<Session | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const id = sessionIdOf(token);
    const raw = await redis.get(sessionKey(id));
    if (!raw) return undefined;
    const issued = JSON.parse(raw) as Issued;
    const user = byName.get(issued.username);
    if (!user) return undefined;
    // Sessions from before their end was recorded: Redis knows it.
    const expiresAt = issued.expiresAt ?? Date.now() + Math.max(0, await redis.pttl(sessionKey(id)));
    // Redis drops the key a moment after the recorded end (it was set after that was reckoned): the end is the recorded one.
    if (expiresAt <= Date.now()) return undefined;
    return { id, operator: operatorOf(user), expiresAt };
  }

  async function end(ids: Array<{ id: string; username: string }>): Promise<void> {
    if (ids.length === 0) return;
    const multi = redis.multi().del(...ids.map(({ id }) => sessionKey(id)));
    for (const { id, username } of ids) multi.zrem(sessionsOfKey(username), id);
    await multi.exec();
    ended(ids.map(({ id }) => id));
  }

  return {
    issue: (operator: Operator, now = Date.now()) => issueSession(redis, ttlMs, operator, now),
    /** The token's operator, as the config says now; undefined for an unknown, expired or ended token, or a user no longer configured. */
    async verify(token: string): Promise<Operator | undefined> {
      return (await open(token))?.operator;
    },
    /** The token's session: its operator, its id and its end (for the live feed, which ends sockets with it). */
    open,
    /** Ends the token's session now (logout). */
    async revoke(token: string): Promise<void> {
      if (!TOKEN.test(token)) return;
      const id = sessionIdOf(token);
      const raw = await redis.getdel(sessionKey(id));
      if (raw) await redis.zrem(sessionsOfKey((JSON.parse(raw) as Issued).username), id);
      ended([id]);
    },
    /**
     * Ends the sessions of users gone from the config, and those issued for a role or
     * participant the user no longer has (run at start-up, with the config just read). This
     * node would refuse or re-read them anyway; ending them in Redis also ends them on nodes
     * still running the previous config during a rolling restart, and closes their sockets.
     * A changed user logs in again and gets a session, and a console, for what it is now.
     */
    async endStale(now = Date.now()): Promise<Array<{ username: string; reason: 'removed' | 'changed' }>> {
      const stale = await staleSessions(redis, byName, now);
      await end(stale);
      return stale.map(({ username, reason }) => ({ username, reason }));
    },
    /** Called with the ids of sessions ended here (logout, start-up), never for one that merely expired. */
    onEnded(listener: (ids: string[]) => void): void {
      listeners.push(listener);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;

async function issueSession(redis: Redis, ttlMs: number, operator: Operator, now: number): Promise<{ token: string; expiresAt: string }> {
  const token = randomBytes(32).toString('base64url');
  const id = sessionIdOf(token);
  const expiresAt = now + ttlMs;
  const index = sessionsOfKey(operator.username);
  const replies = await redis
    .multi()
    .set(sessionKey(id), JSON.stringify({ ...operator, expiresAt } satisfies Issued), 'PX', ttlMs)
    .zadd(index, expiresAt, id)
    .zremrangebyscore(index, '-inf', now)
    .pexpire(index, ttlMs)
    .sadd(USERS_WITH_SESSIONS, operator.username)
    .exec();
  const failed = replies?.find(([e]) => e)?.[0];
  if (!replies || failed) throw failed ?? new Error('session not stored');
  return { token, expiresAt: new Date(expiresAt).toISOString() };
}

/** Live sessions of users gone from the config, or issued for what a user no longer is. */
async function staleSessions(
  redis: Redis,
  byName: ReadonlyMap<string, UserConfig>,
  now: number,
): Promise<Array<{ id: string; username: string; reason: 'removed' | 'changed' }>> {
  const stale: Array<{ id: string; username: string; reason: 'removed' | 'changed' }> = [];
  for (const username of await redis.smembers(USERS_WITH_SESSIONS)) {
    const ids = await redis.zrangebyscore(sessionsOfKey(username), now, '+inf');
    if (ids.length === 0) continue;
    const user = byName.get(username);
    const raws = await redis.mget(ids.map(sessionKey));
    raws.forEach((raw, i) => {
      if (raw === null) return;
      if (!user) stale.push({ id: ids[i]!, username, reason: 'removed' });
      else if (changed(JSON.parse(raw) as Issued, operatorOf(user))) stale.push({ id: ids[i]!, username, reason: 'changed' });
    });
  }
  return stale;
}
