import type { FunctionCatalog } from './function-catalog.ts';
import type { TreeLine } from './query-tree.ts';
import { sqlError, type SqlError } from './sql-error.ts';

/**
 * Functions reached by name rather than by a call: `arrayReduce('sum', arr)` names an
 * aggregate function in a string, `CAST(x AS AggregateFunction(sum, UInt64))` names one in
 * a type, and the engine resolves both itself, with parameters it evaluates as constant
 * expressions. Each such name goes through the same allow-list as a direct call, and must
 * be written out as a literal: a name computed by an expression is only known once the
 * analyser has already run it.
 */

/** Functions whose first argument is an aggregate function's name, with its parameters: `'quantile(0.9)'`. */
const AGGREGATE_NAME_ARGUMENT = new Set(['arrayReduce', 'arrayReduceInRanges', 'initializeAggregation']);

/** Functions whose argument at this position (-1: the last) is a type name, which may name aggregate functions. */
const TYPE_NAME_ARGUMENT: ReadonlyMap<string, number> = new Map([
  ['CAST', 1], ['_CAST', 1], ['accurateCast', 1], ['accurateCastOrNull', 1], ['accurateCastOrDefault', 1],
  ['reinterpret', 1], ['dynamicElement', 1], ['variantElement', 1], ['defaultValueOfTypeName', 0],
  ['JSONExtract', -1], ['JSONExtractCaseInsensitive', -1], ['JSONExtractKeysAndValues', -1], ['JSONExtractKeysAndValuesCaseInsensitive', -1],
]);

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `AggregateFunction(` or `SimpleAggregateFunction(` anywhere in a dump line, then an optional version number. */
const AGGREGATE_TYPE = /(?:Simple)?AggregateFunction\s*\(\s*(?:\d+\s*,\s*)?/gi;
/** A parameter of an aggregate function named in a string: a number or a quoted string, nothing computed. */
const LITERAL_PARAMETER = /^\s*(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)|'(?:[^'\\]|\\.|'')*')\s*$/i;

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\'], ["'", "'"], ['"', '"'], ['`', '`'], ['n', '\n'], ['t', '\t'], ['r', '\r'], ['0', '\0'],
  ['b', '\b'], ['f', '\f'], ['a', '\x07'], ['v', '\v'], ['e', '\x1b'],
]);

/**
 * The value of a String constant as a dump line prints it (`constant_value: 'a, b',
 * constant_value_type: String`), read quote to quote: a value may hold ", ", so the
 * line's split fields cannot be trusted for it. Undefined for anything but a plain string literal.
 */
export function stringConstant(line: TreeLine): string | undefined {
  if (line.label !== 'CONSTANT') return undefined;
  const marker = ', constant_value: ';
  const at = line.text.indexOf(marker);
  if (at < 0 || line.text[at + marker.length] !== "'") return undefined;
  let value = '';
  let i = at + marker.length + 1;
  for (; i < line.text.length; i++) {
    const c = line.text[i]!;
    if (c === "'") break;
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = line.text[i + 1] ?? '';
    if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(line.text.slice(i + 2, i + 4))) {
      value += String.fromCharCode(parseInt(line.text.slice(i + 2, i + 4), 16));
      i += 3;
      continue;
    }
    const escaped = ESCAPES.get(next);
    if (escaped === undefined) return undefined;
    value += escaped;
    i += 1;
  }
  return line.text.startsWith(', constant_value_type: String', i + 1) ? value : undefined;
}

/** The arguments of a FUNCTION node, in order (none for a function applied by APPLY). */
function argumentsOf(fn: TreeLine): TreeLine[] {
  const header = fn.children.find((c) => c.id === undefined && c.label === 'ARGUMENTS');
  return header?.children.find((c) => c.label === 'LIST')?.children ?? [];
}

function forbidden(message: string): SqlError {
  return sqlError('SQL_FUNCTION_FORBIDDEN', message);
}

/** `'name'` or `'name(p1, p2)'` as arrayReduce reads it: the name allowed, every parameter a literal. */
function checkAggregateName(written: string, caller: string, functions: FunctionCatalog): SqlError | undefined {
  const open = written.indexOf('(');
  const name = written.endsWith(')') && open >= 0 ? written.slice(0, open) : written;
  if (!PLAIN_NAME.test(name)) return forbidden(`${caller} must name an aggregate function plainly, e.g. 'sum' or 'quantile(0.9)'`);
  if (!functions.allowsAggregate(name)) return forbidden(`aggregate function ${name} is not allowed here (named in ${caller})`);
  if (name === written) return undefined;
  const parameters = splitParameters(written.slice(open + 1, -1));
  if (!parameters || parameters.some((p) => !LITERAL_PARAMETER.test(p))) {
    return forbidden(`the parameters of ${name} named in ${caller} must be numbers or strings, nothing computed`);
  }
  return undefined;
}

/** Top-level commas only, outside quotes; undefined when the quotes do not close. */
function splitParameters(text: string): string[] | undefined {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\') {
      current += c + (text[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (c === "'") quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (quoted) return undefined;
  out.push(current);
  return out;
}

/**
 * Every aggregate function a dump line names in a type, `AggregateFunction(name, ...)` or
 * `SimpleAggregateFunction(name(params), ...)`, wherever it sits: a CAST's type, any string
 * literal, a resolved node's result type. A type reads its parameters as literals only.
 */
export function checkAggregateTypes(text: string, functions: FunctionCatalog): SqlError | undefined {
  for (const match of text.matchAll(AGGREGATE_TYPE)) {
    const rest = text.slice(match.index + match[0].length);
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
    if (!name) return forbidden('a type must name its aggregate function plainly, e.g. AggregateFunction(sum, UInt64)');
    if (!functions.allowsAggregate(name)) return forbidden(`aggregate function ${name} is not allowed here (named in the type ${match[0].trim()}${name}, ...))`);
  }
  return undefined;
}

/** A FUNCTION node that takes a function or a type by name: that name written out, and allowed. */
export function checkNamedFunctions(fn: TreeLine, functions: FunctionCatalog): SqlError | undefined {
  const name = functions.canonical(fn.fields.get('function_name') ?? '');
  const args = argumentsOf(fn);
  if (AGGREGATE_NAME_ARGUMENT.has(name)) {
    const written = args[0] ? stringConstant(args[0]) : undefined;
    if (written === undefined) return forbidden(`${name} takes the aggregate function's name as a string literal, e.g. ${name}('sum', ...)`);
    return checkAggregateName(written, name, functions);
  }
  const typeAt = TYPE_NAME_ARGUMENT.get(name);
  if (typeAt !== undefined) {
    const type = args.at(typeAt);
    if (type && stringConstant(type) === undefined) return forbidden(`${name} takes its type as a string literal, e.g. 'String'`);
  }
  return undefined;
}
