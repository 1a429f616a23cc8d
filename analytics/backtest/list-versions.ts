import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityKind, ListEntity, ScreenedSchema } from '../../screening/list-entity.ts';

/**
 * Every live version of every screening list, kept in ClickHouse (screening_list_versions
 * and screening_list_entities, migration 6) as long as the transactions screened against
 * them: a backtest rebuilds the lists of the time from them.
 */
export interface RecordedListVersion {
  name: string;
  version: number;
  /** Unix ms: when it went live. */
  uploadedAt: number;
  uploadedBy: string;
  entities: number;
  names: number;
  sha256: string;
}

/**
 * Entities per insert. Embedded ClickHouse runs an insert on the calling thread: a block of
 * 20,000 entities held a process taking payments for 150-400 ms; 2,000 hold it for a tenth.
 */
const ENTITY_BATCH = 2_000;

function checkedDatabase(database: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  return database;
}

const dateTime64 = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Records a version: its entities first, then the version's row, so a version that is listed
 * has all its entities. Each block has a deterministic token: a retry after a failure inserts
 * nothing twice.
 */
export async function recordListVersion(client: ClickHouseClient, database: string, version: RecordedListVersion, entities: readonly ListEntity[]): Promise<void> {
  const db = checkedDatabase(database);
  for (let start = 0; start < entities.length; start += ENTITY_BATCH) {
    await client.insert({
      table: `${db}.screening_list_entities`,
      values: entities.slice(start, start + ENTITY_BATCH).map((e) => ({
        name: version.name,
        version: version.version,
        entity_id: e.id,
        schema: e.schema,
        kind: e.kind,
        topics: e.topics,
        names: e.names,
        weak_aliases: e.weakAliases,
        birth_years: e.birthYears.filter((y) => y >= 0 && y <= 65535),
        countries: e.countries,
      })),
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: `screening-entities-${version.name}-${version.version}-${start}` },
    });
    await yieldToEventLoop();
  }
  await client.insert({
    table: `${db}.screening_list_versions`,
    values: [
      {
        name: version.name,
        version: version.version,
        uploaded_at: dateTime64(version.uploadedAt),
        uploaded_by: version.uploadedBy,
        entities: version.entities,
        names: version.names,
        sha256: version.sha256,
      },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { async_insert: 0, insert_deduplication_token: `screening-version-${version.name}-${version.version}` },
  });
}

/** Whether this version's row is there (its entities then are too). */
export async function isListVersionRecorded(client: ClickHouseClient, database: string, name: string, version: number): Promise<boolean> {
  const result = await client.query({
    query: `SELECT toUInt32(count()) AS n FROM ${checkedDatabase(database)}.screening_list_versions WHERE name = {name:String} AND version = {version:UInt32}`,
    query_params: { name, version },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: number | string }>();
  return Number(row?.n ?? 0) > 0;
}

/** The versions that went live before `to`, in the order they did. */
export async function listVersionsBefore(client: ClickHouseClient, database: string, to: number): Promise<RecordedListVersion[]> {
  const result = await client.query({
    query: `SELECT name, version, toString(toUnixTimestamp64Milli(uploaded_at)) AS uploaded_ms, uploaded_by, entities, names, sha256
      FROM ${checkedDatabase(database)}.screening_list_versions FINAL
      WHERE uploaded_at < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
      ORDER BY uploaded_at, name, version`,
    query_params: { to },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ name: string; version: number; uploaded_ms: string; uploaded_by: string; entities: number; names: number; sha256: string }>();
  return rows.map((r) => ({
    name: r.name,
    version: Number(r.version),
    uploadedAt: Number(r.uploaded_ms),
    uploadedBy: r.uploaded_by,
    entities: Number(r.entities),
    names: Number(r.names),
    sha256: r.sha256,
  }));
}

/** The entities of one recorded version, as the index is built from them. */
export async function listVersionEntities(client: ClickHouseClient, database: string, name: string, version: number): Promise<ListEntity[]> {
  const result = await client.query({
    query: `SELECT entity_id, schema, kind, topics, names, weak_aliases, birth_years, countries
      FROM ${checkedDatabase(database)}.screening_list_entities FINAL
      WHERE name = {name:String} AND version = {version:UInt32}
      ORDER BY entity_id`,
    query_params: { name, version },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{
    entity_id: string;
    schema: string;
    kind: string;
    topics: string[];
    names: string[];
    weak_aliases: string[];
    birth_years: Array<number | string>;
    countries: string[];
  }>();
  return rows.map((r) => ({
    id: r.entity_id,
    schema: r.schema as ScreenedSchema,
    kind: r.kind as EntityKind,
    topics: r.topics,
    names: r.names,
    weakAliases: r.weak_aliases,
    birthYears: r.birth_years.map(Number),
    countries: r.countries,
  }));
}
