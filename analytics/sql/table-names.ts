import type { ClickHouseClient } from '@clickhouse/client';
import { aliasesOf, namesTable } from './access-policy.ts';
import { parseQueryTree, walk } from './query-tree.ts';
import { explainLines, type CanonicalStatement } from './statement.ts';

/**
 * Table names as analysts type them: `FROM transactions` means the platform's database.
 * The statement is rewritten so every such name carries the database (`cpg.transactions`)
 * and then checked and run as rewritten: the connection's current database never decides
 * what a statement reads, and the access checks stay those of fully named tables.
 *
 * The rewrite touches only the places ClickHouse's parser puts a table that no CTE (or,
 * right of IN, an alias) of that name covers: the name of a CTE is the CTE where it is in
 * scope, and a table inside the CTE's own body. A place the parser reads otherwise (a
 * column, an alias, a CTE) keeps its name; a table name left unqualified is refused by
 * the checks (access-policy.ts), never read from whatever database is current.
 */

/** Beyond this many places where such a name is written, nothing is rewritten (and the checks refuse it). */
const MAX_PLACES = 32;
const NAME_TOKENS = new Set(['BareWord', 'QuotedIdentifier']);
const TRIVIA = new Set(['Whitespace', 'Comment']);

/** One-part names the statement reads as tables of the current database. */
export function unqualifiedTables(treeLines: string[]): Set<string> {
  const root = parseQueryTree(treeLines);
  const aliases = aliasesOf(root);
  const found = new Set<string>();
  for (const line of walk(root)) {
    const identifier = line.fields.get('identifier') ?? '';
    if (identifier !== '' && !identifier.includes('.') && namesTable(line, identifier, aliases)) found.add(identifier);
  }
  return found;
}

/** `transactions`, `` `transactions` `` or `"transactions"` as the plain name. */
function nameOf(type: string, text: string): string {
  return type === 'QuotedIdentifier' ? text.slice(1, -1) : text;
}

interface Place {
  at: number;
  text: string;
  name: string;
}

/** Every token spelling one of `names` on its own: not a part of `a.b`, where it would be a database, table or column qualifier. */
function placesOf(tokens: Array<[string, string]>, names: ReadonlySet<string>): Place[] {
  const places: Place[] = [];
  const significant = (from: number, step: 1 | -1) => {
    for (let i = from + step; i >= 0 && i < tokens.length; i += step) if (!TRIVIA.has(tokens[i]![0])) return tokens[i]![0];
    return undefined;
  };
  let at = 0;
  for (const [i, [type, text]] of tokens.entries()) {
    if (NAME_TOKENS.has(type) && names.has(nameOf(type, text)) && significant(i, -1) !== 'Dot' && significant(i, 1) !== 'Dot') {
      places.push({ at, text, name: nameOf(type, text) });
    }
    at += text.length;
  }
  return places;
}

function rewrite(canonical: string, places: readonly Place[], database: string): string {
  let out = '';
  let from = 0;
  for (const place of places) {
    out += `${canonical.slice(from, place.at)}${database}.${place.text}`;
    from = place.at + place.text.length;
  }
  return out + canonical.slice(from);
}

/**
 * The canonical statement with the platform's database before every table name written
 * without one; the statement itself when there is none. `treeLines` is its
 * `EXPLAIN QUERY TREE run_passes = 0` (parsing only, nothing runs).
 *
 * Which written name is which place of the tree is found by trying each in turn: written
 * with a database of no meaning, the parse shows whether that place is a table position
 * outside any CTE of the name. The parser alone answers, so the same word as a column, an
 * alias or a CTE is never mistaken for the table.
 */
export async function qualifyTableNames(client: ClickHouseClient, statement: CanonicalStatement, treeLines: string[], database: string): Promise<string> {
  const { canonical, tokens } = statement;
  const names = unqualifiedTables(treeLines);
  if (names.size === 0 || tokens.map(([, text]) => text).join('') !== canonical) return canonical;
  const places = placesOf(tokens, names);
  if (places.length > MAX_PLACES) return canonical;
  let probe = 'unqualified_table_probe';
  while (canonical.includes(probe)) probe += '_';
  const tables: Place[] = [];
  for (const place of places) {
    const lines = await explainLines(client, `EXPLAIN QUERY TREE run_passes = 0 ${rewrite(canonical, [place], probe)}`).catch(() => undefined);
    if (!lines) continue;
    const root = parseQueryTree(lines);
    const aliases = aliasesOf(root);
    const marked = `${probe}.${place.name}`;
    if ([...walk(root)].some((line) => line.fields.get('identifier') === marked && namesTable(line, place.name, aliases))) tables.push(place);
  }
  return tables.length === 0 ? canonical : rewrite(canonical, tables, database);
}
