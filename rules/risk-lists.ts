import type { Redis } from 'ioredis';
import { err, ok, type Result } from '../domain/result.ts';
import { LIST_NAMES, listKey, type ListName } from './facts/keys.ts';

/**
 * The lists rules look up: Redis sets, held in memory by every risk engine and reloaded on
 * every change announced on LISTS_CHANNEL (in the changing process before its call returns);
 * lists do not change the rule-set version. Members are normalised:
 * countries ISO 3166 alpha-2 upper case, MCCs four digits, devices and wallets
 * `participant:id` because their ids are unique only within a participant.
 */

export { LIST_NAMES, type ListName };

/** Every change to a list is announced here (the list's name), so engines refresh their in-memory copy. */
export const LISTS_CHANNEL = 'risk:lists:changed';

export interface ListValueInvalidError {
  code: 'LIST_VALUE_INVALID';
  message: string;
  /** JSON Pointer into the values given, e.g. "/values/2". */
  path: string;
}

export type AuditEntry = { actor: string; action: string; target: string; details: unknown };
export type Audit = (entry: AuditEntry) => void;

export interface RiskLists {
  get(name: ListName): Promise<string[]>;
  add(name: ListName, values: readonly string[], actor: string): Promise<Result<{ added: number }, ListValueInvalidError>>;
  remove(name: ListName, values: readonly string[], actor: string): Promise<Result<{ removed: number }, ListValueInvalidError>>;
}

const FORMAT: Record<ListName, { normalise: (v: string) => string; pattern: RegExp; expected: string }> = {
  'sanctioned-countries': { normalise: (v) => v.trim().toUpperCase(), pattern: /^[A-Z]{2}$/, expected: 'an ISO 3166 alpha-2 country code' },
  'high-risk-mccs': { normalise: (v) => v.trim(), pattern: /^\d{4}$/, expected: 'a four-digit MCC' },
  'blocked-devices': { normalise: (v) => v.trim(), pattern: /^[^:\s]+:\S+$/, expected: '"participant:deviceId"' },
  'blocked-wallets': { normalise: (v) => v.trim(), pattern: /^[^:\s]+:\S+$/, expected: '"participant:walletId"' },
};

export function isListName(name: string): name is ListName {
  return (LIST_NAMES as readonly string[]).includes(name);
}

export function normaliseListValues(name: ListName, values: readonly string[]): Result<string[], ListValueInvalidError> {
  const format = FORMAT[name];
  if (values.length === 0) return err({ code: 'LIST_VALUE_INVALID', message: '/values: at least one value is needed', path: '/values' });
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const raw = values[i];
    const value = typeof raw === 'string' ? format.normalise(raw) : '';
    if (!format.pattern.test(value)) {
      return err({ code: 'LIST_VALUE_INVALID', message: `/values/${i}: must be ${format.expected}`, path: `/values/${i}` });
    }
    out.push(value);
  }
  return ok(out);
}

export function createRiskLists(redis: Redis, audit?: Audit): RiskLists {
  return {
    async get(name) {
      return (await redis.smembers(listKey(name))).sort();
    },
    async add(name, values, actor) {
      const checked = normaliseListValues(name, values);
      if (!checked.ok) return checked;
      const added = await redis.sadd(listKey(name), ...checked.value);
      await redis.publish(LISTS_CHANNEL, name);
      audit?.({ actor, action: 'risk-list.add', target: `list:${name}`, details: { values: checked.value, added } });
      return ok({ added });
    },
    async remove(name, values, actor) {
      const checked = normaliseListValues(name, values);
      if (!checked.ok) return checked;
      const removed = await redis.srem(listKey(name), ...checked.value);
      await redis.publish(LISTS_CHANNEL, name);
      audit?.({ actor, action: 'risk-list.remove', target: `list:${name}`, details: { values: checked.value, removed } });
      return ok({ removed });
    },
  };
}
