import { describe, expect, it } from 'vitest';
import { checkSelectAst } from './access-policy.ts';

describe('the statement kinds the SQL endpoint names when it refuses one', () => {
  it('names a kind from the dump, never a property every object has', () => {
    expect(checkSelectAst(['InsertQuery  (children 1)'])?.message).toBe('only a single SELECT runs here, not INSERT');
    for (const root of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const refused = checkSelectAst([`${root} (children 1)`]);
      expect(refused?.code, root).toBe('SQL_NOT_READ_ONLY');
      expect(refused?.message, root).toBe(`only a single SELECT runs here, not ${root.toUpperCase()}`);
    }
  });
});
