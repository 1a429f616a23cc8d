import type { ClickHouseClient } from '@clickhouse/client';
import { err, ok, type Result } from '../../domain/result.ts';
import { sqlError, type SqlError } from './sql-error.ts';

/** A statement ClickHouse's parser accepted as exactly one, in its canonical single-line form. */
export interface CanonicalStatement {
  canonical: string;
  /** Every database the engine knows: a name `db.x` with one of these first is a table. */
  databases: string[];
  /** The canonical text's tokens, type and text, in order: together they spell it whole. */
  tokens: Array<[string, string]>;
}

interface Lexed {
  canonical: string | null;
  source_tokens: string[];
  tokens: Array<[string, string]>;
  databases: string[];
}

/**
 * The caller's text goes to ClickHouse only as a bound parameter here: its own parser
 * proves it is one statement and prints it canonically (comments gone, literals and names
 * re-quoted), and its lexer lists the tokens. Only this canonical text is explained and run.
 */
const LEX = `WITH formatQuerySingleLineOrNull({statement:String}) AS canonical
SELECT
  canonical,
  arrayMap(t -> toString(t.3), tokenizeQuery({statement:String})) AS source_tokens,
  arrayMap(t -> (toString(t.3), substring(ifNull(canonical, ''), t.1 + 1, t.2 - t.1)), tokenizeQuery(ifNull(canonical, ''))) AS tokens,
  (SELECT groupArray(name) FROM system.databases) AS databases`;

const PLAIN_QUOTED_NAME = /^(`[A-Za-z_][A-Za-z0-9_]*`|"[A-Za-z_][A-Za-z0-9_]*")$/;
const TRIVIA = new Set(['Whitespace', 'Comment', 'Semicolon', 'EndOfStream']);

/** A string literal as the formatter writes it, holding a line break once unescaped. */
export function literalHasLineBreak(literal: string): boolean {
  for (let i = 1; i < literal.length - 1; i++) {
    const c = literal[i]!;
    if (c === '\n' || c === '\r') return true;
    if (c !== '\\') continue;
    const next = literal[i + 1] ?? '';
    if (next === 'n' || next === 'r') return true;
    if (next === 'x' && /^(0a|0d)$/i.test(literal.slice(i + 2, i + 4))) return true;
    i += 1;
  }
  return false;
}

/**
 * The explain dumps print names raw: a quoted name or a string holding a line break could
 * forge lines in them. Such names and strings are refused, so the dumps read unambiguously.
 */
export function checkTokens(tokens: Array<[string, string]>): SqlError | undefined {
  const significant = tokens.filter(([type]) => !TRIVIA.has(type));
  for (const [i, [type, text]] of significant.entries()) {
    if (type === 'QuotedIdentifier' && !PLAIN_QUOTED_NAME.test(text)) {
      return sqlError('SQL_INVALID', `quoted names may hold letters, digits and underscores only: ${text.slice(0, 80)}`);
    }
    if (type === 'StringLiteral' && literalHasLineBreak(text)) {
      return sqlError('SQL_INVALID', 'string literals may not hold line breaks here; use char(10)');
    }
    const following = significant[i + 1];
    if (type === 'BareWord' && text.toUpperCase() === 'INTO' && following?.[0] === 'BareWord' && following[1].toUpperCase() === 'OUTFILE') {
      return sqlError('SQL_NOT_READ_ONLY', 'INTO OUTFILE is not allowed: results come back in the response');
    }
  }
  return undefined;
}

function multipleStatements(sourceTokens: string[]): boolean {
  const first = sourceTokens.indexOf('Semicolon');
  return first >= 0 && sourceTokens.slice(first + 1).some((type) => !TRIVIA.has(type));
}

export async function canonicalStatement(client: ClickHouseClient, statement: string): Promise<Result<CanonicalStatement, SqlError>> {
  const [lexed] = await (await client.query({ query: LEX, query_params: { statement }, format: 'JSONEachRow' })).json<Lexed>();
  if (!lexed) throw new Error('the statement lexer returned nothing');
  if (lexed.canonical === null) {
    if (multipleStatements(lexed.source_tokens)) return err(sqlError('SQL_MULTIPLE_STATEMENTS', 'send one statement at a time'));
    // Parsed once more, only for the parser's own words about what is wrong.
    const reason = await client
      .query({ query: 'SELECT formatQuerySingleLine({statement:String})', query_params: { statement }, format: 'JSONEachRow' })
      .then(() => 'the statement could not be parsed', (e: unknown) => (e as Error).message);
    return err(sqlError('SQL_INVALID', reason.replace(/: In scope SELECT formatQuerySingleLine[\s\S]*$/, '').slice(0, 500)));
  }
  const refused = checkTokens(lexed.tokens);
  if (refused) return err(refused);
  return ok({ canonical: lexed.canonical, databases: lexed.databases, tokens: lexed.tokens });
}

/**
 * The lines of an EXPLAIN. Through exec with default_format, not query(): query() appends
 * its own FORMAT, which would bind to the explained statement. default_format is a chDB
 * option in embedded mode and a per-request HTTP parameter on a server: neither outlives
 * the request.
 */
export async function explainLines(client: ClickHouseClient, explain: string): Promise<string[]> {
  const result = await client.exec({ query: explain, clickhouse_settings: { default_format: 'JSONEachRow' } });
  let text = '';
  for await (const chunk of result.stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => String((JSON.parse(l) as { explain: unknown }).explain));
}
