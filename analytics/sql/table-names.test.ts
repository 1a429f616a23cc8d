import { describe, expect, it } from 'vitest';
import { unqualifiedTables } from './table-names.ts';

/** `EXPLAIN QUERY TREE run_passes = 0` of `WITH transactions AS (SELECT * FROM transactions WHERE amount > 1) SELECT count() FROM transactions AS t, alert_events AS a WHERE t.payment_id IN (alert_events)`. */
const CTE_NAMED_LIKE_ITS_TABLE = `QUERY id: 0
  WITH
    LIST id: 1, nodes: 1
      QUERY id: 2, is_subquery: 1, is_cte: 1, cte_name: transactions
        PROJECTION
          LIST id: 3, nodes: 1
            MATCHER id: 4, matcher_type: ASTERISK
        JOIN TREE
          IDENTIFIER id: 5, identifier: transactions
  PROJECTION
    LIST id: 6, nodes: 1
      FUNCTION id: 7, function_name: count, function_type: ordinary
  JOIN TREE
    CROSS JOIN id: 8
      TABLE EXPRESSION
        IDENTIFIER id: 9, alias: t, identifier: transactions
      TABLE EXPRESSION
        IDENTIFIER id: 10, alias: a, identifier: cpg.alert_events
  WHERE
    FUNCTION id: 11, function_name: in, function_type: ordinary
      ARGUMENTS
        LIST id: 12, nodes: 2
          IDENTIFIER id: 13, identifier: t.payment_id
          IDENTIFIER id: 14, identifier: case_events`.split('\n');

describe('the table names a statement writes without their database', () => {
  it('finds tables in FROM, JOIN and IN, inside a CTE\'s own body too, and never a qualified name or a column', () => {
    expect([...unqualifiedTables(CTE_NAMED_LIKE_ITS_TABLE)].sort()).toEqual(['case_events', 'transactions']);
  });

  it('leaves out a CTE where it is in scope', () => {
    // The CTE's body and the IN qualified: what is left unqualified is the CTE's own name.
    const outerOnly = CTE_NAMED_LIKE_ITS_TABLE.map((l) =>
      l.replace('id: 5, identifier: transactions', 'id: 5, identifier: cpg.transactions').replace('identifier: case_events', 'identifier: cpg.case_events'),
    );
    expect([...unqualifiedTables(outerOnly)]).toEqual([]);
  });
});
