import { describe, expect, it } from 'vitest';
import type { FunctionCatalog } from './function-catalog.ts';
import { checkAggregateTypes, checkNamedFunctions, stringConstant } from './named-functions.ts';
import { parseQueryTree, walk, type TreeLine } from './query-tree.ts';

/** Allows sum, quantile and sequenceCount (with combinators spelt out), and nothing else. */
const catalog: FunctionCatalog = {
  allows: (name) => ['arrayReduce', 'CAST', 'sum', 'quantile'].includes(name),
  allowsAggregate: (name) => ['sum', 'sumState', 'quantile', 'sequenceCount'].includes(name),
  canonical: (name) => (name.toLowerCase() === 'cast' ? 'CAST' : name),
};

/** The first FUNCTION node of a dump written as EXPLAIN QUERY TREE run_passes = 0 prints it. */
function functionOf(lines: string[]): TreeLine {
  return [...walk(parseQueryTree(lines))].find((l) => l.label === 'FUNCTION')!;
}

const call = (name: string, ...args: string[]) => [
  `FUNCTION id: 0, function_name: ${name}, function_type: ordinary`,
  '  ARGUMENTS',
  `    LIST id: 1, nodes: ${args.length}`,
  ...args.map((a, i) => `      ${a.replace('{id}', String(i + 2))}`),
];
const constant = (value: string, type = 'String') => `CONSTANT id: {id}, constant_value: ${value}, constant_value_type: ${type}`;

describe('functions named in a string or a type', () => {
  it('reads a string constant quote to quote, whatever commas and escapes it holds', () => {
    const [line] = [...walk(parseQueryTree([constant(String.raw`'sequenceCount(\'(?1), (?2)\')'`).replace('{id}', '4')]))];
    expect(line!.fields.get('constant_value')).not.toBe(String.raw`'sequenceCount(\'(?1), (?2)\')'`);
    expect(stringConstant(line!)).toBe("sequenceCount('(?1), (?2)')");
    const aliased = [...walk(parseQueryTree([String.raw`CONSTANT id: 4, alias: f, constant_value: 'a\\b\x41', constant_value_type: String`]))][0]!;
    expect(stringConstant(aliased)).toBe('a\\bA');
    const forged = [...walk(parseQueryTree(["CONSTANT id: 4, constant_value: 'x', constant_value_type: Array(String)"]))][0]!;
    expect(stringConstant(forged)).toBeUndefined();
  });

  it('checks the aggregate function arrayReduce names, and its parameters are literals', () => {
    const reduce = (name: string) => checkNamedFunctions(functionOf(call('arrayReduce', constant(name), constant('Array_[UInt64_1]', 'Array(UInt8)'))), catalog);
    expect(reduce("'sum'")).toBeUndefined();
    expect(reduce("'quantile(0.9)'")).toBeUndefined();
    expect(reduce(String.raw`'sequenceCount(\'(?1), (?2)\')'`)).toBeUndefined();
    expect(reduce("'aggThrow'")?.code).toBe('SQL_FUNCTION_FORBIDDEN');
    expect(reduce("'quantile(getSetting(\\'readonly\\'))'")?.message).toMatch(/parameters of quantile/);
    expect(reduce("'quantile(0.5 + 0.4)'")?.code).toBe('SQL_FUNCTION_FORBIDDEN');
    expect(reduce("' sum'")?.code).toBe('SQL_FUNCTION_FORBIDDEN');
    const computed = call('arrayReduce', 'FUNCTION id: {id}, function_name: concat, function_type: ordinary');
    expect(checkNamedFunctions(functionOf(computed), catalog)?.message).toMatch(/string literal/);
  });

  it('wants a CAST type written out, and checks the aggregate functions any type names', () => {
    expect(checkNamedFunctions(functionOf(call('cast', constant('UInt64_1', 'UInt8'), constant("'String'"))), catalog)).toBeUndefined();
    const computed = call('CAST', constant("''"), 'FUNCTION id: {id}, function_name: concat, function_type: ordinary');
    expect(checkNamedFunctions(functionOf(computed), catalog)?.code).toBe('SQL_FUNCTION_FORBIDDEN');
    expect(checkAggregateTypes("constant_value: 'AggregateFunction(sum, UInt64)'", catalog)).toBeUndefined();
    expect(checkAggregateTypes("constant_value: 'Tuple(a SimpleAggregateFunction(sum, UInt64), b AggregateFunction(1, quantile(0.5), Float64))'", catalog)).toBeUndefined();
    expect(checkAggregateTypes("constant_value: 'Array(aggregatefunction (aggThrow(1.), UInt8))'", catalog)?.code).toBe('SQL_FUNCTION_FORBIDDEN');
    expect(checkAggregateTypes('result_type: AggregateFunction(`aggThrow`, UInt8)', catalog)?.code).toBe('SQL_FUNCTION_FORBIDDEN');
  });
});
