import type { ClickHouseClient } from '@clickhouse/client';

/** docs/api.md, `GET /v1/sql/schema`: what the SQL route may read, as the engine describes it. */
export interface SqlColumn {
  name: string;
  type: string;
  comment: string;
}

export interface SqlTable {
  /** As a statement may write it; `database` + `.` + name also works. */
  name: string;
  engine: string;
  comment: string;
  /** ORDER BY of a MergeTree table: filters on its leading columns read the least. */
  sortingKey: string;
  columns: SqlColumn[];
}

export interface SqlSchema {
  database: string;
  tables: SqlTable[];
}

interface TableRow {
  name: string;
  engine: string;
  comment: string;
  sorting_key: string;
}

interface ColumnRow {
  table: string;
  name: string;
  type: string;
  comment: string;
}

const TABLES = `SELECT name, engine, comment, sorting_key FROM system.tables
  WHERE database = {database:String} AND name IN {tables:Array(String)}`;
const COLUMNS = `SELECT table, name, type, comment FROM system.columns
  WHERE database = {database:String} AND table IN {tables:Array(String)}
  ORDER BY table, position`;

/**
 * The readable tables with their columns, from the engine's own system tables; the names
 * asked about go in as bound parameters. Tables in the order given; one that does not
 * exist (a migration not yet applied) is left out.
 */
export async function readSchema(client: ClickHouseClient, database: string, tables: readonly string[]): Promise<SqlSchema> {
  const query_params = { database, tables: [...tables] };
  // One after the other: the SQL route's connection runs one statement at a time.
  const tableRows = await (await client.query({ query: TABLES, query_params, format: 'JSONEachRow' })).json<TableRow>();
  const columnRows = await (await client.query({ query: COLUMNS, query_params, format: 'JSONEachRow' })).json<ColumnRow>();
  const found = new Map(tableRows.map((t) => [t.name, t]));
  return {
    database,
    tables: tables.flatMap((name) => {
      const table = found.get(name);
      if (!table) return [];
      const columns = columnRows.filter((c) => c.table === name).map(({ name: column, type, comment }) => ({ name: column, type, comment }));
      return [{ name, engine: table.engine, comment: table.comment, sortingKey: table.sorting_key, columns }];
    }),
  };
}
