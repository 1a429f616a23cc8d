import { createReadStream } from 'node:fs';
import type { ListEntity } from '../../screening/list-entity.ts';
import { packEntities, unpackEntities } from '../../screening/packed-entities.ts';
import type { ScreeningService } from '../../screening/screening-service.ts';
import type { ListError, ListLimits } from '../../screening/read-list.ts';
import type { PlatformLog } from '../capabilities/platform-log.ts';
import type { ListAnnouncement, ListStore, ListUpload } from './list-store.ts';
import { readListDigested } from './read-digested.ts';

/**
 * Keeps a process's screening lists current: at start it installs the live version of every
 * list from Redis (a list the config names and Redis has not is read from its file and
 * published), then follows the announcements of new versions. Where ClickHouse is open it
 * also records every version that goes live, for the backtests. A version is only ever
 * replaced by a newer one.
 */
export interface LiveLists {
  /** Numbers, stores and promotes a version (`newer`: an upload; `first`: a config file at start); installs and records it if it went live. */
  publish(upload: Omit<ListUpload, 'version'>, entities: readonly ListEntity[], mode: 'newer' | 'first'): Promise<{ version: number; promoted: boolean; live: number }>;
  close(): Promise<void>;
}

export interface LiveListsOptions {
  store: ListStore;
  /** Absent in a process that only records (ingest, worker). */
  screening?: ScreeningService;
  /** Writes a version and its entities to ClickHouse, where this process has it. */
  record?: {
    has(name: string, version: number): Promise<boolean>;
    write(upload: ListUpload, entities: readonly ListEntity[]): Promise<void>;
  };
  /** The config's lists, read when Redis holds no live version of them. */
  files: ReadonlyArray<{ name: string; path: string }>;
  limits: Partial<ListLimits>;
  log: Pick<PlatformLog, 'info' | 'warn' | 'error'>;
}

export class ListFileError extends Error {
  override name = 'ListFileError';
}

export async function startLiveLists(options: LiveListsOptions): Promise<LiveLists> {
  const { store, screening, record, log } = options;
  /** Per list, the work on it in order: a fetch never overtakes an install. */
  const queues = new Map<string, Promise<unknown>>();
  let closed = false;

  const installed = (name: string) => screening?.versions().find((v) => v.name === name)?.version ?? 0;
  const recorded = new Set<string>();

  const install = async (name: string, version: number, packed: Uint8Array) => {
    if (!screening || closed || version <= installed(name)) return;
    const started = performance.now();
    // Built where names are matched (the screening thread, or in time slices here): payments
    // go on being screened with the version live until now while a large list is indexed.
    const live = await screening.install(name, version, packed);
    if (live.version !== version) return;
    log.info({ list: name, version, entities: live.entities, names: live.names, buildMs: Math.round(performance.now() - started), memoryBytes: live.memoryBytes }, 'screening list installed');
  };

  const writeRecord = async (upload: ListUpload, entities: readonly ListEntity[]) => {
    const key = `${upload.name}:${upload.version}`;
    if (!record || recorded.has(key)) return;
    await record.write(upload, entities);
    recorded.add(key);
  };

  /** Installs (and records) the live `version` of `name` from Redis, unless this process is past it. */
  const follow = async (name: string, version: number) => {
    const needsInstall = screening !== undefined && version > installed(name);
    const needsRecord = record !== undefined && !recorded.has(`${name}:${version}`) && !(await record.has(name, version));
    if (!needsRecord && record) recorded.add(`${name}:${version}`);
    if (!needsInstall && !needsRecord) return;
    const [upload, packed] = await Promise.all([store.upload(name, version), store.packed(name, version)]);
    // Dropped already: a newer version is live, and its announcement follows.
    if (!upload || !packed) return;
    if (needsInstall) await install(name, version, packed);
    if (needsRecord) await writeRecord(upload, await unpackEntities(packed));
  };

  const enqueue = (name: string, work: () => Promise<void>) => {
    const next = (queues.get(name) ?? Promise.resolve())
      .then(work)
      .catch((e: unknown) => log.error({ list: name, err: e instanceof Error ? e.message : String(e) }, 'screening list not followed; the next announcement tries again'));
    queues.set(name, next);
    return next;
  };

  const onChange = (announced: ListAnnouncement | undefined) => {
    if (closed) return;
    if (announced) {
      void enqueue(announced.name, () => follow(announced.name, announced.version));
      return;
    }
    // Reconnected: an announcement may have been missed.
    void store.live().then(
      (live) => {
        for (const [name, version] of live) void enqueue(name, () => follow(name, version));
      },
      (e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'screening lists not re-read after a reconnection'),
    );
  };

  // Subscribed before reading what is live, so nothing can fall between the two.
  const subscription = await store.subscribe(onChange);

  const publish: LiveLists['publish'] = async (upload, entities, mode) => {
    const version = await store.nextVersion(upload.name);
    const stored: ListUpload = { ...upload, version };
    const packed = await packEntities(entities);
    await store.store(stored, packed);
    const { promoted, live } = await store.promote(upload.name, version, mode);
    if (promoted) {
      await enqueue(upload.name, async () => {
        await install(upload.name, version, packed);
        await writeRecord(stored, entities);
      });
    }
    return { version, promoted, live };
  };

  try {
    const live = await store.live();
    for (const [name, version] of live) await enqueue(name, () => follow(name, version));
    for (const file of options.files) {
      if (live.has(file.name)) continue;
      const read = await readListDigested(createReadStream(file.path), options.limits).catch((e: unknown) => {
        throw new ListFileError(`screening list ${file.name}: ${file.path}: ${(e as Error).message}`);
      });
      if (!read.list.ok) throw new ListFileError(`screening list ${file.name}: ${file.path}: ${describe(read.list.error)}`);
      const { entities, names } = read.list.value;
      const published = await publish(
        { name: file.name, entities: entities.length, names, sha256: read.sha256, bytes: read.bytes, uploadedBy: 'config', uploadedAt: Date.now() },
        entities,
        'first',
      );
      // Another node seeded it first: follow what it made live.
      if (!published.promoted) await enqueue(file.name, () => follow(file.name, published.live));
    }
  } catch (e) {
    closed = true;
    await subscription.close();
    throw e;
  }

  return {
    publish,
    async close() {
      closed = true;
      await subscription.close();
      await Promise.all(queues.values());
    },
  };
}

function describe(error: ListError): string {
  return `${error.code}: ${error.message}`;
}
