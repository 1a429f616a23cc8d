import type { ClickHouseClient } from '@clickhouse/client';
import { err, ok, type Result } from '../../domain/result.ts';
import { queryJsonResult, sizeText, type JsonResult } from '../json-result/json-result.ts';
import { checkResolvedTree, checkSelectAst, checkStatementTree, type AccessPolicy } from './access-policy.ts';
import { loadFunctionCatalog, type FunctionCatalog } from './function-catalog.ts';
import { readSchema, type SqlSchema } from './schema.ts';
import { sqlError, type SqlError } from './sql-error.ts';
import { canonicalStatement, explainLines, type CanonicalStatement } from './statement.ts';
import { qualifyTableNames } from './table-names.ts';

/** The tables a compliance officer may query; never audit_log or schema_migrations. */
export const ANALYTICS_TABLES = ['transactions', 'transactions_per_minute', 'alert_events', 'case_events'] as const;

export interface SqlLimits {
  maxExecutionSeconds: number;
  maxResultRows: number;
  /** Bytes of the result in the engine's memory (max_result_bytes, never above maxResponseBytes). */
  maxResultBytes: number;
  /**
   * Bytes of the JSON answer, counted as it is read. The engine's own count stops most large
   * answers before they are whole, but it counts blocks in memory, where a constant or
   * LowCardinality column is one value however many rows repeat it.
   */
  maxResponseBytes: number;
  maxMemoryBytes: number;
  /** Statements running or waiting their turn; more are refused, not queued. */
  maxPending: number;
}

export const DEFAULT_SQL_LIMITS: SqlLimits = {
  maxExecutionSeconds: 10,
  maxResultRows: 10_000,
  maxResultBytes: 64 * 1024 * 1024,
  maxResponseBytes: 16 * 1024 * 1024,
  maxMemoryBytes: 1024 * 1024 * 1024,
  maxPending: 3,
};

/** docs/api.md: the JSON result shape shared with reports, its rows as the engine wrote them. */
export type SqlResult = JsonResult;

export interface ReadOnlySql {
  run(statement: string): Promise<Result<SqlResult, SqlError>>;
  /** The tables `run` may read, with their columns (schema.ts). */
  schema(): Promise<SqlSchema>;
}

const LIMIT_ERRORS = new Set([
  'TIMEOUT_EXCEEDED', 'TOO_MANY_ROWS_OR_BYTES', 'TOO_MANY_ROWS', 'TOO_MANY_BYTES', 'MEMORY_LIMIT_EXCEEDED',
  'TOO_SLOW', 'QUERY_WAS_CANCELLED', 'TOO_MANY_RESULT_ROWS', 'TOO_MANY_RESULT_BYTES',
]);
const READ_ONLY_ERRORS = new Set(['READONLY', 'ACCESS_DENIED', 'QUERY_IS_PROHIBITED']);

function tooLarge(limits: SqlLimits, progress: string): SqlError {
  return sqlError('SQL_RESULT_TOO_LARGE', `the answer passed ${sizeText(limits.maxResponseBytes)} ${progress} and was stopped: select fewer columns, aggregate, or add a LIMIT`);
}

/** An engine error about the caller's statement becomes a value; anything else (a connection lost) is thrown. */
function engineError(e: unknown, limits?: SqlLimits): SqlError {
  const type = (e as { type?: unknown }).type;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof type !== 'string') throw e;
  const text = message.replace(/\s+/g, ' ').slice(0, 500);
  if (limits && LIMIT_ERRORS.has(type) && /max bytes/i.test(text)) return tooLarge(limits, 'in the engine');
  if (LIMIT_ERRORS.has(type)) return sqlError('SQL_LIMIT_EXCEEDED', text);
  if (READ_ONLY_ERRORS.has(type)) return sqlError('SQL_NOT_READ_ONLY', text);
  return sqlError('SQL_INVALID', text);
}

/**
 * Limits and read-only mode travel inside the statement, as its own SETTINGS clause: they
 * hold for this statement alone, on chDB as on a server. Passed as clickhouse_settings they
 * would leak into the embedded session as SET and make the ingest writer's inserts fail.
 * readonly = 1 makes the engine refuse writes and table functions such as file(); a
 * subquery's own SETTINGS could lift it for that subquery, so the checks refuse SETTINGS.
 */
function settingsClause(limits: SqlLimits, purpose: 'run' | 'explain'): string {
  const n = (v: number) => String(Math.max(0, Math.floor(v)));
  const always = [
    `max_execution_time = ${n(limits.maxExecutionSeconds)}`,
    `timeout_overflow_mode = 'throw'`,
    `max_memory_usage = ${n(limits.maxMemoryBytes)}`,
  ];
  // An EXPLAIN's result is its dump, one row a line: the result limits are for the answer only.
  const answer = [
    `max_result_rows = ${n(limits.maxResultRows)}`,
    `max_result_bytes = ${n(Math.min(limits.maxResultBytes, limits.maxResponseBytes))}`,
    `result_overflow_mode = 'throw'`,
    // Lossless and the same on chDB and on a server: 64-bit integers and decimals as strings.
    'output_format_json_quote_64bit_integers = 1',
    'output_format_json_quote_decimals = 1',
    // Rows go out as the engine wrote them: a string that is not UTF-8 must not break the JSON.
    'output_format_json_validate_utf8 = 1',
  ];
  return [...always, ...(purpose === 'run' ? answer : []), 'readonly = 1'].join(', ');
}

/**
 * The checked statement as it runs (or, for `explain`, as the analyser is asked about it:
 * the same statement without the result limits). The outermost query's SETTINGS cover
 * every subquery, and a subquery cannot bring INTO OUTFILE or FORMAT (the parser refuses
 * both inside parentheses).
 */
export function runnableStatement(canonical: string, limits: SqlLimits, purpose: 'run' | 'explain' = 'run'): string {
  return `SELECT * FROM (${canonical}) SETTINGS ${settingsClause(limits, purpose)}`;
}

/**
 * One SELECT for the compliance role, checked in four steps before it runs: parsed as one
 * statement (canonical form), a SELECT with no INTO OUTFILE / FORMAT / SETTINGS (AST),
 * its tables and functions as written (unanalysed query tree), then as the analyser binds
 * them (query tree); then run read-only with time, row, byte and memory limits. A table
 * written without its database is given `database` first (table-names.ts), and the
 * statement so rewritten is what the steps check and what runs.
 *
 * `client` should be a connection of its own (on chDB, a second connection to the same
 * data directory): a failed statement's leftovers (see runAlone) then never reach the
 * ingest writer's or another reader's connection.
 */
export function createReadOnlySql(client: ClickHouseClient, options: { database: string; limits?: Partial<SqlLimits> }): ReadOnlySql {
  const limits = { ...DEFAULT_SQL_LIMITS, ...options.limits };
  const tables = new Set(ANALYTICS_TABLES.map((t) => `${options.database}.${t}`));
  let catalogLoad: Promise<FunctionCatalog> | undefined;
  const functions = () => {
    catalogLoad ??= loadFunctionCatalog(client).catch((e: unknown) => {
      catalogLoad = undefined;
      throw e;
    });
    return catalogLoad;
  };

  /** One SELECT (AST), and its unanalysed query tree. */
  async function parse(statement: string): Promise<Result<{ parsed: CanonicalStatement; tree: string[] }, SqlError>> {
    const parsed = await canonicalStatement(client, statement);
    if (!parsed.ok) return parsed;
    const notSelect = checkSelectAst(await explainLines(client, `EXPLAIN AST ${parsed.value.canonical}`));
    if (notSelect) return err(notSelect);
    return ok({ parsed: parsed.value, tree: await explainLines(client, `EXPLAIN QUERY TREE run_passes = 0 ${parsed.value.canonical}`) });
  }

  async function check(statement: string, catalog: FunctionCatalog): Promise<Result<string, SqlError>> {
    let read = await parse(statement);
    if (!read.ok) return read;
    const qualified = await qualifyTableNames(client, read.value.parsed, read.value.tree, options.database);
    // Rewritten, the statement is parsed and checked again: the checks read the text that runs.
    if (qualified !== read.value.parsed.canonical) read = await parse(qualified);
    if (!read.ok) return read;
    const { parsed: { canonical, databases }, tree } = read.value;
    const policy: AccessPolicy = { tables, databases: new Set(databases), functions: catalog };
    const unreachable = checkStatementTree(tree, policy);
    if (unreachable) return err(unreachable);
    const explained = await explainLines(client, `EXPLAIN QUERY TREE ${runnableStatement(canonical, limits, 'explain')}`);
    const resolved = checkResolvedTree(explained, policy);
    if (resolved) return err(resolved);
    return ok(runnableStatement(canonical, limits));
  }

  async function runAlone(statement: string): Promise<Result<SqlResult, SqlError>> {
    // Outside the mapping below: a catalog that cannot load is the platform's fault, not the statement's.
    const catalog = await functions();
    let clean = false;
    try {
      const checked = await check(statement, catalog).catch((e: unknown) => err(engineError(e)));
      if (!checked.ok) return checked;
      const read = await queryJsonResult(client, checked.value, { maxBytes: limits.maxResponseBytes }).catch((e: unknown) => engineError(e, limits));
      if ('code' in read) return err(read);
      if (!read.ok) return err(tooLarge(limits, `after ${read.error.rows} rows`));
      clean = true;
      return ok(read.value);
    } finally {
      // chDB 3.4: a statement that fails once its output has begun leaves that output on
      // the connection, and the next statement's result starts with it. One throwaway
      // statement takes it, so the next caller reads only its own rows.
      if (!clean) await client.command({ query: 'SELECT 1' }).catch(() => undefined);
    }
  }

  // One statement at a time on this connection (see runAlone), a few more waiting.
  let queue: Promise<unknown> = Promise.resolve();
  let pending = 0;
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = queue.then(work);
    queue = turn.catch(() => undefined);
    return turn;
  };
  return {
    async run(statement) {
      if (pending >= limits.maxPending) return err(sqlError('SQL_BUSY', `${pending} statements are already running or waiting; try again shortly`));
      pending += 1;
      try {
        return await inTurn(() => runAlone(statement));
      } finally {
        pending -= 1;
      }
    },
    schema: () => inTurn(() => readSchema(client, options.database, ANALYTICS_TABLES)),
  };
}
