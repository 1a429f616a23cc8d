import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * The risk engine's Lua scripts, one file each under lua/ named after what they do and how
 * many keys they take, shared pieces in lua/includes/ (pulled in by `--@include name`).
 * Defined once per connection with `defineCommand` (EVALSHA, loaded on first NOSCRIPT).
 */
const SCRIPTS = {
  gatherRiskFacts: 'gatherRiskFacts-14.lua',
  recordRiskOutcome: 'recordRiskOutcome-8.lua',
  putRule: 'putRule-4.lua',
  setRuleMode: 'setRuleMode-4.lua',
  seedRules: 'seedRules-4.lua',
} as const;

export type RiskScriptName = keyof typeof SCRIPTS;

export interface RiskScripts {
  gatherRiskFacts(...args: string[]): Promise<string[]>;
  recordRiskOutcome(...args: string[]): Promise<number>;
  putRule(...args: string[]): Promise<[number, number]>;
  setRuleMode(...args: string[]): Promise<[number, string] | number>;
  seedRules(...args: string[]): Promise<number>;
}

const sources = new Map<string, string>();

function loadScript(file: string): string {
  const cached = sources.get(file);
  if (cached) return cached;
  const raw = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
  const lua = raw.replace(/^--@include (\S+)\s*$/gm, (_, name: string) =>
    readFileSync(new URL(`./lua/includes/${name}.lua`, import.meta.url), 'utf8'),
  );
  sources.set(file, lua);
  return lua;
}

export function numberOfKeys(file: string): number {
  const match = /-(\d+)\.lua$/.exec(file);
  if (!match) throw new Error(`script file ${file} does not say how many keys it takes`);
  return Number(match[1]);
}

/** Defines the risk scripts on a connection; pipelines made from it can call them too. */
export function defineRiskScripts(redis: Redis): Redis & RiskScripts {
  for (const [name, file] of Object.entries(SCRIPTS)) {
    if ((redis as unknown as Record<string, unknown>)[name]) continue;
    redis.defineCommand(name, { numberOfKeys: numberOfKeys(file), lua: loadScript(file) });
  }
  return redis as Redis & RiskScripts;
}

/**
 * The script method of a pipeline or a client (a pipeline returns itself, a client the
 * reply's promise), or a clear error when it comes from a connection without them.
 */
export function pipelineScript(commands: ChainableCommander | Redis, name: RiskScriptName): (...args: string[]) => unknown {
  const method = (commands as unknown as Record<string, unknown>)[name];
  if (typeof method !== 'function') {
    throw new Error(`${name} is not defined on this connection: use one passed to defineRiskScripts (or to createRiskEngine)`);
  }
  return (...args) => (method as (...a: string[]) => unknown).apply(commands, args);
}
