import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleEvent } from '../bench/traffic/tap-events.ts';
import { DEAD_LETTER_RULE_ID } from '../analytics/alerts/dead-letter-alert.ts';
import { readDeadLetters } from '../ingest/dead-letters.ts';
import { ALERT_EVENTS_STREAM } from '../server/capabilities/alerting.ts';
import { AUDIT_STREAM, createStreamAuditLog } from '../server/audit-stream.ts';
import { openClickHouse } from '../server/clickhouse.ts';
import { startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { FAILING_CLICKHOUSE, insertFailures } from './support/insert-failures.ts';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs, scalar, sendPayments } from './support/traffic.ts';

/**
 * The writers against rows ClickHouse refuses, on the real platform (its own redis-server,
 * embedded ClickHouse): a transaction whose amount overflows Decimal(18, 4) in a batch of good
 * ones, and audit and alert events holding a lone UTF-16 surrogate, which ClickHouse refuses
 * in a JSON string (CANNOT_PARSE_ESCAPE_SEQUENCE). Entries are appended as the tap and the
 * event writers append them, in one MULTI, so the writer reads them as one batch.
 */
const TAP = 'tap:transactions';
const OVERFLOW = '999999999999999';

// The monitoring token, where the config has one: /metrics and /health's details may ask for it.
const monitoringToken = (JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as { monitoring?: { token?: string } }).monitoring?.token;
const monitoring = monitoringToken ? { authorization: `Bearer ${monitoringToken}` } : {};

describe('ingest: rows ClickHouse refuses', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let socket: Socket;
  let officer: string;
  const pushed: any[] = [];
  const run = randomUUID().slice(0, 8);
  // The client boundary where a failing ClickHouse is played.
  const clickhouse = insertFailures();

  beforeAll(async () => {
    platform = await startTestPlatform({}, { wrapInsert: clickhouse.wrapInsert });
    // The event writers read their streams once their groups exist and they have read once.
    for (const stream of [ALERT_EVENTS_STREAM, AUDIT_STREAM]) {
      await eventually(async () => ((await platform.redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][]).length, (n) => n > 0, 15_000);
    }
    const base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    const user = devCredentials().users.find((u) => u.role === 'risk_officer')!;
    officer = (await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } })).json().token;
    socket = connect(`${base}/console`, { auth: { token: officer }, transports: ['websocket'], reconnection: false });
    socket.on('alert', (a) => pushed.push(['alert', a]));
    socket.on('alert:update', (a) => pushed.push(['alert:update', a]));
    await new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('connect_error', reject);
    });
  }, 120_000);
  afterAll(async () => {
    socket?.disconnect();
    await eventually(async () => (await platform.alerting.live.io.of('/console').fetchSockets()).length, (n) => n === 0, 5000).catch(() => undefined);
    await platform?.stop();
  });

  const ch = () => platform.clickhouse.client;
  const caughtUp = () => eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 60_000);
  const deadLetterAlerts = async () =>
    ((await platform.app.inject({ method: 'GET', url: `/v1/alerts?rule=${DEAD_LETTER_RULE_ID}`, headers: { authorization: `Bearer ${officer}` } })).json().alerts as any[]);

  /** Appends tap entries as the ledger's commit does, all in one MULTI: one batch for the writer. Returns their stream ids. */
  async function appendTap(events: Array<ReturnType<typeof sampleEvent>>): Promise<string[]> {
    const tx = platform.redis.multi();
    for (const e of events) tx.xadd(TAP, '*', 'e', JSON.stringify(e), 's', 'DECLINED', 'd', 'RISK_DECLINED');
    return ((await tx.exec()) ?? []).map(([, id]) => id as string);
  }
  const event = (i: number, amount = '10.00', currency = 'CNY') => {
    const e = sampleEvent(i);
    return { ...e, paymentId: `pay_${run}_${i}`, amount: { value: amount, currency } };
  };

  it('lands the good rows of a batch exactly once, moves the overflowing one to the dead-letter store with its error, and lands later traffic', async () => {
    const events = Array.from({ length: 40 }, (_, i) => (i === 17 ? event(i, OVERFLOW, 'KRW') : event(i)));
    const ids = await appendTap(events);
    const good = events.filter((_, i) => i !== 17).map((e) => e.paymentId);

    const [dead] = await eventually(() => readDeadLetters(platform.redis, TAP), (d) => d.length > 0, 30_000);
    expect(dead).toMatchObject({ id: ids[17], code: 'ARGUMENT_OUT_OF_BOUND', error: expect.stringMatching(/Decimal value is too big/) });
    // The entry as the tap wrote it, to replay once fixed.
    expect(dead!.fields.slice(0, 2)).toEqual(['e', JSON.stringify(events[17])]);
    expect(dead!.fields.slice(2)).toEqual(['s', 'DECLINED', 'd', 'RISK_DECLINED']);

    await caughtUp();
    const counted = (query: string) => scalar(ch(), query, { ids: events.map((e) => e.paymentId) });
    expect(await counted('SELECT count() FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}')).toBe(39);
    expect(await counted('SELECT uniqExact(payment_id) FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}')).toBe(39);
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions WHERE payment_id = {p:String}', { p: events[17]!.paymentId })).toBe(0);
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: good })).toBe(39);
    // The per-minute aggregates got each landed row once too.
    expect(Number(await scalar(ch(), 'SELECT toString(sum(messages)) FROM cpg.transactions_per_minute'))).toBe(await scalar(ch(), 'SELECT count() FROM cpg.transactions'));

    // Payments after it keep reaching ClickHouse.
    const later = await sendPayments(platform.app, await merchantQrs(platform.app), 30, 8);
    expect(later.every((a) => a.status === 200)).toBe(true);
    await caughtUp();
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: later.map((a) => a.body.paymentId) })).toBe(30);
    expect(await readDeadLetters(platform.redis, TAP)).toHaveLength(1);
  }, 120_000);

  it('counts it in /metrics and /health, and raises one alert for the burst that reaches the console', async () => {
    const metrics = (await platform.app.inject({ method: 'GET', url: '/metrics', headers: monitoring })).body;
    expect(metrics).toMatch(/cpg_ingest_dead_letters_total\{stream="tap:transactions"\} 1\n/);
    expect(metrics).toMatch(/cpg_ingest_dead_letters_total\{stream="tap:audit"\} 0\n/);
    const health = (await platform.app.inject({ method: 'GET', url: '/health', headers: monitoring })).json();
    expect(health.ingest).toMatchObject({ deadLetters: 1, deadLettersByStream: { [TAP]: { sinceStart: 1, stored: 1 } } });

    const raised = await eventually(() => pushed.filter(([kind, a]) => kind === 'alert' && a.ruleId === DEAD_LETTER_RULE_ID), (a) => a.length > 0, 10_000);
    expect(raised).toHaveLength(1);
    expect(raised[0][1]).toMatchObject({ participant: '', severity: 'high', count: 1 });
    expect(raised[0][1].reasons[0]).toMatchObject({ stream: TAP, deadLetters: `${TAP}:dead`, value: 1, codes: { ARGUMENT_OUT_OF_BOUND: 1 } });
    const [alert] = await deadLetterAlerts();
    expect(alert).toMatchObject({ id: raised[0][1].id, kind: 'monitor', status: 'open' });

    // Another refused row in the same burst: counted and stored, no second alert.
    await appendTap([event(100, '99999999999999999', 'KRW')]);
    await eventually(() => readDeadLetters(platform.redis, TAP), (d) => d.length === 2, 30_000);
    expect(await deadLetterAlerts()).toHaveLength(1);
    expect(pushed.filter(([kind, a]) => kind === 'alert' && a.ruleId === DEAD_LETTER_RULE_ID)).toHaveLength(1);
    expect((await platform.app.inject({ method: 'GET', url: '/metrics', headers: monitoring })).body).toMatch(/cpg_ingest_dead_letters_total\{stream="tap:transactions"\} 2\n/);
  }, 60_000);

  it('keeps retrying a failing ClickHouse, before and in the middle of a split, and dead-letters nothing for it', async () => {
    const failures = platform.writer!.stats().failures;
    // Memory and too many parts on the batch, a timeout and a read-only table on its parts
    // (their tokens name the part after the batch's): each passes, and is retried.
    clickhouse.failNext([FAILING_CLICKHOUSE.memory(), FAILING_CLICKHOUSE.tooManyParts()], (token) => !token.includes('/'));
    clickhouse.failNext([FAILING_CLICKHOUSE.timeout(), FAILING_CLICKHOUSE.readOnly()], (token) => token.includes('/'));
    const events = Array.from({ length: 20 }, (_, i) => (i === 5 ? event(2000 + i, OVERFLOW, 'KRW') : event(2000 + i)));
    const ids = await appendTap(events);
    await eventually(() => readDeadLetters(platform.redis, TAP), (d) => d.some((x) => x.id === ids[5]), 30_000);
    await caughtUp();
    expect(clickhouse.queued).toHaveLength(0);
    expect(platform.writer!.stats().failures - failures).toBe(4);
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: events.map((e) => e.paymentId) })).toBe(19);
    expect((await readDeadLetters(platform.redis, TAP)).filter((d) => ids.includes(d.id)).map((d) => [d.id, d.code])).toEqual([[ids[5], 'ARGUMENT_OUT_OF_BOUND']]);
  }, 60_000);

  it('lands a batch spanning more months than one insert may, whole, in parts', async () => {
    // ClickHouse refuses one insert writing more than 100 partitions (months), every time.
    const events = Array.from({ length: 150 }, (_, i) => {
      const at = Date.UTC(2030, i, 15);
      return { ...event(1000 + i), receivedAt: at, decidedAt: at };
    });
    await appendTap(events);
    await caughtUp();
    expect(await scalar(ch(), 'SELECT count() FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: events.map((e) => e.paymentId) })).toBe(150);
    expect(await readDeadLetters(platform.redis, TAP)).toHaveLength(3);
  }, 60_000);

  it('keeps the audit and alert-event streams moving past a lone surrogate, which ClickHouse refuses', async () => {
    const at = Date.now();
    const auditEvent = (n: number, actor: string) => ({ eventId: `ev-${run}-a${n}`, at, actor, actorRole: 'admin', action: 'rule.update', target: 'r1', outcome: 'ok', details: {} });
    const alertEvent = (n: number, note: string) => ({
      eventId: `ev-${run}-e${n}`, alertId: `alt_${run}${n}`, at, kind: 'resolved', participant: 'siam-wallet', paymentId: '', ruleId: 'r1',
      severity: 'high', status: 'resolved', actor: 'risk.officer', assignee: '', disposition: 'legitimate', note, details: {},
    });
    for (const [stream, field, table, make] of [
      [AUDIT_STREAM, 'e', 'audit_log', (n: number, bad: boolean) => auditEvent(n, bad ? 'ops\ud800' : 'ops')],
      [ALERT_EVENTS_STREAM, 'a', 'alert_events', (n: number, bad: boolean) => alertEvent(n, bad ? 'checked \udbff by phone' : 'checked')],
    ] as const) {
      const tx = platform.redis.multi();
      for (let n = 0; n < 5; n++) tx.xadd(stream, '*', field, JSON.stringify(make(n, n === 2)));
      const ids = ((await tx.exec()) ?? []).map(([, id]) => id as string);
      const [dead] = await eventually(() => readDeadLetters(platform.redis, stream), (d) => d.length > 0, 30_000);
      expect(dead).toMatchObject({ id: ids[2], code: 'CANNOT_PARSE_ESCAPE_SEQUENCE' });
      const landed = () => scalar(ch(), `SELECT count() FROM cpg.${table} WHERE event_id LIKE {p:String}`, { p: `ev-${run}-%` });
      await eventually(landed, (n) => n === 4, 30_000);
      // And what comes after it lands too.
      if (stream === AUDIT_STREAM) await createStreamAuditLog(platform.redis).record({ actor: 'ops', actorRole: 'admin', action: 'rule.update', target: `after-${run}`, outcome: 'ok' });
      else await platform.redis.xadd(stream, '*', field, JSON.stringify(alertEvent(9, 'after')));
      const after = () => scalar(ch(), `SELECT count() FROM cpg.${table} WHERE ${stream === AUDIT_STREAM ? 'target' : 'event_id'} = {t:String}`, { t: stream === AUDIT_STREAM ? `after-${run}` : `ev-${run}-e9` });
      await eventually(after, (n) => n === 1, 30_000);
      await eventually(landed, (n) => n === 4 + (stream === AUDIT_STREAM ? 0 : 1), 5_000);
    }
    const health = (await platform.app.inject({ method: 'GET', url: '/health', headers: monitoring })).json();
    expect(health.ingest.deadLettersByStream).toMatchObject({ [AUDIT_STREAM]: { sinceStart: 1, stored: 1 }, [ALERT_EVENTS_STREAM]: { sinceStart: 1, stored: 1 } });
    const metrics = (await platform.app.inject({ method: 'GET', url: '/metrics', headers: monitoring })).body;
    expect(metrics).toMatch(/cpg_ingest_dead_letters_total\{stream="tap:audit"\} 1\n/);
    expect(metrics).toMatch(/cpg_ingest_dead_letters_total\{stream="tap:alert-events"\} 1\n/);
    // One alert per stream's burst.
    const streams = (await deadLetterAlerts()).map((a) => a.reasons[0].stream).sort();
    expect(streams).toEqual([ALERT_EVENTS_STREAM, AUDIT_STREAM, TAP].sort());
  }, 120_000);
});

/** The ingest writer alone in a process (test/fixtures/writer-child.ts), killed if it has not drained within `timeoutMs`. */
function runWriter(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/writer-child.ts'], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      out += `\n(killed: not drained within ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('ingest writer stopped in the middle of a split', () => {
  let redisServer: RedisProcess;
  let redis: Redis;
  let dataDir: string;
  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-split-'));
    redisServer = await startRedisServer({ dir: path.join(dataDir, 'redis') });
    redis = new Redis(redisServer.url);
  });
  afterEach(async () => {
    await redis?.quit();
    await redisServer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // One batch of 100 (the child's batch size) with two rows ClickHouse refuses: it lands in
  // parts, and the first part to land is where the writer dies.
  const total = 100;
  const refusedAt = [30, 71];
  async function appendBatch(): Promise<string[]> {
    const tx = redis.multi();
    for (let i = 0; i < total; i++) {
      const e = sampleEvent(i);
      if (i === refusedAt[0]) e.amount = { value: OVERFLOW, currency: 'KRW' };
      if (i === refusedAt[1]) e.merchant = { ...e.merchant, name: 'Café \ud83d' };
      tx.xadd(TAP, '*', 'e', JSON.stringify(e), 's', 'APPROVED', 'd', '');
    }
    return ((await tx.exec()) ?? []).map(([, id]) => id as string);
  }

  async function expectLandedOnce(ids: string[], out: string) {
    expect(out).toContain(`landed ${JSON.stringify({ rows: total - 2, distinct: total - 2 })}`);
    const dead = await readDeadLetters(redis, TAP);
    expect(dead.map((d) => [d.id, d.code])).toEqual([
      [ids[refusedAt[0]!], 'ARGUMENT_OUT_OF_BOUND'],
      [ids[refusedAt[1]!], 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
    ]);
    expect(Number(((await redis.xpending(TAP, 'ingest')) as [number])[0])).toBe(0);
    expect(await redis.exists(`${TAP}:inflight:writer-1`)).toBe(0);
    const clickhouse = await openClickHouse({ dataDir });
    try {
      expect(Number(await scalar(clickhouse.client, 'SELECT toString(sum(messages)) FROM cpg.transactions_per_minute'))).toBe(total - 2);
    } finally {
      await clickhouse.close();
    }
  }

  it('killed (SIGKILL) after the first part landed: the next start lands every other row once and dead-letters the two once', async () => {
    const ids = await appendBatch();
    const env = { REDIS_URL: redisServer.url, DATA_DIR: dataDir, STREAM: TAP };
    const crashed = await runWriter({ ...env, CRASH_AFTER_INSERT: '1' });
    expect(crashed.signal, crashed.out).toBe('SIGKILL');
    // The rows before the first refused one landed as one part; nothing is acknowledged or dead-lettered yet.
    expect(crashed.out).toContain(`inserted ${refusedAt[0]}\n`);
    expect(await readDeadLetters(redis, TAP)).toHaveLength(0);
    expect(JSON.parse((await redis.get(`${TAP}:inflight:writer-1`)) ?? 'null')).toMatchObject({ count: total });

    const restarted = await runWriter(env);
    expect(restarted.code, restarted.out).toBe(0);
    expect(restarted.out).toContain('finishing an interrupted batch');
    await expectLandedOnce(ids, restarted.out);
  }, 150_000);

  it('its thread dying after the first part landed: the new thread lands every other row once and dead-letters the two once', async () => {
    const ids = await appendBatch();
    const run = await runWriter({ REDIS_URL: redisServer.url, DATA_DIR: dataDir, STREAM: TAP, THREAD_DIES_AFTER_INSERT: '1' });
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('starting a new one');
    expect(run.out).toContain('finishing an interrupted batch');
    await expectLandedOnce(ids, run.out);
  }, 150_000);
});
