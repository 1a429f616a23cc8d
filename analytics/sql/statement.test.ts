import { describe, expect, it } from 'vitest';
import { checkTokens, literalHasLineBreak } from './statement.ts';

describe('the token checks that keep the explain dumps unambiguous', () => {
  it('finds a line break in a literal as the formatter writes it, and only a real one', () => {
    expect(literalHasLineBreak(String.raw`'a\nb'`)).toBe(true);
    expect(literalHasLineBreak(String.raw`'a\rb'`)).toBe(true);
    expect(literalHasLineBreak(String.raw`'a\x0Ab'`)).toBe(true);
    expect(literalHasLineBreak("'a\nb'")).toBe(true);
    // An escaped backslash followed by n is two characters, not a line break.
    expect(literalHasLineBreak(String.raw`'a\\nb'`)).toBe(false);
    expect(literalHasLineBreak(String.raw`'it\'s \t fine'`)).toBe(false);
  });

  it('refuses quoted names that are not plain, and INTO OUTFILE before anything is explained', () => {
    const select = (...rest: Array<[string, string]>): Array<[string, string]> => [['BareWord', 'SELECT'], ['Whitespace', ' '], ...rest];
    expect(checkTokens(select(['QuotedIdentifier', '`payment_id`']))).toBeUndefined();
    expect(checkTokens(select(['QuotedIdentifier', '"from"']))).toBeUndefined();
    expect(checkTokens(select(['QuotedIdentifier', '`a, identifier: cpg.transactions`']))?.code).toBe('SQL_INVALID');
    expect(checkTokens(select(['QuotedIdentifier', '`a\nb`']))?.code).toBe('SQL_INVALID');
    expect(checkTokens(select(['StringLiteral', String.raw`'x\ny'`]))?.code).toBe('SQL_INVALID');
    expect(checkTokens(select(['Number', '1'], ['Whitespace', ' '], ['BareWord', 'into'], ['Whitespace', ' '], ['BareWord', 'OUTFILE'], ['StringLiteral', "'f'"]))?.code).toBe('SQL_NOT_READ_ONLY');
    expect(checkTokens(select(['Number', '1'], ['Whitespace', ' '], ['BareWord', 'AS'], ['Whitespace', ' '], ['BareWord', 'into']))).toBeUndefined();
  });
});
