import type { Redis } from 'ioredis';
import type { LedgerDurability } from '../switch/durability.ts';
import { ConfigError } from './config/load.ts';
import type { PlatformLog } from './capabilities/platform-log.ts';

/**
 * Whether the Redis the platform uses keeps what `redis.durability` promises. The platform's
 * own redis-server is started so; an external one (REDIS_URL) is configured by someone else,
 * so it is asked at start (`CONFIG GET`, `INFO replication`). Production mode refuses to
 * start on a mismatch, development warns.
 */

/** What the Redis says of itself; `refused` when it does not let the platform ask. */
export interface RedisPersistence {
  appendonly?: string;
  appendfsync?: string;
  role?: string;
  connectedReplicas?: number;
  refused?: string;
}

/**
 * `problems` do not give the chosen mode (production refuses them); `warnings` may pass, as
 * a replica reconnecting does (each commit waits for it anyway).
 */
export function durabilityFindings(durability: LedgerDurability, found: RedisPersistence): { problems: string[]; warnings: string[] } {
  const mode = `redis.durability "${durability.mode}"`;
  if (found.refused) {
    return { problems: [`${mode}: CONFIG GET appendonly appendfsync was refused (${found.refused}); allow the platform's Redis user +config|get so it can check`], warnings: [] };
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  // Also in replica mode: a primary restarting without its data would empty its replicas as they resync.
  if (found.appendonly !== 'yes') problems.push(`${mode}: the Redis runs with appendonly ${found.appendonly ?? '?'}; set appendonly yes`);
  else if (durability.mode === 'always' && found.appendfsync !== 'always') {
    problems.push(`${mode}: the Redis fsyncs its AOF with appendfsync ${found.appendfsync ?? '?'}, so a host crash loses answered payments; set appendfsync always`);
  } else if (durability.mode !== 'always' && found.appendfsync === 'no') {
    problems.push(`${mode}: the Redis leaves its AOF to the kernel (appendfsync no: about 30 s a host crash loses); set appendfsync everysec or always`);
  }
  if (durability.mode === 'replica') {
    if (found.role !== 'master') problems.push(`${mode}: REDIS_URL names a ${found.role ?? 'Redis of unknown role'}, not a primary`);
    else if ((found.connectedReplicas ?? 0) < durability.replicas) {
      warnings.push(`${mode}: ${found.connectedReplicas ?? 0} replicas connected, ${durability.replicas} wanted; payments are answered 503 DEPENDENCY_DOWN until they are`);
    }
  }
  return { problems, warnings };
}

/** Asks the Redis how it persists and replicates. */
export async function redisPersistence(redis: Redis): Promise<RedisPersistence> {
  let config: string[];
  try {
    config = (await redis.call('CONFIG', 'GET', 'appendonly', 'appendfsync')) as string[];
  } catch (e) {
    return { refused: (e as Error).message.split('\n')[0] };
  }
  const value = (name: string) => config[config.indexOf(name) + 1];
  const found: RedisPersistence = { appendonly: value('appendonly'), appendfsync: value('appendfsync') };
  const replication = await redis.info('replication');
  found.role = /^role:(\S+)/m.exec(replication)?.[1];
  found.connectedReplicas = Number(/^connected_slaves:(\d+)/m.exec(replication)?.[1] ?? 0);
  return found;
}

/**
 * Checks an external Redis against the chosen durability: throws a ConfigError (one line,
 * the first problem) in production mode, logs warnings otherwise.
 */
export async function checkRedisDurability(redis: Redis, durability: LedgerDurability, production: boolean, log: PlatformLog): Promise<void> {
  const { problems, warnings } = durabilityFindings(durability, await redisPersistence(redis));
  if (production && problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new ConfigError(`production mode: REDIS_URL: ${problems[0]}${more}`);
  }
  // Production's default is `always`: `everysec` there was chosen in so many words, so it is let be, and said.
  if (production && durability.mode === 'everysec') warnings.push('redis.durability "everysec" in production mode: a host crash loses the last second or two of answered payments');
  for (const warning of [...problems, ...warnings]) log.warn({ durability: durability.mode }, warning);
}
