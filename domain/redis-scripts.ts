import { readdirSync, readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Redis Lua scripts: one file each in a folder, named after what it does and how many keys
 * it takes (`commitPayment-5.lua`), shared pieces in the folder's `includes/`, pulled in by
 * a line `--@include name`. Defined on a connection with `defineCommand` (EVALSHA, the
 * source sent on the first NOSCRIPT); pipelines made from that connection have them too.
 * It lives in domain/ because switch/, rules/, analytics/ and server/ all define scripts and
 * domain/ is the folder every one of them may import: like it, this imports nothing of ours.
 */

interface ScriptFile {
  /** The command's name: the file's name before `-N.lua`. */
  name: string;
  numberOfKeys: number;
  lua: string;
}

/** `name-N.lua` -> name and N, or undefined for a file that is not a script. */
export function scriptFileName(file: string): { name: string; numberOfKeys: number } | undefined {
  const match = /^([A-Za-z][A-Za-z0-9]*)-(\d+)\.lua$/.exec(file);
  return match ? { name: match[1]!, numberOfKeys: Number(match[2]) } : undefined;
}

const folders = new Map<string, readonly ScriptFile[]>();

/** The scripts of a folder, includes inlined; read once per process. */
function scriptsIn(folder: URL): readonly ScriptFile[] {
  const cached = folders.get(folder.href);
  if (cached) return cached;
  const scripts: ScriptFile[] = [];
  for (const file of readdirSync(folder, { withFileTypes: true })) {
    if (!file.isFile() || !file.name.endsWith('.lua')) continue;
    const named = scriptFileName(file.name);
    if (!named) throw new Error(`script ${new URL(file.name, folder).pathname} is not named name-N.lua (N: how many keys it takes)`);
    const source = readFileSync(new URL(file.name, folder), 'utf8');
    const lua = source.replace(/^--@include (\S+)\s*$/gm, (_, include: string) => readFileSync(new URL(`includes/${include}.lua`, folder), 'utf8'));
    scripts.push({ ...named, lua });
  }
  folders.set(folder.href, scripts);
  return scripts;
}

/**
 * Defines every script of `folder` (a URL ending in `/`) on the connection, once: a second
 * call on the same connection defines nothing again. `Commands` names the scripts the caller
 * uses, with their arguments (keys first) and replies.
 */
export function defineScripts<Commands extends object>(redis: Redis, folder: URL): Redis & Commands {
  for (const script of scriptsIn(folder)) {
    // defineCommand sets the command on the connection itself; Redis's own commands are on its prototype.
    if (Object.hasOwn(redis, script.name)) continue;
    if (script.name in redis) throw new Error(`script ${script.name} would hide the Redis command of that name`);
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
  return redis as Redis & Commands;
}

/**
 * A script's command on a pipeline or a client (a pipeline's returns the pipeline, a
 * client's the reply's promise), or a clear error on a connection its scripts were not
 * defined on.
 */
export function scriptCommand<Commands extends object>(
  commands: ChainableCommander | Redis,
  name: keyof Commands & string,
): (...args: string[]) => unknown {
  const method = (commands as unknown as Record<string, unknown>)[name];
  if (typeof method !== 'function') {
    throw new Error(`script ${name} is not defined on this connection: define its scripts on the connection the pipeline comes from`);
  }
  return (...args) => (method as (...a: string[]) => unknown).apply(commands, args);
}
