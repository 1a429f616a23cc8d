import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsedRows } from '../analytics/json-result/json-result.ts';
import { createReadOnlySql, DEFAULT_SQL_LIMITS, runnableStatement } from '../analytics/sql/read-only-sql.ts';
import { openClickHouse, type ClickHouse } from '../server/clickhouse.ts';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs, scalar, sendPayments } from './support/traffic.ts';

/*
 * POST /v1/sql against the started platform (embedded ClickHouse, its own redis-server).
 * Rows are inserted straight into the tables; every expected answer is computed here from
 * the seed arrays. A marker row in audit_log must never come back in any answer.
 */

const SECRET = 'SQLT-AUDIT-SECRET-7f3c';
const PARTICIPANTS = ['sqlt-alpha', 'sqlt-beta', 'sqlt-gamma'] as const;

interface SeedTx {
  payment_id: string;
  participant: string;
  corridor: string;
  cents: number;
  risk_score: number;
  received_at: string;
}

const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
// Recent: transactions_per_minute keeps two years (TTL), and an older seed would merge away.
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / 60_000) * 60_000;

const SEED: SeedTx[] = Array.from({ length: 48 }, (_, i) => ({
  payment_id: `sqlt-pay-${String(i).padStart(3, '0')}`,
  participant: PARTICIPANTS[i % 3]!,
  corridor: i % 4 === 3 ? 'SG-CN' : 'TH-CN',
  cents: ((i * 7919) % 500_000) + 101,
  risk_score: (i * 37) % 1000,
  received_at: chTime(T0 + i * 61_000),
}));
/** Alerts on every fifth payment, two events each (raised, then acknowledged). */
const ALERTED = SEED.filter((_, i) => i % 5 === 0);

describe('POST /v1/sql: read-only SQL for the compliance role', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  /** One signed-in operator per role, and who that is. */
  const tokens: Record<string, string> = {};
  const usernames: Record<string, string> = {};
  const responses: string[] = [];

  const ch = () => platform.clickhouse.client;
  const sql = async (query: unknown, role = 'compliance') => {
    const r = await platform.app.inject({
      method: 'POST',
      url: '/v1/sql',
      headers: tokens[role] ? { authorization: `Bearer ${tokens[role]}` } : {},
      payload: { query },
    });
    responses.push(r.body);
    return { status: r.statusCode, body: r.json() as Record<string, any> };
  };

  /** What a refused statement must not change: row counts, tables, databases, the main session's settings. */
  const state = async () =>
    (
      await (
        await ch().query({
          query: `SELECT
            (SELECT toUInt32(count()) FROM cpg.transactions) AS transactions,
            (SELECT toUInt32(count()) FROM cpg.transactions WHERE participant LIKE 'sqlt-%') AS seeded,
            (SELECT toString(sum(amount)) FROM cpg.transactions WHERE participant LIKE 'sqlt-%') AS seeded_amount,
            (SELECT toUInt32(sum(messages)) FROM cpg.transactions_per_minute) AS per_minute,
            (SELECT toUInt32(count()) FROM cpg.alert_events WHERE alert_id LIKE 'sqlt-%') AS alert_events,
            (SELECT toUInt32(count()) FROM cpg.audit_log WHERE action != 'sql.query') AS audit_other,
            (SELECT toUInt32(count()) FROM cpg.schema_migrations) AS migrations,
            (SELECT arrayStringConcat(arraySort(groupArray(database || '.' || name)), ',') FROM system.tables
               WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')) AS tables,
            (SELECT arrayStringConcat(arraySort(groupArray(name)), ',') FROM system.databases) AS databases,
            getSetting('readonly') AS readonly`,
          format: 'JSONEachRow',
        })
      ).json<Record<string, unknown>>()
    )[0];

  beforeAll(async () => {
    platform = await startTestPlatform();
    // One officer per role (the first: the development config has a second compliance officer); the last analyst.
    for (const user of devCredentials().users) {
      if (tokens[user.role] && user.role !== 'participant_analyst') continue;
      const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } });
      tokens[user.role] = r.json().token;
      usernames[user.role] = user.username;
    }
    await ch().insert({
      table: 'cpg.transactions',
      values: SEED.map((t) => ({
        payment_id: t.payment_id, message_type: 'payment', participant: t.participant, corridor: t.corridor,
        amount: (t.cents / 100).toFixed(2), currency: 'CNY', status: 'APPROVED', decision: 'approve',
        risk_score: t.risk_score, received_at: t.received_at, decided_at: t.received_at, txn_id: t.payment_id,
      })),
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: 'sqlt-seed-transactions' },
    });
    await ch().insert({
      table: 'cpg.alert_events',
      values: ALERTED.flatMap((t, i) => [
        { event_id: `sqlt-ev-${i}-a`, alert_id: `sqlt-alert-${i}`, at: t.received_at, kind: 'raised', participant: t.participant, payment_id: t.payment_id, severity: 'high', status: 'open' },
        { event_id: `sqlt-ev-${i}-b`, alert_id: `sqlt-alert-${i}`, at: t.received_at, kind: 'acknowledged', participant: t.participant, payment_id: t.payment_id, severity: 'high', status: 'acknowledged' },
      ]),
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: 'sqlt-seed-alerts' },
    });
    await ch().insert({
      table: 'cpg.audit_log',
      values: [{ event_id: 'sqlt-secret', at: chTime(T0), actor: 'someone', actor_role: 'admin', action: 'secret.thing', target: SECRET, outcome: 'ok', details: SECRET }],
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: 'sqlt-seed-audit' },
    });
  });
  afterAll(async () => platform?.stop());

  it('answers a SELECT over the seeded transactions with the contract shape', async () => {
    const query = `SELECT participant, toUInt32(count()) AS payments, sum(amount) AS total, max(risk_score) AS top_score
      FROM cpg.transactions WHERE participant LIKE 'sqlt-%' AND corridor = 'TH-CN'
      GROUP BY participant ORDER BY participant`;
    const r = await sql(query);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.columns).toEqual([
      { name: 'participant', type: 'LowCardinality(String)' },
      { name: 'payments', type: 'UInt32' },
      { name: 'total', type: 'Decimal(38, 4)' },
      { name: 'top_score', type: 'UInt16' },
    ]);
    const expected = PARTICIPANTS.map((p) => {
      const mine = SEED.filter((t) => t.participant === p && t.corridor === 'TH-CN');
      return { participant: p, payments: mine.length, total: mine.reduce((s, t) => s + t.cents, 0) / 100, top_score: Math.max(...mine.map((t) => t.risk_score)) };
    });
    expect(r.body.rows.map((row: any) => ({ ...row, total: Number(row.total) }))).toEqual(expected);
    // Decimals and 64-bit integers come back as strings, the same on chDB and on a server.
    expect(typeof r.body.rows[0].total).toBe('string');
    expect(r.body.rowsRead).toBeGreaterThanOrEqual(SEED.length);
    expect(r.body.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('joins the analytics tables, through a CTE, and reads the per-minute aggregates', async () => {
    const joined = await sql(`WITH alerted AS (SELECT payment_id, count() AS events FROM cpg.alert_events WHERE alert_id LIKE 'sqlt-%' GROUP BY payment_id)
      SELECT t.payment_id AS payment_id, t.amount AS amount, a.events AS events
      FROM cpg.transactions AS t INNER JOIN alerted AS a ON t.payment_id = a.payment_id
      ORDER BY payment_id`);
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    expect(joined.body.rows.map((row: any) => [row.payment_id, Number(row.amount), row.events])).toEqual(
      [...ALERTED].sort((a, b) => a.payment_id.localeCompare(b.payment_id)).map((t) => [t.payment_id, t.cents / 100, '2']),
    );
    const minutes = await sql(`SELECT sum(messages) AS messages, uniqExact(minute) AS minutes FROM cpg.transactions_per_minute WHERE participant LIKE 'sqlt-%'`);
    expect(minutes.status, JSON.stringify(minutes.body)).toBe(200);
    expect(minutes.body.rows).toEqual([{ messages: String(SEED.length), minutes: String(new Set(SEED.map((t) => t.received_at.slice(0, 16))).size) }]);
  });

  const REFUSED: Array<[string, number, string]> = [
    // Not a SELECT: 400.
    ["INSERT INTO cpg.transactions (payment_id, participant) VALUES ('sqlt-evil', 'sqlt-alpha')", 400, 'SQL_NOT_READ_ONLY'],
    ['INSERT INTO cpg.transactions SELECT * FROM cpg.transactions', 400, 'SQL_NOT_READ_ONLY'],
    ["INSERT INTO FUNCTION file('sqlt-leak.csv', 'CSV') SELECT * FROM cpg.audit_log", 400, 'SQL_NOT_READ_ONLY'],
    ['ALTER TABLE cpg.transactions DELETE WHERE 1', 400, 'SQL_NOT_READ_ONLY'],
    ['ALTER TABLE cpg.transactions UPDATE risk_score = 0 WHERE 1', 400, 'SQL_NOT_READ_ONLY'],
    ['ALTER TABLE cpg.transactions DROP COLUMN ip', 400, 'SQL_NOT_READ_ONLY'],
    ['DELETE FROM cpg.transactions WHERE 1', 400, 'SQL_NOT_READ_ONLY'],
    ['TRUNCATE TABLE cpg.transactions', 400, 'SQL_NOT_READ_ONLY'],
    ['DROP TABLE cpg.audit_log', 400, 'SQL_NOT_READ_ONLY'],
    ['DROP DATABASE cpg', 400, 'SQL_NOT_READ_ONLY'],
    ['CREATE TABLE cpg.sqlt_copy ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM cpg.audit_log', 400, 'SQL_NOT_READ_ONLY'],
    ['CREATE VIEW cpg.sqlt_view AS SELECT * FROM cpg.audit_log', 400, 'SQL_NOT_READ_ONLY'],
    ['RENAME TABLE cpg.audit_log TO cpg.audit_log_old', 400, 'SQL_NOT_READ_ONLY'],
    ['SYSTEM STOP MERGES cpg.transactions', 400, 'SQL_NOT_READ_ONLY'],
    ['SYSTEM DROP MARK CACHE', 400, 'SQL_NOT_READ_ONLY'],
    ['SET readonly = 0', 400, 'SQL_NOT_READ_ONLY'],
    ['KILL QUERY WHERE 1', 400, 'SQL_NOT_READ_ONLY'],
    ['OPTIMIZE TABLE cpg.transactions FINAL', 400, 'SQL_NOT_READ_ONLY'],
    ['SHOW TABLES FROM cpg', 400, 'SQL_NOT_READ_ONLY'],
    ['DESCRIBE TABLE cpg.audit_log', 400, 'SQL_NOT_READ_ONLY'],
    ['EXPLAIN SELECT * FROM cpg.audit_log', 400, 'SQL_NOT_READ_ONLY'],
    ["SELECT * FROM cpg.transactions INTO OUTFILE 'sqlt-outfile.csv'", 400, 'SQL_NOT_READ_ONLY'],
    ['SELECT count() FROM cpg.transactions SETTINGS readonly = 0', 400, 'SQL_NOT_READ_ONLY'],
    ["SELECT * FROM (SELECT * FROM file('/etc/hostname', 'LineAsString') SETTINGS readonly = 0)", 400, 'SQL_NOT_READ_ONLY'],
    ['SELECT * FROM (SELECT count() FROM cpg.transactions SETTINGS max_execution_time = 100000)', 400, 'SQL_NOT_READ_ONLY'],
    // Several statements, or none: 400.
    ['SELECT 1; DROP TABLE cpg.audit_log', 400, 'SQL_MULTIPLE_STATEMENTS'],
    ["SELECT count() FROM cpg.transactions; INSERT INTO cpg.transactions (payment_id) VALUES ('x')", 400, 'SQL_MULTIPLE_STATEMENTS'],
    ['SELEC count() FROM cpg.transactions', 400, 'SQL_INVALID'],
    ['-- nothing but a comment', 400, 'SQL_INVALID'],
    ['SELECT 1 FORMAT CSV', 400, 'SQL_INVALID'],
    // Table functions and functions that reach outside the query: 403.
    ["SELECT * FROM file('/etc/passwd', 'LineAsString')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT * FROM url('http://127.0.0.1:9/x.csv', 'CSV', 'a String')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT * FROM remote('127.0.0.1', 'cpg', 'audit_log')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT * FROM executable('cat /etc/passwd', 'TSV', 'line String')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT * FROM s3('http://127.0.0.1:9/bucket/key.csv', 'CSV')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT * FROM input('a String')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT * FROM merge('cpg', '.*')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ['SELECT * FROM numbers(10)', 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT payment_id FROM cpg.transactions WHERE payment_id IN (SELECT * FROM file('/etc/hostname', 'LineAsString'))", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT file('/etc/hostname')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT dictGet('cpg.some_dictionary', 'x', toUInt64(1))", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT joinGet('cpg.audit_log', 'details', 'x')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ['SELECT sleep(3)', 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT getSetting('readonly')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ['SELECT * APPLY(file) FROM (SELECT payment_id FROM cpg.transactions)', 403, 'SQL_FUNCTION_FORBIDDEN'],
    // Functions named in a string or a type, or reached through a lambda, as if called: 403.
    ["SELECT arrayReduce('aggThrow', [1])", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT arrayReduce('aggThrowState', [toUInt8(1)])", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT arrayReduceInRanges('aggThrow', [(1, 1)], [1])", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT arrayReduce(concat('agg', 'Throw'), [1])", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT arrayReduce('quantile(getSetting(''readonly''))', [1])", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT arrayReduce('stochasticLinearRegression(0.1, 0.0, 5, ''SGD'')', [1.], [1.], [2.])", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ['SELECT * APPLY(arrayReduce) FROM (SELECT payment_id FROM cpg.transactions)', 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT initializeAggregation('aggThrowState', toUInt8(1))", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT finalizeAggregation(CAST(unhex('') AS AggregateFunction(aggThrow(1.), UInt8)))", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT finalizeAggregation(''::SimpleAggregateFunction(aggThrow(1.), UInt8))", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT finalizeAggregation(CAST(unhex(''), concat('Aggregate', 'Function(aggThrow(1.), UInt8)')))", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT dynamicElement(CAST(1 AS Dynamic), concat('Aggregate', 'Function(aggThrow(1.), UInt8)'))", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ['SELECT aggThrowMerge(s) FROM (SELECT aggThrowState(toUInt8(1)) AS s)', 403, 'SQL_FUNCTION_FORBIDDEN'],
    ['SELECT arrayFold((acc, x) -> acc + sleep(x), [1], toUInt64(0))', 403, 'SQL_FUNCTION_FORBIDDEN'],
    // Tables and databases outside the analytics tables, however reached: 403.
    ['SELECT * FROM cpg.audit_log', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM cpg.schema_migrations', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM cpg.transactions_per_minute_mv', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT name FROM system.tables', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM system.users', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM INFORMATION_SCHEMA.TABLES', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM default.anything', 403, 'SQL_TABLE_FORBIDDEN'],
    ['select * from "cpg"."audit_log"', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT t.payment_id, a.details FROM cpg.transactions AS t JOIN cpg.audit_log AS a ON t.payment_id = a.target', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT count() FROM cpg.transactions WHERE payment_id IN (SELECT target FROM cpg.audit_log)', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT count() FROM cpg.transactions WHERE payment_id IN cpg.audit_log', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT count() FROM cpg.transactions WHERE payment_id GLOBAL IN (SELECT event_id FROM cpg.audit_log)', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT (SELECT any(details) FROM cpg.audit_log) AS leaked', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT EXISTS (SELECT 1 FROM system.users) AS users', 403, 'SQL_TABLE_FORBIDDEN'],
    ['WITH secret AS (SELECT * FROM cpg.audit_log) SELECT * FROM secret', 403, 'SQL_TABLE_FORBIDDEN'],
    ['WITH x AS (SELECT payment_id FROM cpg.transactions) SELECT * FROM x WHERE payment_id IN (WITH y AS (SELECT target FROM cpg.audit_log) SELECT * FROM y)', 403, 'SQL_TABLE_FORBIDDEN'],
    ['WITH audit_log AS (SELECT * FROM audit_log) SELECT * FROM audit_log', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT payment_id FROM cpg.transactions UNION ALL SELECT details FROM cpg.audit_log', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT cpg.audit_log.details FROM cpg.transactions', 403, 'SQL_TABLE_FORBIDDEN'],
  ];

  it('refuses everything but one SELECT over the analytics tables, with a code, and changes nothing', async () => {
    const before = await state();
    expect(before).toMatchObject({ seeded: SEED.length, alert_events: ALERTED.length * 2, readonly: 0 });
    for (const [query, status, code] of REFUSED) {
      const r = await sql(query);
      expect([r.status, r.body.error?.code], query).toEqual([status, code]);
      expect(r.body.error.message.length, query).toBeGreaterThan(0);
    }
    expect(await state()).toEqual(before);
    expect(existsSync(path.join(process.cwd(), 'sqlt-outfile.csv'))).toBe(false);
    expect(existsSync(path.join(process.cwd(), 'sqlt-leak.csv'))).toBe(false);
  });

  it('reads tables named without their database as the platform\'s: joins, subqueries, CTEs, FINAL', async () => {
    const seeded = "participant LIKE 'sqlt-%'";
    const count = async (query: string) => {
      const r = await sql(query);
      expect(r.status, `${query}: ${JSON.stringify(r.body)}`).toBe(200);
      return Number(Object.values(r.body.rows[0] as Record<string, unknown>)[0]);
    };
    // As analysts type it, and as it always worked.
    expect(await count(`SELECT count() FROM transactions WHERE ${seeded}`)).toBe(SEED.length);
    expect(await count(`SELECT count() FROM cpg.transactions WHERE ${seeded}`)).toBe(SEED.length);
    const all = await sql('SELECT * FROM transactions');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.rows.filter((row: any) => row.participant.startsWith('sqlt-'))).toHaveLength(SEED.length);
    // Unqualified and qualified in one statement, in a join, a subquery and IN.
    const joined = await sql(`SELECT t.payment_id AS payment_id, count() AS events
      FROM transactions AS t INNER JOIN cpg.alert_events AS a ON t.payment_id = a.payment_id
      WHERE a.alert_id LIKE 'sqlt-%' GROUP BY payment_id ORDER BY payment_id`);
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    expect(joined.body.rows).toEqual(ALERTED.map((t) => ({ payment_id: t.payment_id, events: '2' })).sort((a, b) => a.payment_id.localeCompare(b.payment_id)));
    expect(await count(`SELECT count() FROM transactions WHERE payment_id IN (SELECT payment_id FROM alert_events WHERE alert_id LIKE 'sqlt-%')`)).toBe(ALERTED.length);
    expect(await count(`SELECT count() FROM (SELECT payment_id FROM transactions WHERE ${seeded}) AS inner_rows`)).toBe(SEED.length);
    expect(await count(`SELECT sum(messages) FROM transactions_per_minute FINAL WHERE ${seeded}`)).toBe(SEED.length);
    expect(await count('SELECT count() FROM case_events')).toBeGreaterThanOrEqual(0);
    // A column qualified by its table's name is a column, not a table of that name.
    expect(await count(`SELECT count(transactions.payment_id) FROM transactions WHERE transactions.${seeded}`)).toBe(SEED.length);
    expect(await count(`SELECT count() AS transactions FROM transactions AS transactions WHERE ${seeded}`)).toBe(SEED.length);
  });

  it('leaves a CTE\'s own name to the CTE, and a table of that name inside its body to the table', async () => {
    const beta = SEED.filter((t) => t.participant === 'sqlt-beta').length;
    const shadowed = await sql("WITH transactions AS (SELECT * FROM transactions WHERE participant = 'sqlt-beta') SELECT toUInt32(count()) AS n FROM transactions");
    expect(shadowed.status, JSON.stringify(shadowed.body)).toBe(200);
    expect(shadowed.body.rows).toEqual([{ n: beta }]);
    // Named like a table the policy refuses, the CTE is what is read: only analytics rows.
    const named = await sql("WITH audit_log AS (SELECT payment_id FROM transactions WHERE participant LIKE 'sqlt-%') SELECT toUInt32(count()) AS n FROM audit_log");
    expect(named.status, JSON.stringify(named.body)).toBe(200);
    expect(named.body.rows).toEqual([{ n: SEED.length }]);
    // A CTE defined in a subquery is the name there only; outside it, the name is the table again.
    const nested = await sql(`SELECT toUInt32(count()) AS n FROM transactions
      WHERE payment_id IN (WITH alert_events AS (SELECT payment_id FROM transactions WHERE participant = 'sqlt-beta') SELECT payment_id FROM alert_events)
      AND payment_id IN (SELECT payment_id FROM alert_events WHERE alert_id LIKE 'sqlt-%')`);
    expect(nested.status, JSON.stringify(nested.body)).toBe(200);
    expect(nested.body.rows).toEqual([{ n: ALERTED.filter((t) => t.participant === 'sqlt-beta').length }]);
  });

  const UNQUALIFIED_REFUSED: Array<[string, number, string]> = [
    ['SELECT * FROM audit_log', 403, 'SQL_TABLE_FORBIDDEN'],
    ['select * from "audit_log"', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM schema_migrations', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM transactions_per_minute_mv', 403, 'SQL_TABLE_FORBIDDEN'],
    // Names of system tables are not looked up in system: the platform's database has no such table.
    ['SELECT name FROM tables', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM users', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM one', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT * FROM numbers', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT t.payment_id, a.details FROM transactions AS t JOIN audit_log AS a ON t.payment_id = a.target', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT count() FROM transactions WHERE payment_id IN (SELECT target FROM audit_log)', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT (SELECT any(details) FROM audit_log) AS leaked', 403, 'SQL_TABLE_FORBIDDEN'],
    ['WITH secret AS (SELECT * FROM audit_log) SELECT * FROM secret', 403, 'SQL_TABLE_FORBIDDEN'],
    ['WITH transactions AS (SELECT * FROM audit_log) SELECT * FROM transactions', 403, 'SQL_TABLE_FORBIDDEN'],
    ['SELECT payment_id FROM transactions UNION ALL SELECT details FROM audit_log', 403, 'SQL_TABLE_FORBIDDEN'],
    // Table functions stay refused, beside an unqualified table or not.
    ["SELECT * FROM transactions AS t, file('/etc/hostname', 'LineAsString') AS f", 403, 'SQL_FUNCTION_FORBIDDEN'],
    ["SELECT * FROM merge(currentDatabase(), 'audit')", 403, 'SQL_FUNCTION_FORBIDDEN'],
    // And writes, whatever they name.
    ["INSERT INTO transactions (payment_id) VALUES ('sqlt-evil')", 400, 'SQL_NOT_READ_ONLY'],
    ['DROP TABLE audit_log', 400, 'SQL_NOT_READ_ONLY'],
  ];

  it('refuses tables named without their database outside the analytics tables, naming the readable ones, and changes nothing', async () => {
    const before = await state();
    for (const [query, status, code] of UNQUALIFIED_REFUSED) {
      const r = await sql(query);
      expect([r.status, r.body.error?.code], query).toEqual([status, code]);
      if (code !== 'SQL_TABLE_FORBIDDEN') continue;
      for (const table of ['cpg.transactions', 'cpg.transactions_per_minute', 'cpg.alert_events', 'cpg.case_events']) {
        expect(r.body.error.message, query).toContain(table);
      }
    }
    expect(await state()).toEqual(before);
  });

  it('describes the readable tables and their columns to compliance only (GET /v1/sql/schema)', async () => {
    const schema = async (role: string) => {
      const r = await platform.app.inject({ method: 'GET', url: '/v1/sql/schema', headers: tokens[role] ? { authorization: `Bearer ${tokens[role]}` } : {} });
      responses.push(r.body);
      return { status: r.statusCode, body: r.json() as Record<string, any> };
    };
    const r = await schema('compliance');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.database).toBe('cpg');
    expect(r.body.tables.map((t: any) => t.name)).toEqual(['transactions', 'transactions_per_minute', 'alert_events', 'case_events']);
    const columnsOf = (name: string) => r.body.tables.find((t: any) => t.name === name).columns as Array<{ name: string; type: string; comment: string }>;
    expect(columnsOf('transactions')).toContainEqual({ name: 'amount', type: 'Decimal(18, 4)', comment: '' });
    expect(r.body.tables[0]).toMatchObject({ engine: 'MergeTree', sortingKey: 'participant, received_at, payment_id' });
    // Exactly what the engine holds, in table order.
    const engine = await (
      await ch().query({
        query: "SELECT table, name, type, comment FROM system.columns WHERE database = 'cpg' AND table = 'alert_events' ORDER BY position",
        format: 'JSONEachRow',
      })
    ).json<Record<string, string>>();
    expect(columnsOf('alert_events')).toEqual(engine.map(({ name, type, comment }) => ({ name, type, comment })));
    // Every column it names can be selected as named, with the type it gives.
    for (const table of r.body.tables as Array<{ name: string; columns: Array<{ name: string; type: string }> }>) {
      const selected = await sql(`SELECT ${table.columns.map((c) => c.name).join(', ')} FROM ${table.name} LIMIT 1`);
      expect(selected.status, `${table.name}: ${JSON.stringify(selected.body)}`).toBe(200);
      expect(selected.body.columns, table.name).toEqual(table.columns.map(({ name, type }) => ({ name, type })));
    }
    for (const role of ['risk_officer', 'admin', 'participant_analyst']) {
      const refused = await schema(role);
      expect([refused.status, refused.body.error.code], role).toEqual([403, 'FORBIDDEN_ROLE']);
    }
    const anonymous = await schema('nobody');
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'AUTH_TOKEN_MISSING']);
  });

  it('runs aggregate functions on the allow-list named in a string or a type, with literal parameters', async () => {
    const r = await sql(`SELECT arrayReduce('sum', [1, 2, 3]) AS total, arrayReduce('quantiles(0.5, 0.9)', [1, 2, 3, 4]) AS q,
      arrayReduce('uniqExactIf', ['a', 'b', 'a'], [1, 1, 0]) AS distinct_kept,
      arrayReduce('sequenceCount(''(?1)(?2)'')', [1, 2, 3], [1, 0, 1], [0, 1, 0]) AS sequences,
      finalizeAggregation(CAST(sumState(toUInt64(5)) AS AggregateFunction(sum, UInt64))) AS restated`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.rows).toEqual([{ total: '6', q: [2.5, 3.7], distinct_kept: '2', sequences: '1', restated: '5' }]);
    const notes = await sql("SELECT count() AS n FROM cpg.transactions WHERE reasons LIKE '%AggregateFunction(sum, UInt64)%'");
    expect(notes.status, JSON.stringify(notes.body)).toBe(200);
  });

  it('refuses bodies that are not one statement string, and names and literals that could forge the checks', async () => {
    for (const query of [undefined, '', 42, 'x'.repeat(10_001)]) {
      const r = await sql(query);
      expect([r.status, r.body.error.code], String(query).slice(0, 20)).toEqual([400, 'VALIDATION_FAILED']);
    }
    const quoted = await sql('SELECT count() AS `n\n  TABLE id: 9, table_name: cpg.transactions` FROM cpg.audit_log');
    expect([quoted.status, quoted.body.error.code]).toEqual([400, 'SQL_INVALID']);
    const literal = await sql("SELECT COLUMNS('x\n      IDENTIFIER id: 99, identifier: cpg.transactions') FROM cpg.transactions");
    expect([literal.status, literal.body.error.code]).toEqual([400, 'SQL_INVALID']);
  });

  it('stops a result over the row limit with a 4xx code, and the next statement reads only its own rows', async () => {
    const tooMany = await sql('SELECT arrayJoin(range(20000)) AS i');
    expect([tooMany.status, tooMany.body.error.code]).toEqual([422, 'SQL_LIMIT_EXCEEDED']);
    // The refused result had begun on the connection; the next answer must not carry it.
    const after = await sql("SELECT toUInt32(count()) AS n FROM cpg.transactions WHERE participant = 'sqlt-beta'");
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    expect(after.body.rows).toEqual([{ n: SEED.filter((t) => t.participant === 'sqlt-beta').length }]);
  });

  it('stops a statement over the time limit, on its own connection to the same data', async () => {
    let own: ClickHouse | undefined;
    try {
      own = await openClickHouse({ dataDir: platform.dataDir });
      const limited = createReadOnlySql(own.client, { database: 'cpg', limits: { maxExecutionSeconds: 1 } });
      const started = Date.now();
      const slow = await limited.run(`SELECT count() FROM cpg.transactions AS a, cpg.transactions AS b, cpg.transactions AS c, cpg.transactions AS d, cpg.transactions AS e
        WHERE cityHash64(a.payment_id, b.payment_id, c.payment_id, d.payment_id, e.payment_id) % 7 = 3`);
      expect(slow.ok ? 'ran to the end' : slow.error.code).toBe('SQL_LIMIT_EXCEEDED');
      expect(Date.now() - started).toBeLessThan(15_000);
      const next = await limited.run("SELECT toUInt32(count()) AS n FROM cpg.transactions WHERE participant LIKE 'sqlt-%'");
      expect(next.ok && parsedRows(next.value)).toEqual([{ n: SEED.length }]);
    } finally {
      await own?.close();
    }
  });

  it('runs every statement read-only at the engine level, without touching the shared session', async () => {
    let own: ClickHouse | undefined;
    try {
      own = await openClickHouse({ dataDir: platform.dataDir });
      const run = (canonical: string) => own!.client.query({ query: runnableStatement(canonical, DEFAULT_SQL_LIMITS), format: 'JSONEachRow' });
      // Were a table function ever to slip past the checks, ClickHouse itself would refuse it.
      await expect(run("SELECT * FROM file('/etc/hostname', 'LineAsString')")).rejects.toMatchObject({ type: 'READONLY' });
      const settings = await (
        await run("SELECT toString(getSetting('readonly')) AS readonly, toString(getSetting('max_result_rows')) AS max_rows, toString(getSetting('result_overflow_mode')) AS overflow")
      ).json();
      expect(settings).toEqual([{ readonly: '1', max_rows: String(DEFAULT_SQL_LIMITS.maxResultRows), overflow: 'throw' }]);
      // The settings travelled inside that statement: nothing stayed behind, on either connection.
      expect(await scalar(own.client, "SELECT getSetting('readonly')")).toBe(0);
      expect(await scalar(ch(), "SELECT getSetting('readonly')")).toBe(0);
    } finally {
      await own?.close();
    }
  });

  it('is for the compliance role only, and audits refusals of other roles', async () => {
    for (const role of ['risk_officer', 'admin', 'participant_analyst']) {
      const r = await sql('SELECT count() FROM cpg.transactions', role);
      expect([r.status, r.body.error.code], role).toEqual([403, 'FORBIDDEN_ROLE']);
    }
    const anonymous = await sql('SELECT count() FROM cpg.transactions', 'nobody');
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'AUTH_TOKEN_MISSING']);
    const denied = await (
      await ch().query({
        query: "SELECT actor, actor_role, target, outcome FROM cpg.audit_log WHERE action = 'sql.query' AND actor_role != 'compliance' ORDER BY actor",
        format: 'JSONEachRow',
      })
    ).json<Record<string, string>>();
    expect(denied).toEqual(
      ['risk_officer', 'admin', 'participant_analyst']
        .map((role) => ({ actor: usernames[role], actor_role: role, target: 'SELECT count() FROM cpg.transactions', outcome: 'denied' }))
        .sort((a, b) => a.actor!.localeCompare(b.actor!)),
    );
  });

  it('writes every statement, run or refused, to the audit log with the actor, text, outcome, rows and time', async () => {
    const rows = await (
      await ch().query({
        query: "SELECT actor, actor_role, target, outcome, details FROM cpg.audit_log WHERE action = 'sql.query' AND actor = 'compliance'",
        format: 'JSONEachRow',
      })
    ).json<{ actor: string; actor_role: string; target: string; outcome: string; details: string }>();
    const byText = new Map(rows.map((r) => [r.target, { ...r, details: JSON.parse(r.details) as Record<string, any> }]));
    for (const [query, , code] of REFUSED) {
      const entry = byText.get(query);
      expect(entry, query).toBeDefined();
      expect(entry!.outcome, query).toBe(code === 'SQL_INVALID' || code === 'SQL_MULTIPLE_STATEMENTS' ? 'failed' : 'denied');
      expect(entry!.details.code, query).toBe(code);
      expect(entry!.details.rows, query).toBe(0);
      expect(typeof entry!.details.elapsedMs, query).toBe('number');
    }
    const ran = [...byText.values()].find((r) => r.target.startsWith('SELECT participant, toUInt32(count()) AS payments'));
    expect(ran).toMatchObject({ actor_role: 'compliance', outcome: 'ok', details: { rows: PARTICIPANTS.length } });
    expect(ran!.details.rowsRead).toBeGreaterThanOrEqual(SEED.length);
    expect(byText.get('SELECT arrayJoin(range(20000)) AS i')).toMatchObject({ outcome: 'failed', details: { code: 'SQL_LIMIT_EXCEEDED' } });
  });

  it('never answered with a row of the audit log', () => {
    expect(responses.length).toBeGreaterThan(REFUSED.length);
    for (const body of responses) expect(body).not.toContain(SECRET);
  });

  it('leaves the ingest writer inserting, and the shared session writable', async () => {
    expect(await scalar(ch(), "SELECT getSetting('readonly')")).toBe(0);
    const qr = await merchantQrs(platform.app);
    const answers = await sendPayments(platform.app, qr, 60, 12);
    const ids = answers.filter((a) => a.status === 200).map((a) => a.body.paymentId as string);
    expect(ids).toHaveLength(60);
    await eventually(
      () => scalar(ch(), 'SELECT toUInt32(count()) FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids }),
      (n) => n === 60,
      30_000,
    );
    // And the console reads what the writer just landed.
    const r = await sql(`SELECT toUInt32(count()) AS n FROM cpg.transactions WHERE message_type = 'payment' AND participant NOT LIKE 'sqlt-%'`);
    expect(r.body.rows[0].n).toBeGreaterThanOrEqual(60);
  });
});
