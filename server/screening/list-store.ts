import type { Redis } from 'ioredis';
import { defineScripts } from '../../domain/redis-scripts.ts';
import type { ListEntity } from '../../screening/list-entity.ts';
import { unpackEntities } from '../../screening/packed-entities.ts';

/**
 * The screening lists in Redis, shared by every node: each uploaded version's parsed
 * entities (gzipped JSON lines) and what is known of the upload, a per-name counter that numbers
 * versions, the live version of each name, and the channel announcing a new live version.
 * Only the last few versions of a name are kept; the live one always is.
 */
export interface ListUpload {
  name: string;
  version: number;
  entities: number;
  /** Names and aliases, weak aliases included. */
  names: number;
  /** Of the list's bytes as uploaded (or read from the file). */
  sha256: string;
  bytes: number;
  /** The operator, or `config` for a list the platform loaded from its config file. */
  uploadedBy: string;
  /** Unix ms. */
  uploadedAt: number;
}

export interface ListAnnouncement {
  name: string;
  version: number;
}

export interface ListStore {
  /** The next version number of a list (INCR): two concurrent uploads never share one. */
  nextVersion(name: string): Promise<number>;
  /** Stores a version's entities (packed by packEntities) and upload facts; drops the versions older than the last `keep` (never the live one). */
  store(upload: ListUpload, packed: Buffer): Promise<void>;
  /**
   * Makes a stored version live and announces it. `newer`: only if it is above the live one;
   * `first`: only if the list has none yet. Returns whether it did, and the live version.
   */
  promote(name: string, version: number, mode: 'newer' | 'first'): Promise<{ promoted: boolean; live: number }>;
  /** The live version of every list, by name. */
  live(): Promise<Map<string, number>>;
  upload(name: string, version: number): Promise<ListUpload | undefined>;
  /** A version's entities as stored (packed-entities.ts), for the screening thread to read itself. */
  packed(name: string, version: number): Promise<Buffer | undefined>;
  entities(name: string, version: number): Promise<ListEntity[] | undefined>;
  /** Calls `onChange` with each announcement, and with `undefined` after a reconnection (something may have been missed). */
  subscribe(onChange: (announced: ListAnnouncement | undefined) => void): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

export const LIST_CHANNEL = 'screening:lists';
const LIVE_KEY = 'screening:lists:live';
const seqKey = (name: string) => `screening:list:${name}:seq`;
const versionsKey = (name: string) => `screening:list:${name}:versions`;
const versionKey = (name: string, version: number) => `screening:list:${name}:v:${version}`;
/** Versions kept per list: the live one and the few before it, so a node still fetching an older one finds it. */
export const DEFAULT_KEEP_VERSIONS = 3;

interface ListScripts {
  promoteListVersion(...args: string[]): Promise<[number, number]>;
}

export function createListStore(redis: Redis, options: { keep?: number } = {}): ListStore {
  const keep = options.keep ?? DEFAULT_KEEP_VERSIONS;
  // Lists are megabytes: on the shared, auto-pipelined connection they would hold up the
  // payments' commands behind them, and outlast its one-second command timeout.
  let bulkConnection: (Redis & ListScripts) | undefined;
  const bulk = () =>
    (bulkConnection ??= defineScripts<ListScripts>(
      redis.duplicate({ enableAutoPipelining: false, commandTimeout: 30_000, lazyConnect: false, enableOfflineQueue: true }),
      new URL('./lua/', import.meta.url),
    ));

  return {
    nextVersion: async (name) => redis.incr(seqKey(name)),

    async store(upload, packed) {
      const connection = bulk();
      await connection
        .multi()
        .hset(versionKey(upload.name, upload.version), 'upload', JSON.stringify(upload), 'entities', packed)
        .zadd(versionsKey(upload.name), upload.version, String(upload.version))
        .exec();
      const [older, live] = await Promise.all([
        connection.zrange(versionsKey(upload.name), 0, -(keep + 1)),
        connection.hget(LIVE_KEY, upload.name),
      ]);
      const dropped = older.filter((v) => v !== live);
      if (dropped.length > 0) {
        await connection
          .multi()
          .del(...dropped.map((v) => versionKey(upload.name, Number(v))))
          .zrem(versionsKey(upload.name), ...dropped)
          .exec();
      }
    },

    async promote(name, version, mode) {
      const announcement: ListAnnouncement = { name, version };
      const [promoted, live] = await bulk().promoteListVersion(LIVE_KEY, name, String(version), mode, LIST_CHANNEL, JSON.stringify(announcement));
      return { promoted: promoted === 1, live };
    },

    async live() {
      const all = await redis.hgetall(LIVE_KEY);
      return new Map(Object.entries(all).map(([name, version]) => [name, Number(version)]));
    },

    async upload(name, version) {
      const raw = await redis.hget(versionKey(name, version), 'upload');
      return raw === null ? undefined : (JSON.parse(raw) as ListUpload);
    },

    async packed(name, version) {
      return (await bulk().hgetBuffer(versionKey(name, version), 'entities')) ?? undefined;
    },

    async entities(name, version) {
      const packed = await bulk().hgetBuffer(versionKey(name, version), 'entities');
      if (packed === null) return undefined;
      return unpackEntities(packed);
    },

    async subscribe(onChange) {
      // Its own connection (a subscribed connection can do nothing else), allowed to queue its SUBSCRIBE until connected.
      const subscriber = redis.duplicate({ enableAutoPipelining: false, lazyConnect: false, enableOfflineQueue: true, commandTimeout: undefined });
      let connectedOnce = false;
      subscriber.on('message', (_channel: string, message: string) => {
        const announced = announcementOf(message);
        if (announced) onChange(announced);
      });
      subscriber.on('ready', () => {
        if (connectedOnce) onChange(undefined);
        connectedOnce = true;
      });
      // An unhandled 'error' event would crash the process; reconnection is ioredis's job.
      subscriber.on('error', () => undefined);
      await subscriber.subscribe(LIST_CHANNEL);
      return {
        async close() {
          subscriber.removeAllListeners('message');
          await subscriber.quit().catch(() => subscriber.disconnect());
        },
      };
    },

    async close() {
      const connection = bulkConnection;
      bulkConnection = undefined;
      await connection?.quit().catch(() => connection.disconnect());
    },
  };
}

function announcementOf(message: string): ListAnnouncement | undefined {
  try {
    const { name, version } = JSON.parse(message) as Partial<ListAnnouncement>;
    return typeof name === 'string' && Number.isInteger(version) ? { name, version: version! } : undefined;
  } catch {
    return undefined;
  }
}
