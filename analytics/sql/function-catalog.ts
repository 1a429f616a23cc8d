import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Which functions an ad-hoc query may call: an allow-list derived from the engine's own
 * `system.functions` by category, so a function added in a later ClickHouse release is
 * refused until someone puts its category here. Everything that reads outside the query
 * (file, dictGet, joinGet, the AI and introspection families), sleeps, or reports on the
 * server is in a category left out, or named in DENIED.
 */
const SAFE_CATEGORIES = new Set([
  'Aggregate Functions', 'Arithmetic', 'Arrays', 'Bit', 'Bitmap', 'Comparison', 'Conditional',
  'Dates and Times', 'Distance', 'Encoding', 'Financial', 'Geo', 'Geo Polygon', 'Hash', 'IP Address',
  'JSON', 'Logical', 'Map', 'Mathematical', 'Null', 'NumericIndexedVector', 'Random Number', 'Rounding',
  'String', 'String Replacement', 'String Search', 'String Splitting', 'Time Window', 'Tuple',
  'Type Conversion', 'URL', 'UUID',
]);

/** From the `Other` and `Internal` categories: pure functions the parser or analysts need. */
const EXTRA_ALLOWED = new Set([
  '_CAST', 'caseWithExpression', 'indexHint', 'identity', 'materialize',
  'finalizeAggregation', 'transform', 'toTypeName', 'toColumnTypeName', 'isConstant', 'ignore', 'bar',
  'formatReadableSize', 'formatReadableDecimalSize', 'formatReadableQuantity', 'formatReadableTimeDelta',
  'parseReadableSize', 'parseReadableSizeOrNull', 'parseReadableSizeOrZero', 'visibleWidth',
  'runningDifference', 'runningDifferenceStartingWithFirstValue', 'neighbor', 'isDecimalOverflow', 'countDigits',
]);

/** What the parser makes of EXISTS, GROUPING and untuple: not listed in system.functions. */
const PARSER_FORMS = new Set(['exists', 'grouping', 'untuple']);

/** In a safe category, yet only there to raise errors on demand. */
const DENIED = new Set(['aggThrow', 'timeSeriesThrowDuplicateSeriesIf']);

interface FunctionRow {
  name: string;
  categories: string;
  alias_to: string;
  is_aggregate: number | string;
  case_insensitive: number | string;
}

export interface FunctionCatalog {
  /** The function as the engine will resolve it is on the allow-list. */
  allows(name: string): boolean;
  /** An aggregate function, combinators and all, on the allow-list: what arrayReduce or a type may name. */
  allowsAggregate(name: string): boolean;
  /** The name the engine resolves `name` to (through aliases and case), or `name` itself when unknown. */
  canonical(name: string): string;
}

export async function loadFunctionCatalog(client: ClickHouseClient): Promise<FunctionCatalog> {
  const [rows, combinatorRows] = await Promise.all([
    client
      .query({ query: 'SELECT name, categories, alias_to, is_aggregate, case_insensitive FROM system.functions', format: 'JSONEachRow' })
      .then((r) => r.json<FunctionRow>()),
    client.query({ query: 'SELECT name FROM system.aggregate_function_combinators', format: 'JSONEachRow' }).then((r) => r.json<{ name: string }>()),
  ]);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const byLowerName = new Map(rows.filter((r) => Number(r.case_insensitive) === 1).map((r) => [r.name.toLowerCase(), r]));
  // Longest first, so `ArgMax` is tried before a shorter suffix could match.
  const combinators = combinatorRows.map((r) => r.name).sort((a, b) => b.length - a.length);

  const find = (name: string) => byName.get(name) ?? byLowerName.get(name.toLowerCase());
  const resolve = (name: string): FunctionRow | undefined => {
    let row = find(name);
    for (let hops = 0; row && row.alias_to && hops < 5; hops++) row = find(row.alias_to);
    return row;
  };
  const allowedRow = (row: FunctionRow): boolean => {
    if (DENIED.has(row.name)) return false;
    if (EXTRA_ALLOWED.has(row.name)) return true;
    return row.categories.split(',').map((c) => c.trim()).some((c) => SAFE_CATEGORIES.has(c));
  };
  const withCombinators = (name: string, test: (base: string) => boolean) =>
    combinators.some((suffix) => name.length > suffix.length && name.endsWith(suffix) && test(name.slice(0, -suffix.length)));
  // countIf, sumMerge, uniqExactIfOrNull: an allowed aggregate function with combinators.
  const aggregateAllowed = (name: string, depth: number): boolean => {
    const row = resolve(name);
    if (row) return Number(row.is_aggregate) === 1 && allowedRow(row);
    return depth < 4 && withCombinators(name, (base) => aggregateAllowed(base, depth + 1));
  };
  const allows = (name: string): boolean => {
    const row = resolve(name);
    if (row) return !DENIED.has(name) && allowedRow(row);
    if (PARSER_FORMS.has(name)) return true;
    return withCombinators(name, (base) => aggregateAllowed(base, 1));
  };
  return {
    allows: (name) => allows(name),
    allowsAggregate: (name) => !DENIED.has(name) && aggregateAllowed(name, 0),
    canonical: (name) => resolve(name)?.name ?? name,
  };
}
