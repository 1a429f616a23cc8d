import type { Redis } from 'ioredis';
import { streamIdMs } from './tap-stream.ts';

export interface WriterLag {
  /** Age of the oldest entry not yet acknowledged; 0 when caught up. */
  lagMs: number;
  pending: number;
  streamLength: number;
}

/** How far a consumer group is behind its stream, read from Redis alone (any connection will do). */
export async function streamLag(redis: Redis, stream: string, group: string, now = Date.now()): Promise<WriterLag> {
  const [length, summary, groups] = await Promise.all([
    redis.xlen(stream),
    redis.xpending(stream, group).catch(() => [0, null]) as Promise<[number, string | null]>,
    redis.xinfo('GROUPS', stream).catch(() => []) as Promise<unknown[][]>,
  ]);
  const pending = Number(summary[0] ?? 0);
  let oldest = pending > 0 ? summary[1] : null;
  if (!oldest) {
    const lastDelivered = consumerGroupField(groups, group, 'last-delivered-id') ?? '0-0';
    const next = (await redis.xrange(stream, `(${lastDelivered}`, '+', 'COUNT', 1))[0];
    oldest = next?.[0] ?? null;
  }
  return { lagMs: oldest ? Math.max(0, now - streamIdMs(oldest)) : 0, pending, streamLength: length };
}

/** One field of a group in an `XINFO GROUPS` reply. */
export function consumerGroupField(groups: unknown[][], group: string, field: string): string | undefined {
  for (const g of groups) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < g.length; i += 2) fields.set(String(g[i]), g[i + 1]);
    if (fields.get('name') === group) return String(fields.get(field));
  }
  return undefined;
}
