import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** An operator's verified identity, as every route and the live feed see it. */
export interface Operator {
  username: string;
  role: 'risk_officer' | 'compliance' | 'participant_analyst' | 'admin';
  /** Set for participant_analyst: the only participant whose data it may see. */
  participant?: string;
}

/**
 * Opaque bearer tokens kept in Redis under their SHA-256 (a Redis dump leaks no usable
 * token), expiring on their own, shared by every node.
 */
export function createSessions(redis: Redis, ttlMs: number) {
  const key = (token: string) => `session:${createHash('sha256').update(token).digest('hex')}`;
  return {
    async issue(operator: Operator, now = Date.now()): Promise<{ token: string; expiresAt: string }> {
      const token = randomBytes(32).toString('base64url');
      await redis.set(key(token), JSON.stringify(operator), 'PX', ttlMs);
      return { token, expiresAt: new Date(now + ttlMs).toISOString() };
    },
    async verify(token: string): Promise<Operator | undefined> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const raw = await redis.get(key(token));
      return raw ? (JSON.parse(raw) as Operator) : undefined;
    },
    async revoke(token: string): Promise<void> {
      await redis.del(key(token));
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;

/** Failed logins per username: after `limit` within the window, logins wait it out. */
export function createLoginThrottle(redis: Redis, limit = 5, windowMs = 15 * 60_000) {
  const key = (username: string) => `login-failures:${username}`;
  return {
    async blocked(username: string): Promise<boolean> {
      return Number((await redis.get(key(username))) ?? 0) >= limit;
    },
    async failed(username: string): Promise<void> {
      await redis.multi().incr(key(username)).pexpire(key(username), windowMs).exec();
    },
    async succeeded(username: string): Promise<void> {
      await redis.del(key(username));
    },
  };
}
