import type { Redis } from 'ioredis';
import type { MessageType } from '../../domain/transaction.ts';
import type { Observation } from './observation.ts';

/**
 * Velocity state across switch nodes: each node publishes what it observed (one
 * Observation per scored message, once its commit decided) in one batch at most every
 * `intervalMs` (one XADD to a Redis Stream), and applies the other nodes' batches as they
 * come (a blocking XREAD on a connection of its own). A node's facts therefore miss at
 * most the other nodes' messages of the last interval plus one round trip: the
 * cross-node bound written in docs/scaling.md. The stream keeps `retentionMs` of batches,
 * enough for a node that stalls for a moment to catch up; a node further behind misses
 * what was trimmed (counted in `gaps`).
 */

export const DELTA_STREAM = 'risk:deltas';
export const DEFAULT_DELTA_INTERVAL_MS = 50;
export const DEFAULT_DELTA_RETENTION_MS = 15_000;
const READ_BLOCK_MS = 1000;
const READ_COUNT = 200;

export interface StateDeltasOptions {
  redis: Redis;
  /** This node's id, unique among the nodes sharing the Redis (its own batches are skipped). */
  nodeId: string;
  /** Applies another node's observation to this node's state. */
  apply(o: Observation): void;
  stream?: string;
  intervalMs?: number;
  retentionMs?: number;
  /** Where to start reading; by default the stream's end when start() is called. */
  from?: string;
}

export interface StateDeltasStats {
  published: number;
  publishedBatches: number;
  publishErrors: number;
  applied: number;
  /** Batches that could not be read back (not written by this version). */
  unreadable: number;
  /** Times the reader was behind the stream's retention and skipped to its end. */
  gaps: number;
  /** Age of the last batch applied when it was applied, ms (cross-node delay). */
  lastLagMs: number;
  maxLagMs: number;
}

export interface StateDeltas {
  /** Queues an observation of this node for the next batch. */
  publish(o: Observation): void;
  /** Sends the queued observations now (on close, and before a snapshot). */
  flush(): Promise<void>;
  /** Starts publishing every interval and reading the other nodes' batches. */
  start(): Promise<void>;
  stats(): StateDeltasStats;
  close(): Promise<void>;
}

const TYPE_CODE: Record<MessageType, string> = { payment: 'p', refund: 'f', reversal: 'v' };
const TYPE_OF: Record<string, MessageType> = { p: 'payment', f: 'refund', v: 'reversal' };

type Encoded = [id: string, t: number, type: string, payer: string, device: string, ip: string, merchant: string, cents: number, flags: number, lat: number | null, lon: number | null, status: string];

export function encodeObservation(o: Observation): Encoded {
  return [
    o.id, o.t, TYPE_CODE[o.type], o.payer, o.device ?? '', o.ip ?? '', o.merchant, o.cents,
    (o.small ? 1 : 0) | (o.near ? 2 : 0),
    o.location?.lat ?? null, o.location?.lon ?? null,
    o.status === 'APPROVED' ? 'A' : o.status === 'DECLINED' ? 'D' : '',
  ];
}

export function decodeObservation(e: Encoded): Observation | undefined {
  const [id, t, type, payer, device, ip, merchant, cents, flags, lat, lon, status] = e;
  const messageType = TYPE_OF[type];
  if (!messageType || typeof id !== 'string' || typeof t !== 'number' || typeof payer !== 'string' || typeof merchant !== 'string' || typeof cents !== 'number') return undefined;
  return {
    id, t, type: messageType, payer, merchant, cents,
    ...(device ? { device } : {}),
    ...(ip ? { ip } : {}),
    small: (flags & 1) === 1,
    near: (flags & 2) === 2,
    ...(lat !== null && lon !== null ? { location: { lat, lon } } : {}),
    ...(status === 'A' ? { status: 'APPROVED' as const } : status === 'D' ? { status: 'DECLINED' as const } : {}),
  };
}

export function createStateDeltas(options: StateDeltasOptions): StateDeltas {
  const stream = options.stream ?? DELTA_STREAM;
  const intervalMs = options.intervalMs ?? DEFAULT_DELTA_INTERVAL_MS;
  const retentionMs = options.retentionMs ?? DEFAULT_DELTA_RETENTION_MS;
  const redis = options.redis;
  // A blocking read waits up to READ_BLOCK_MS: the shared connection's command timeout must not cut it.
  const reader = redis.duplicate({ enableAutoPipelining: false, maxRetriesPerRequest: null, commandTimeout: READ_BLOCK_MS + 5000 });
  let queued: Encoded[] = [];
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();
  let reading: Promise<void> | undefined;
  let closed = false;
  let lastId = options.from ?? '$';
  const stats: StateDeltasStats = { published: 0, publishedBatches: 0, publishErrors: 0, applied: 0, unreadable: 0, gaps: 0, lastLagMs: 0, maxLagMs: 0 };

  const send = (): Promise<void> => {
    if (queued.length === 0) return sending;
    const batch = queued;
    queued = [];
    // One XADD per interval, trimmed by age in the same command (MINID, approximate: cheap).
    const minId = `${Date.now() - retentionMs}-0`;
    sending = sending.then(() =>
      redis.xadd(stream, 'MINID', '~', minId, '*', 'n', options.nodeId, 'o', JSON.stringify(batch)).then(
        () => {
          stats.published += batch.length;
          stats.publishedBatches++;
        },
        () => {
          // Lost for the other nodes (their facts miss these messages): counted, never thrown.
          stats.publishErrors++;
        },
      ),
    );
    return sending;
  };

  const applyBatch = (fields: string[]) => {
    let node: string | undefined;
    let payload: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'n') node = fields[i + 1];
      else if (fields[i] === 'o') payload = fields[i + 1];
    }
    if (node === options.nodeId) return;
    let entries: unknown;
    try {
      entries = JSON.parse(payload ?? '');
    } catch {
      stats.unreadable++;
      return;
    }
    if (!Array.isArray(entries)) {
      stats.unreadable++;
      return;
    }
    let newest = 0;
    for (const e of entries) {
      const o = Array.isArray(e) ? decodeObservation(e as Encoded) : undefined;
      if (!o) {
        stats.unreadable++;
        continue;
      }
      options.apply(o);
      stats.applied++;
      if (o.t > newest) newest = o.t;
    }
    if (newest > 0) {
      stats.lastLagMs = Math.max(0, Date.now() - newest);
      stats.maxLagMs = Math.max(stats.maxLagMs, stats.lastLagMs);
    }
  };

  const readLoop = async () => {
    while (!closed) {
      try {
        const reply = (await reader.xread('COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', stream, lastId)) as [string, [string, string[]][]][] | null;
        if (!reply) continue;
        for (const [, entries] of reply) {
          for (const [id, fields] of entries) {
            // Read from a point the retention has passed: what lay between was trimmed.
            if (idMs(lastId) < Date.now() - retentionMs && idMs(lastId) > 0) stats.gaps++;
            lastId = id;
            applyBatch(fields);
          }
        }
      } catch {
        if (closed) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };

  return {
    publish(o) {
      queued.push(encodeObservation(o));
    },
    flush: () => send(),
    async start() {
      if (lastId === '$') {
        // Pin the start, so nothing published between now and the first read is missed.
        const last = await reader.xrevrange(stream, '+', '-', 'COUNT', 1);
        lastId = last[0]?.[0] ?? '0-0';
      }
      timer = setInterval(() => void send(), intervalMs);
      timer.unref();
      reading = readLoop();
    },
    stats: () => ({ ...stats }),
    async close() {
      if (timer) clearInterval(timer);
      await send();
      closed = true;
      reader.disconnect();
      await reading;
    },
  };
}

function idMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
