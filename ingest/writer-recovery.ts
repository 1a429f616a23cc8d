import type { Redis } from 'ioredis';
import type { Entry } from './writer-batch.ts';
import type { WriterLog } from './writer-options.ts';

/**
 * What a writer finds on start, left by a writer that crashed: batches recorded in flight,
 * entries delivered to a consumer that died before recording them, and its own pending ones.
 */

/** The record of a batch in flight, written before its insert: after a crash the same entries go again under the same token. */
export interface InFlight {
  first: string;
  last: string;
  count: number;
  token: string;
}

export const inflightKeyOf = (stream: string, consumer: string) => `${stream}:inflight:${consumer}`;

export interface Recovering {
  redis: Redis;
  stream: string;
  group: string;
  consumer: string;
  claimIdleMs: number;
  batchSize: number;
  log?: WriterLog;
  /** Inserts and acknowledges entries; an interrupted batch goes under its record's token and key. */
  write(entries: Entry[], token?: string, inflightKey?: string): Promise<void>;
  /** The oldest of this consumer's pending entries, a batch at most. */
  readPending(): Promise<Entry[]>;
}

/** Finishes batches a crash interrupted, takes over dead consumers' entries, then writes our own pending ones. */
export async function recoverInterrupted(w: Recovering): Promise<void> {
  const { redis, stream, group } = w;
  const keys = await scanKeys(redis, inflightKeyOf(stream, '*'));
  for (const key of keys) {
    const consumer = key.slice(inflightKeyOf(stream, '').length);
    const raw = await redis.get(key);
    if (!raw) continue;
    const inflight = JSON.parse(raw) as InFlight;
    const owned = (await redis.xpending(stream, group, inflight.first, inflight.last, inflight.count, consumer)) as Array<[string, string, number, number]>;
    if (consumer !== w.consumer) {
      // Another writer's batch: only take it over when that writer has gone quiet.
      if (owned.length > 0 && owned.some(([, , idle]) => idle < w.claimIdleMs)) continue;
      if (owned.length > 0) await redis.xclaim(stream, group, w.consumer, 0, ...owned.map(([id]) => id));
    }
    const ids = new Set(owned.map(([id]) => id));
    const entries = (await redis.xrange(stream, inflight.first, inflight.last)).filter(([id]) => ids.has(id)) as Entry[];
    w.log?.info({ consumer, token: inflight.token, entries: entries.length }, 'ingest: finishing an interrupted batch');
    await w.write(entries, inflight.token, key);
  }
  // Entries delivered to a writer that died before recording a batch were never inserted.
  let cursor = '0-0';
  do {
    const [next, claimed] = (await redis.xautoclaim(stream, group, w.consumer, w.claimIdleMs, cursor, 'COUNT', w.batchSize, 'JUSTID')) as [
      string,
      string[],
    ];
    cursor = next;
    if (claimed.length === 0 && cursor === '0-0') break;
  } while (cursor !== '0-0');
  for (;;) {
    const own = await w.readPending();
    if (own.length === 0) break;
    await w.write(own);
  }
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}
