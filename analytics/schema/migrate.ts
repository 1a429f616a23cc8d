import type { ClickHouseClient } from '@clickhouse/client';
import { MIGRATIONS, type Migration } from './migrations.ts';

const DATABASE_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Applies the migrations not yet recorded in `{db}.schema_migrations`, in order. Safe to
 * run from several processes at once: every statement is idempotent.
 */
export async function migrate(
  client: ClickHouseClient,
  database: string,
  migrations: Migration[] = MIGRATIONS,
): Promise<{ applied: number[] }> {
  if (!DATABASE_PATTERN.test(database)) throw new Error(`invalid ClickHouse database name "${database}"`);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations
      (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const done = new Set(
    (
      await (
        await client.query({ query: `SELECT DISTINCT version FROM ${database}.schema_migrations`, format: 'JSONEachRow' })
      ).json<{ version: number }>()
    ).map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) {
      await client.command({ query: statement.replaceAll('{db}', database) });
    }
    await client.insert({
      table: `${database}.schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
      // chDB keeps per-request settings for the session: every insert names its own token.
      clickhouse_settings: { insert_deduplication_token: `migration-${m.version}`, async_insert: 0 },
    });
    applied.push(m.version);
  }
  return { applied };
}
