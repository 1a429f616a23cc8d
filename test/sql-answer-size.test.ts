import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SQL_LIMITS } from '../analytics/sql/read-only-sql.ts';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { eventually } from './support/traffic.ts';

/*
 * POST /v1/sql with answers far larger than an analyst should get in one response. A
 * compliance statement answering 150 MB once held the event loop for seconds (every
 * payment of the node waited) and grew the heap by gigabytes. The answer is now bounded in
 * bytes: ClickHouse stops it, or the platform does as it reads, and refuses it with a code.
 * The file has a process of its own (vitest's forks pool), so the heap figures are its own.
 */

/** ~145 MB of JSON from ~40 MB in ClickHouse's memory: under the engine's old 64 MB bound. */
const ARRAYS = 'SELECT i, arrayMap(x -> toUInt8((x + i) % 256), range(4000)) AS a FROM (SELECT arrayJoin(range(10000)) AS i)';
/** ~150 MB of JSON from one value repeated: a block in memory holds it once, whatever the rows. */
const REPEATED = "SELECT repeat('x', 15000) AS s, arrayJoin(range(10000)) AS i";
/** ~10 MB: within the bound. */
const WITHIN = "SELECT i, repeat('y', 1000) AS s FROM (SELECT arrayJoin(range(10000)) AS i)";

describe('POST /v1/sql: answers bounded in bytes', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let token = '';

  /** The request, with the longest the event loop was held and the most the JS heap grew meanwhile. */
  async function measured(query: string) {
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.external + m.arrayBuffers;
    };
    const before = used();
    let most = before;
    const sampler = setInterval(() => (most = Math.max(most, used())), 5);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const r = await platform.app.inject({ method: 'POST', url: '/v1/sql', headers: { authorization: `Bearer ${token}` }, payload: { query } });
    delay.disable();
    clearInterval(sampler);
    most = Math.max(most, used());
    return { r, maxDelayMs: delay.max / 1e6, heapGrowthMb: (most - before) / 1024 / 1024 };
  }

  beforeAll(async () => {
    platform = await startTestPlatform();
    const user = devCredentials().users.find((u) => u.role === 'compliance')!;
    token = (await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } })).json().token;
    // Warm: the function catalog loads on the first statement.
    await platform.app.inject({ method: 'POST', url: '/v1/sql', headers: { authorization: `Bearer ${token}` }, payload: { query: 'SELECT 1 AS x' } });
  });
  afterAll(async () => platform?.stop());

  it('stops an answer past its bound in bytes, without holding the event loop or growing the heap', async () => {
    const { r, maxDelayMs, heapGrowthMb } = await measured(ARRAYS);
    expect([r.statusCode, r.json().error?.code]).toEqual([422, 'SQL_RESULT_TOO_LARGE']);
    expect(r.json().error.message).toContain(`${DEFAULT_SQL_LIMITS.maxResponseBytes / 1024 / 1024} MiB`);
    // Before the bound: 200 with 136 MB after 3.3 s of event loop held, the heap 1.7 GB larger.
    expect(maxDelayMs).toBeLessThan(300);
    expect(heapGrowthMb).toBeLessThan(100);
  });

  it('stops an answer whose rows repeat one value once the bytes read pass the bound', async () => {
    const { r } = await measured(REPEATED);
    expect([r.statusCode, r.json().error?.code]).toEqual([422, 'SQL_RESULT_TOO_LARGE']);
    expect(r.json().error.message).toMatch(/after \d+ rows/);
    // The connection reads only the next statement's own rows.
    const next = await measured('SELECT 41 + 1 AS answer');
    expect(next.r.json()).toMatchObject({ rows: [{ answer: 42 }] });
  });

  it('answers within the bound in the contract shape, its length known before the first byte', async () => {
    const { r, maxDelayMs } = await measured(WITHIN);
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
    const body = r.json();
    expect(Object.keys(body)).toEqual(['columns', 'rows', 'rowsRead', 'elapsedMs']);
    expect(body.columns).toEqual([{ name: 'i', type: 'UInt16' }, { name: 's', type: 'String' }]);
    expect(body.rows).toHaveLength(10_000);
    expect(body.rows[9_999]).toEqual({ i: 9_999, s: 'y'.repeat(1000) });
    expect(body.rowsRead).toBeGreaterThanOrEqual(1);
    expect(maxDelayMs).toBeLessThan(300);
  });

  it('keeps the body valid JSON when a string is not UTF-8', async () => {
    const { r } = await measured("SELECT unhex('61FF62') AS bytes, 'ok' AS plain");
    expect(r.statusCode).toBe(200);
    expect(r.json().rows).toEqual([{ bytes: 'a\uFFFDb', plain: 'ok' }]);
  });

  it('audits the refused answers with their code and the delivered one with its size', async () => {
    const read = () =>
      platform.clickhouse.client
        .query({
          query: `SELECT target, outcome, JSONExtractString(details, 'code') AS code, JSONExtractUInt(details, 'bytes') AS bytes
            FROM cpg.audit_log WHERE action = 'sql.query' AND target IN {queries:Array(String)}`,
          query_params: { queries: [ARRAYS, REPEATED, WITHIN] },
          format: 'JSONEachRow',
        })
        .then((q) => q.json<{ target: string; outcome: string; code: string; bytes: string }>());
    const rows = await eventually(read, (r) => r.length === 3, 10_000);
    const byQuery = new Map(rows.map((row) => [row.target, row]));
    expect(byQuery.get(ARRAYS)).toMatchObject({ outcome: 'failed', code: 'SQL_RESULT_TOO_LARGE' });
    expect(byQuery.get(REPEATED)).toMatchObject({ outcome: 'failed', code: 'SQL_RESULT_TOO_LARGE' });
    expect(byQuery.get(WITHIN)).toMatchObject({ outcome: 'ok', code: '' });
    expect(Number(byQuery.get(WITHIN)!.bytes)).toBeGreaterThan(10_000_000);
  });
});
