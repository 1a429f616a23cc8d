import type { FunctionCatalog } from './function-catalog.ts';
import { checkAggregateTypes, checkNamedFunctions } from './named-functions.ts';
import { ancestors, nodeIdsInOrder, parseQueryTree, walk, type TreeLine } from './query-tree.ts';
import { sqlError, type SqlError } from './sql-error.ts';

/** What an ad-hoc statement may reach. */
export interface AccessPolicy {
  /** `db.table` names a statement may read. */
  tables: ReadonlySet<string>;
  /** Every database the engine knows, so `db.x` anywhere in a statement is recognised as a table. */
  databases: ReadonlySet<string>;
  functions: FunctionCatalog;
}

/** The table a query without FROM reads: one row, no data. */
const SYSTEM_ONE = 'system.one';
const TABLE_POSITIONS = new Set(['JOIN TREE', 'LEFT TABLE EXPRESSION', 'RIGHT TABLE EXPRESSION', 'TABLE EXPRESSION']);
const IN_FUNCTIONS = new Set(['in', 'notin', 'globalin', 'globalnotin', 'nullin', 'notnullin', 'globalnullin', 'globalnotnullin']);

/** A Map: the root is read from the dump of the caller's statement. */
const ROOT_KINDS: ReadonlyMap<string, string> = new Map(Object.entries({
  InsertQuery: 'INSERT', AlterQuery: 'ALTER', DropQuery: 'DROP', CreateQuery: 'CREATE', SYSTEM: 'SYSTEM', Set: 'SET',
  KillQueryQuery: 'KILL', OptimizeQuery: 'OPTIMIZE', RenameQuery: 'RENAME', DeleteQuery: 'DELETE', UpdateQuery: 'UPDATE',
  Explain: 'EXPLAIN', ShowTables: 'SHOW', DescribeQuery: 'DESCRIBE', UseQuery: 'USE', BackupQuery: 'BACKUP',
}));

/**
 * `EXPLAIN AST` of the canonical statement (parsing only, nothing runs): one SELECT
 * (or UNION / INTERSECT / EXCEPT of SELECTs), with no INTO OUTFILE, FORMAT or SETTINGS.
 * A SETTINGS clause anywhere could lift readonly for its subquery (ClickHouse applies a
 * subquery's SETTINGS over the outer ones), so none is accepted.
 */
export function checkSelectAst(lines: string[]): SqlError | undefined {
  const root = (lines[0] ?? '').trim().split(/\s/)[0] ?? '';
  if (root !== 'SelectWithUnionQuery') {
    const kind = ROOT_KINDS.get(root) ?? root.replace(/Query$/, '').toUpperCase();
    return sqlError('SQL_NOT_READ_ONLY', `only a single SELECT runs here, not ${kind || 'this statement'}`);
  }
  const topLevel = lines.slice(1).filter((l) => /^ \S/.test(l)).map((l) => l.trim().split(/\s/)[0]);
  for (const clause of topLevel.slice(1)) {
    if (clause === 'Literal') return sqlError('SQL_NOT_READ_ONLY', 'INTO OUTFILE is not allowed: results come back in the response');
    if (clause === 'Identifier') return sqlError('SQL_INVALID', 'FORMAT is not allowed: results come back as JSON');
    if (clause !== 'Set') return sqlError('SQL_INVALID', `unsupported clause ${clause}`);
  }
  if (lines.some((l) => /^\s*Set(\s|$)/.test(l))) {
    return sqlError('SQL_NOT_READ_ONLY', 'SETTINGS is not allowed: the read-only mode and the limits are set by the platform');
  }
  return undefined;
}

function parts(identifier: string): string[] {
  return identifier.split('.');
}

function cteNames(scope: TreeLine): TreeLine[] {
  const withHeader = scope.children.find((c) => c.id === undefined && c.label === 'WITH');
  const list = withHeader?.children.find((c) => c.label === 'LIST');
  return (list?.children ?? []).filter((c) => c.fields.get('is_cte') === '1' && c.fields.has('cte_name'));
}

/** A CTE of that name is in scope: defined by an enclosing query, and not the one being defined. */
function cteVisible(identifier: TreeLine, name: string): boolean {
  const enclosing = ancestors(identifier);
  for (const scope of enclosing) {
    if (scope.label !== 'QUERY' && scope.label !== 'UNION') continue;
    // Inside its own body a (non-recursive) CTE's name means a table of that name.
    if (cteNames(scope).some((cte) => cte.fields.get('cte_name') === name && !enclosing.includes(cte))) return true;
  }
  return false;
}

function inRightSide(line: TreeLine): boolean {
  const list = line.parent;
  const args = list?.parent;
  const fn = args?.parent;
  return list?.label === 'LIST' && list.children[1] === line && args?.label === 'ARGUMENTS' && fn?.label === 'FUNCTION'
    && IN_FUNCTIONS.has((fn.fields.get('function_name') ?? '').toLowerCase());
}

/** Where an identifier names a table: FROM and JOIN (`table`), or the right side of IN (`set`). */
export function tablePosition(line: TreeLine): 'table' | 'set' | undefined {
  if (line.label !== 'IDENTIFIER') return undefined;
  if (line.parent !== undefined && line.parent.id === undefined && TABLE_POSITIONS.has(line.parent.label)) return 'table';
  return inRightSide(line) ? 'set' : undefined;
}

/** Every alias the statement defines: right of IN, a name may mean one of them rather than a table. */
export function aliasesOf(root: TreeLine): Set<string> {
  const aliases = new Set<string>();
  for (const line of walk(root)) if (line.fields.has('alias')) aliases.add(line.fields.get('alias')!);
  return aliases;
}

/**
 * The identifier at this line, in a table position, would read a table called `name` of
 * the current database: no CTE of that name is in scope there (nor, right of IN, an alias).
 */
export function namesTable(line: TreeLine, name: string, aliases: ReadonlySet<string>): boolean {
  const position = tablePosition(line);
  if (position === undefined) return false;
  return !cteVisible(line, name) && !(position === 'set' && aliases.has(name));
}

/**
 * `EXPLAIN QUERY TREE run_passes = 0`: the statement as ClickHouse's parser built it, before
 * any analysis (which would already infer table-function schemas and run scalar subqueries).
 * Every table it names, wherever it names it, must be an analytics table or a CTE in scope;
 * no table function; every function on the allow-list, called or named (named-functions.ts);
 * no SETTINGS.
 */
export function checkStatementTree(lines: string[], policy: AccessPolicy): SqlError | undefined {
  const root = parseQueryTree(lines);
  if (!nodeIdsInOrder(root)) return sqlError('SQL_INVALID', 'the statement could not be verified');
  const aliases = aliasesOf(root);
  for (const line of walk(root)) {
    if (line.id === undefined && line.label.startsWith('SETTINGS')) {
      return sqlError('SQL_NOT_READ_ONLY', 'SETTINGS is not allowed: the read-only mode and the limits are set by the platform');
    }
    if (line.fields.get('is_recursive_with') === '1') {
      // Its working table is a temporary table of the analyser's, outside the allow-list.
      return sqlError('SQL_INVALID', 'WITH RECURSIVE is not supported here');
    }
    if (line.label === 'TABLE_FUNCTION') {
      return sqlError('SQL_FUNCTION_FORBIDDEN', `table functions are not allowed: ${line.fields.get('table_function_name') ?? '?'}()`);
    }
    if (line.label === 'FUNCTION') {
      const name = line.fields.get('function_name') ?? '';
      if (!policy.functions.allows(name)) return sqlError('SQL_FUNCTION_FORBIDDEN', `function ${name} is not allowed here`);
      const named = checkNamedFunctions(line, policy.functions);
      if (named) return named;
    }
    const typed = checkAggregateTypes(line.text, policy.functions);
    if (typed) return typed;
    if (line.label !== 'IDENTIFIER') continue;
    const identifier = line.fields.get('identifier') ?? '';
    const names = parts(identifier);
    // db.table anywhere (IN db.table, db.table.column...) is a table, wherever it sits.
    const qualified = `${names[0]}.${names[1]}`;
    if (names.length >= 2 && policy.databases.has(names[0]!) && !policy.tables.has(qualified) && qualified !== SYSTEM_ONE) {
      return forbiddenTable(qualified, policy);
    }
    if (tablePosition(line) === undefined) continue;
    if (names.length === 1) {
      if (!namesTable(line, identifier, aliases)) continue;
      // read-only-sql.ts gives every table name the platform's database before this check.
      return sqlError('SQL_TABLE_FORBIDDEN', `unknown table ${identifier}: name it with its database, e.g. ${[...policy.tables][0]}`);
    }
    if (names.length === 2 && (policy.tables.has(identifier) || identifier === SYSTEM_ONE)) continue;
    return forbiddenTable(identifier, policy);
  }
  return undefined;
}

function forbiddenTable(name: string, policy: AccessPolicy): SqlError {
  return sqlError('SQL_TABLE_FORBIDDEN', `${name} is not readable here; the analytics tables are ${[...policy.tables].join(', ')}`);
}

/**
 * `EXPLAIN QUERY TREE` of the statement as it will run: the analyser's own list of what it
 * reads, and the types it built. A second opinion on checkStatementTree, read line by line:
 * the real table_name field comes after the alias (checked plain), and a real table name
 * holds no line break.
 */
export function checkResolvedTree(lines: string[], policy: AccessPolicy): SqlError | undefined {
  let tables = 0;
  for (const raw of lines) {
    const line = raw.trim();
    // Aggregate states by type, however the statement built them.
    const typed = checkAggregateTypes(line, policy.functions);
    if (typed) return typed;
    if (line.startsWith('TABLE_FUNCTION id:')) return sqlError('SQL_FUNCTION_FORBIDDEN', 'table functions are not allowed');
    if (!line.startsWith('TABLE id:')) continue;
    const at = line.lastIndexOf(', table_name: ');
    if (at < 0) return sqlError('SQL_INVALID', 'the statement could not be verified');
    const table = line.slice(at + ', table_name: '.length).split(', ')[0]!;
    if (!policy.tables.has(table) && table !== SYSTEM_ONE) return forbiddenTable(table, policy);
    tables += 1;
  }
  return tables > 0 ? undefined : sqlError('SQL_INVALID', 'the statement could not be verified');
}
