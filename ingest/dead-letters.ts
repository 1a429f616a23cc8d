import type { ChainableCommander, Redis } from 'ioredis';

/**
 * The dead-letter store of a writer's stream: a Redis Stream next to it, `<stream>:dead`,
 * holding each entry the writer could not land in ClickHouse, so one bad entry never holds
 * up the ones behind it. An entry is moved there in the same MULTI that acknowledges it:
 * it is either still pending in its stream or dead-lettered, once.
 *
 * Fields of a dead letter: `id` the entry's id in its stream, `code` why (ClickHouse's error
 * name, or UNDECODABLE for an entry that makes no row), `error` the message (ClickHouse's may
 * quote the row), then the entry's own fields as they were, to replay it once fixed.
 *
 * Not trimmed: a dead letter is the only complete copy of what it records (the entry it came
 * from is acknowledged and trimmed), so a bound would lose transactions. It takes the memory
 * its entry took in the stream it left; the operator is alerted on the first one of a burst.
 */
export const deadLetterStream = (stream: string) => `${stream}:dead`;

/** The code of an entry that makes no row at all (no version of its writer wrote it). */
export const UNDECODABLE = 'UNDECODABLE';

/** Longest error message kept with a dead letter. */
const MAX_ERROR_CHARS = 2000;

export interface DeadLetterReason {
  code: string;
  message: string;
}

/** What a writer tells after a batch moved entries to its dead-letter stream. */
export interface DeadLetterNotice {
  stream: string;
  count: number;
  /** How many of them for each code. */
  codes: Record<string, number>;
  firstId: string;
  lastId: string;
}

export interface DeadLetter {
  /** Its id in the dead-letter stream. */
  deadId: string;
  /** The entry's id in its own stream. */
  id: string;
  code: string;
  error: string;
  /** The entry's fields, as they were in its stream. */
  fields: string[];
}

/** Queues on `tx` (the MULTI that acknowledges them) the dead letters of the entries `reasons` names, in stream order; returns them. */
export function appendDeadLetters(
  tx: ChainableCommander,
  stream: string,
  entries: ReadonlyArray<readonly [id: string, fields: string[]]>,
  reasons: ReadonlyMap<string, DeadLetterReason>,
): Array<{ id: string; code: string }> {
  const dead: Array<{ id: string; code: string }> = [];
  if (reasons.size === 0) return dead;
  for (const [id, fields] of entries) {
    const reason = reasons.get(id);
    if (!reason) continue;
    tx.xadd(deadLetterStream(stream), '*', 'id', id, 'code', reason.code, 'error', reason.message.slice(0, MAX_ERROR_CHARS), ...fields);
    dead.push({ id, code: reason.code });
  }
  return dead;
}

/** The oldest dead letters of `stream` (an operator's or a test's view). */
export async function readDeadLetters(redis: Redis, stream: string, count = 1000): Promise<DeadLetter[]> {
  const entries = (await redis.xrange(deadLetterStream(stream), '-', '+', 'COUNT', count)) as Array<[string, string[]]>;
  return entries.map(([deadId, f]) => ({ deadId, id: f[1] ?? '', code: f[3] ?? '', error: f[5] ?? '', fields: f.slice(6) }));
}

/** How many dead letters each stream's store holds. */
export async function storedDeadLetters(redis: Redis, streams: readonly string[]): Promise<Record<string, number>> {
  const lengths = await Promise.all(streams.map((s) => redis.xlen(deadLetterStream(s))));
  return Object.fromEntries(streams.map((s, i) => [s, lengths[i] ?? 0]));
}

export function deadLetterNotice(stream: string, dead: ReadonlyArray<{ id: string; code: string }>): DeadLetterNotice {
  const codes: Record<string, number> = {};
  for (const d of dead) codes[d.code] = (codes[d.code] ?? 0) + 1;
  return { stream, count: dead.length, codes, firstId: dead[0]?.id ?? '', lastId: dead[dead.length - 1]?.id ?? '' };
}

export interface DeadLetterFigures {
  /** Moved by this process's writers since it started. */
  sinceStart: number;
  /** Held in the store now, whoever moved them. */
  stored: number;
}

/** Dead letters per stream, for /health: counted from the writers' notices, and read from each store. */
export function createDeadLetterTally(redis: Redis, streams: readonly string[]) {
  const sinceStart = new Map(streams.map((s) => [s, 0]));
  return {
    record(notice: DeadLetterNotice): void {
      sinceStart.set(notice.stream, (sinceStart.get(notice.stream) ?? 0) + notice.count);
    },
    async figures(): Promise<Record<string, DeadLetterFigures>> {
      const stored = await storedDeadLetters(redis, [...sinceStart.keys()]);
      return Object.fromEntries([...sinceStart].map(([s, n]) => [s, { sinceStart: n, stored: stored[s] ?? 0 }]));
    },
  };
}
