import type { Redis } from 'ioredis';
import { defineScripts } from '../domain/redis-scripts.ts';

/** The rule store's Lua scripts (lua/). */
export interface RiskScripts {
  putRule(...args: string[]): Promise<[number, number]>;
  setRuleMode(...args: string[]): Promise<[number, string] | number>;
  seedRules(...args: string[]): Promise<number>;
  seedThresholds(...args: string[]): Promise<number>;
}

/** Defines the risk scripts on a connection; pipelines made from it can call them too. */
export function defineRiskScripts(redis: Redis): Redis & RiskScripts {
  return defineScripts<RiskScripts>(redis, new URL('./lua/', import.meta.url));
}

