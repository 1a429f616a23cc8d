import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../analytics/audit-log.ts';
import { err, ok, type DomainError, type Result } from '../../domain/result.ts';
import type { IsAllowed } from '../../screening/live-screening.ts';

/**
 * Officers' false-positive decisions on screening hits: one subject (a payer or a merchant)
 * and one list entity, with a reason and an expiry. Kept in one Redis hash, held in memory by
 * every process (screening asks on the hot path and must not wait for Redis), reloaded on
 * every change announced through pub/sub.
 */
export interface Allowance {
  id: string;
  /** `payer:<participant>:<walletId>` or `merchant:<merchantId>`. */
  subject: string;
  entityId: string;
  reason: string;
  /** Unix ms; from then on the entity hits the subject again. */
  expiresAt: number;
  createdBy: string;
  createdAt: number;
}

export interface AllowanceInput {
  subject: string;
  entityId: string;
  reason: string;
  expiresAt: number;
}

export interface Officer {
  username: string;
  role: string;
}

export interface Allowances {
  /** What screening.setAllowances takes: answered from memory. */
  isAllowed: IsAllowed;
  add(input: AllowanceInput, by: Officer): Promise<Result<Allowance, DomainError>>;
  remove(id: string, by: Officer): Promise<Result<Allowance, DomainError>>;
  /**
   * Every allowance in Redis, the latest first, expired ones included for EXPIRED_KEPT_DAYS
   * (then removed; the audit log keeps every one of them).
   */
  list(): Promise<Allowance[]>;
  /** Reads the hash again into memory (done on every announced change and on reconnection). */
  reload(): Promise<void>;
  /** Told after each reload (the capability re-screens merchants when one is removed). */
  onChange(listener: () => void): void;
  close(): Promise<void>;
}

export const ALLOWANCES_KEY = 'screening:allowances';
export const ALLOWANCES_CHANNEL = 'screening:allowances:changed';
/** The longest an allowance may run: a false positive is judged again at least once a year. */
export const MAX_ALLOWANCE_DAYS = 365;
/** How long an expired allowance stays listed; past it the next addition removes it from Redis. */
export const EXPIRED_KEPT_DAYS = 90;
const DAY_MS = 24 * 3600_000;

const SUBJECT = /^(payer:[^:\s]{1,64}:\S{1,128}|merchant:\S{1,64})$/;

/** Why an input is refused, or undefined when it may be stored. */
export function allowanceProblem(input: AllowanceInput, now: number): string | undefined {
  if (!SUBJECT.test(input.subject)) return 'subject must be payer:<participant>:<walletId> or merchant:<merchantId>';
  if (!Number.isFinite(input.expiresAt) || input.expiresAt <= now) return 'expiresAt must be in the future';
  if (input.expiresAt > now + MAX_ALLOWANCE_DAYS * DAY_MS) return `expiresAt must be at most ${MAX_ALLOWANCE_DAYS} days ahead`;
  if (input.reason.trim() === '') return 'a reason is required';
  return undefined;
}

const keyOf = (subject: string, entityId: string) => `${subject}\u0000${entityId}`;

export async function createAllowances(redis: Redis, options: { audit?: AuditLog; now?: () => number; onError?: (e: Error) => void } = {}): Promise<Allowances> {
  const now = options.now ?? Date.now;
  /** Subject and entity -> the latest expiry among their allowances. */
  let held = new Map<string, number>();
  const listeners: Array<() => void> = [];

  const read = async (): Promise<Allowance[]> =>
    Object.values(await redis.hgetall(ALLOWANCES_KEY))
      .map((json) => JSON.parse(json) as Allowance)
      .sort((a, b) => b.createdAt - a.createdAt);

  async function reload(): Promise<void> {
    const next = new Map<string, number>();
    const at = now();
    for (const a of await read()) {
      if (a.expiresAt <= at) continue;
      const key = keyOf(a.subject, a.entityId);
      next.set(key, Math.max(next.get(key) ?? 0, a.expiresAt));
    }
    held = next;
    for (const listener of listeners) listener();
  }
  const reloadQuietly = () => void reload().catch((e: unknown) => options.onError?.(e as Error));

  // Its own connection: a subscribed connection can do nothing else.
  const subscriber = redis.duplicate({ enableAutoPipelining: false, lazyConnect: false, enableOfflineQueue: true });
  let connectedOnce = false;
  subscriber.on('message', reloadQuietly);
  // Changes announced while disconnected were missed: read the hash again.
  subscriber.on('ready', () => {
    if (connectedOnce) reloadQuietly();
    connectedOnce = true;
  });
  subscriber.on('error', () => undefined);
  await subscriber.subscribe(ALLOWANCES_CHANNEL);
  await reload();

  const audit = (by: Officer, action: string, a: Allowance) =>
    options.audit
      ?.record({
        actor: by.username,
        actorRole: by.role,
        action,
        target: `allowance:${a.id}`,
        outcome: 'ok',
        details: { subject: a.subject, entityId: a.entityId, reason: a.reason, expiresAt: new Date(a.expiresAt).toISOString() },
      })
      .catch((e: unknown) => options.onError?.(e as Error));

  async function announce(): Promise<void> {
    await redis.publish(ALLOWANCES_CHANNEL, '1');
    // This process answers from its own memory at once, not when its message comes back.
    await reload();
  }

  return {
    isAllowed: (subject, entityId, at) => (held.get(keyOf(subject, entityId)) ?? 0) > at,
    async add(input, by) {
      const problem = allowanceProblem(input, now());
      if (problem) return err({ code: 'SCREENING_ALLOWANCE_INVALID', message: problem });
      const allowance: Allowance = {
        id: `alw_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
        subject: input.subject,
        entityId: input.entityId,
        reason: input.reason.trim(),
        expiresAt: input.expiresAt,
        createdBy: by.username,
        createdAt: now(),
      };
      await redis.hset(ALLOWANCES_KEY, allowance.id, JSON.stringify(allowance));
      await audit(by, 'screening.allowance.add', allowance);
      // The hash holds what is live and what expired lately, not every allowance ever made.
      const longExpired = (await read()).filter((a) => a.expiresAt < allowance.createdAt - EXPIRED_KEPT_DAYS * DAY_MS).map((a) => a.id);
      if (longExpired.length > 0) await redis.hdel(ALLOWANCES_KEY, ...longExpired);
      await announce();
      return ok(allowance);
    },
    async remove(id, by) {
      const json = await redis.hget(ALLOWANCES_KEY, id);
      if (!json || (await redis.hdel(ALLOWANCES_KEY, id)) === 0) {
        return err({ code: 'SCREENING_ALLOWANCE_NOT_FOUND', message: `no allowance ${id}` });
      }
      const allowance = JSON.parse(json) as Allowance;
      await audit(by, 'screening.allowance.remove', allowance);
      await announce();
      return ok(allowance);
    },
    list: read,
    reload,
    onChange: (listener) => void listeners.push(listener),
    async close() {
      subscriber.removeAllListeners('message');
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
