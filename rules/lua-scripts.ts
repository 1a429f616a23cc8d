import type { Redis } from 'ioredis';
import { defineScripts } from '../domain/redis-scripts.ts';

/** The risk engine's Lua scripts (lua/, shared pieces in lua/includes/). */
export interface RiskScripts {
  gatherRiskFacts(...args: string[]): Promise<string[]>;
  recordRiskOutcome(...args: string[]): Promise<number>;
  putRule(...args: string[]): Promise<[number, number]>;
  setRuleMode(...args: string[]): Promise<[number, string] | number>;
  seedRules(...args: string[]): Promise<number>;
}

/** Defines the risk scripts on a connection; pipelines made from it can call them too. */
export function defineRiskScripts(redis: Redis): Redis & RiskScripts {
  return defineScripts<RiskScripts>(redis, new URL('./lua/', import.meta.url));
}

