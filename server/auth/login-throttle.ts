import type { Redis } from 'ioredis';
import { defineScripts } from '../../domain/redis-scripts.ts';

/**
 * Login attempts per username (password guessing against one operator) and per client
 * address (one caller trying many usernames), in fixed windows in Redis shared by every
 * node. An attempt is counted before its password is verified, in the same script that
 * checks the limits, so a burst of parallel attempts is cut at the limit: the rest are
 * refused without running scrypt, a right password among them too. A verified success
 * takes its own attempt back and changes nothing else.
 */
export interface LoginLimits {
  perUsername: number;
  perAddress: number;
  windowMs: number;
}

/** An office behind one address may hold many operators; a guesser gets few tries per window. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUsername: 5, perAddress: 20, windowMs: 15 * 60_000 };

export type LoginAdmission =
  | { admitted: true }
  | {
      admitted: false;
      /** Which limit refused it. */
      scope: 'username' | 'address';
      /** The first refusal of that key in its window (the one worth an audit entry). */
      first: boolean;
      retryAfterSeconds: number;
    };

/** Counting an attempt against both limits, and taking one back (lua/). */
interface LoginScripts {
  countLoginAttempt(userKey: string, addressKey: string, perUsername: number, perAddress: number, windowMs: number): Promise<number[]>;
  refundLoginAttempt(userKey: string, addressKey: string): Promise<number>;
}

export function createLoginThrottle(redis: Redis, limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
  const scripted = defineScripts<LoginScripts>(redis, new URL('./lua/', import.meta.url));
  const userKey = (username: string) => `login-attempts:user:${username}`;
  const addressKey = (address: string) => `login-attempts:address:${address}`;
  return {
    limits,
    /** Counts an attempt, or refuses it when the username or the address is at its limit. */
    async attempt(username: string, address: string): Promise<LoginAdmission> {
      const [which, refusals, pttl] = await scripted.countLoginAttempt(
        userKey(username),
        addressKey(address),
        limits.perUsername,
        limits.perAddress,
        limits.windowMs,
      );
      if (which === 0) return { admitted: true };
      return {
        admitted: false,
        scope: which === 1 ? 'username' : 'address',
        first: refusals === 1,
        retryAfterSeconds: Math.max(1, Math.ceil((pttl! > 0 ? pttl! : limits.windowMs) / 1000)),
      };
    },
    /** Takes back an admitted attempt whose password was right, or that was never verified. */
    async refund(username: string, address: string): Promise<void> {
      await scripted.refundLoginAttempt(userKey(username), addressKey(address));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
