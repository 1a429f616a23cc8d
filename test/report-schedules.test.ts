import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionRow } from '../ingest/transaction-row.ts';
import { startRedisServer } from '../server/redis-process.ts';
import { devCredentials, startTestPlatform } from './support/platform.ts';
import { eventually } from './support/traffic.ts';

/*
 * Scheduled reports against the real platform: its own redis-server (seeded before start
 * with a stored schedule and a stray BullMQ job scheduler), embedded ClickHouse with rows
 * inserted into cpg.transactions, files under DATA_DIR/reports. Runs are triggered with
 * run-now, or by promoting the job a cron scheduler has queued: no test waits for a minute.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;
const QUEUE = 'scheduled-reports';
const SCHEDULES_KEY = 'reports:schedules';

const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:.]/g, '');
/** Start of the UTC day holding `ms`: computed here, not by the code under test. */
const utcDay = (ms: number) => Math.floor(ms / DAY) * DAY;

// ---------------------------------------------------------------------------------------
// Seed rows: the last few days around "today" in UTC, some outside a 7-day window.

const TODAY = utcDay(Date.now());
const transactions: TransactionRow[] = [];
function tx(o: {
  at: number; participant: string; corridor: string; direction: string; amount: string; currency: string; usd: string;
  settle?: string; settleCurrency?: string; status?: 'APPROVED' | 'DECLINED'; type?: 'payment' | 'refund';
}): void {
  const [payerMarket, merchantCountry] = o.corridor.split('-') as [string, string];
  transactions.push({
    payment_id: `pay_sched_${transactions.length}_${randomUUID().slice(0, 8)}`,
    message_type: o.type ?? 'payment', original_payment_id: '', participant: o.participant,
    participant_kind: o.participant === 'panda-wallet' ? 'domestic_wallet' : 'overseas_wallet', initiator: o.participant,
    txn_id: `t-sched-${transactions.length}`, direction: o.direction, corridor: o.corridor, payer_market: payerMarket,
    wallet_id: `w-sched-${transactions.length % 3}`, payer_name: '', payer_birth_year: 0, payer_nationality: '', screening_lists: '', user_id: '', device_id: 'd-sched', ip: '10.0.0.9', payer_country: payerMarket, lat: null, lon: null,
    merchant_id: merchantCountry === 'CN' ? 'm-cn-0001' : 'm-sg-0001', merchant_name: 'Seeded Merchant', merchant_alt_names: [], mcc: '5812',
    merchant_country: merchantCountry, merchant_city: 'City', acquirer: merchantCountry === 'CN' ? 'huaxia-acquiring' : 'lion-city-acquiring',
    network: 'unionpay', amount: o.amount, currency: o.currency, amount_usd: o.usd, settlement_amount: o.settle ?? o.amount,
    settlement_currency: o.settleCurrency ?? o.currency, fx_rate: '1', status: o.status ?? 'APPROVED',
    decline_code: o.status === 'DECLINED' ? 'RISK_DECLINED' : '', risk_score: 0, decision: o.status === 'DECLINED' ? 'decline' : 'approve',
    reason_rule_ids: [], reasons: '[]', rule_set_version: 'rs-1', shadow_rule_ids: [], switch_latency_us: 900, risk_latency_us: 300,
    received_at: chTime(o.at), decided_at: chTime(o.at + 1), stream_id: `${o.at}-0`,
  });
}
tx({ at: TODAY - DAY + 3 * HOUR, participant: 'siam-wallet', corridor: 'TH-CN', direction: 'inbound', amount: '88.50', currency: 'CNY', usd: '12.43' });
tx({ at: TODAY - DAY + 4 * HOUR, participant: 'siam-wallet', corridor: 'TH-CN', direction: 'inbound', amount: '100.00', currency: 'CNY', usd: '14.04', status: 'DECLINED' });
tx({ at: TODAY - DAY + 5 * HOUR, participant: 'siam-wallet', corridor: 'TH-CN', direction: 'inbound', amount: '11.25', currency: 'CNY', usd: '1.58' });
tx({ at: TODAY - 2 * DAY + 5 * HOUR, participant: 'panda-wallet', corridor: 'CN-SG', direction: 'outbound', amount: '20.00', currency: 'SGD', usd: '14.93', settle: '106.27', settleCurrency: 'CNY' });
tx({ at: TODAY - 6 * DAY + HOUR, participant: 'merlion-pay', corridor: 'SG-CN', direction: 'inbound', amount: '300.00', currency: 'CNY', usd: '42.13' });
tx({ at: TODAY - 3 * DAY, participant: 'siam-wallet', corridor: 'TH-CN', direction: 'inbound', amount: '5.00', currency: 'CNY', usd: '0.70', type: 'refund' });
// Outside any 7-day window the runs can resolve: ten days back, and the day after tomorrow.
tx({ at: TODAY - 10 * DAY, participant: 'siam-wallet', corridor: 'TH-CN', direction: 'inbound', amount: '999.00', currency: 'CNY', usd: '140.31' });
tx({ at: TODAY + 2 * DAY, participant: 'hangang-pay', corridor: 'KR-CN', direction: 'inbound', amount: '777.00', currency: 'CNY', usd: '109.13' });

const at = (r: TransactionRow) => Date.parse(`${r.received_at.replace(' ', 'T')}Z`);
const units4 = (s: string) => Math.round(Number(s) * 10_000);
const fmt4 = (units: number) => (units / 10_000).toFixed(4);

/** corridor-flows with timezone UTC, computed from the seed for the window [from, to). */
function expectCorridorFlows(from: number, to: number): string[][] {
  const groups = new Map<string, TransactionRow[]>();
  for (const r of transactions) {
    if (r.message_type !== 'payment' || at(r) < from || at(r) >= to) continue;
    const key = [new Date(at(r)).toISOString().slice(0, 10), r.corridor, r.direction, r.currency, r.settlement_currency].join('|');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const sum = (rows: TransactionRow[], f: (r: TransactionRow) => string) => fmt4(rows.reduce((a, r) => a + units4(f(r)), 0));
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, rows]) => {
      const approved = rows.filter((r) => r.status === 'APPROVED');
      return [
        ...key.split('|'), String(rows.length), String(approved.length), String(rows.filter((r) => r.status === 'DECLINED').length),
        sum(approved, (r) => r.amount), sum(approved, (r) => r.settlement_amount), sum(approved, (r) => r.amount_usd),
      ];
    });
}
const CORRIDOR_COLUMNS = ['day', 'corridor', 'direction', 'currency', 'settlement_currency', 'payments', 'approved', 'declined', 'amount', 'settlement_amount', 'amount_usd'];
/** Decimal columns to 4 places, whatever trailing zeros ClickHouse printed. */
const normaliseCorridorRecord = (record: string[]) => record.map((v, i) => (i >= 8 ? Number(v).toFixed(4) : v));

/** RFC 4180 records (CRLF, quoted fields). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i++; }
    else field += c;
  }
  if (field !== '' || record.length > 0) { record.push(field); records.push(record); }
  return records;
}

/** A GET over HTTP with the path sent byte for byte as given. */
function rawGet(port: number, url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'GET', path: url, headers: { authorization: `Bearer ${token}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });
}

// ---------------------------------------------------------------------------------------

describe('scheduled reports', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-sched-'));
  const reportsDir = path.join(dataDir, 'reports');
  const secret = `secret-${randomUUID()}`;
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let connection: Redis;
  let eventsConnection: Redis;
  let queue: Queue;
  let events: QueueEvents;
  const progress = new Map<string, string[]>();
  const tokens: Record<string, string> = {};

  // Files planted before start: past retention (and must go), within it (and must stay).
  const restoredDir = path.join(reportsDir, 'restored');
  const staleAtStart = `corridor-flows-${stamp(Date.now() - 40 * DAY)}.csv`;
  const keptAtStart = `corridor-flows-${stamp(Date.now() - 2 * DAY)}.csv`;
  const orphanAtStart = `corridor-flows-${stamp(Date.now() - 35 * DAY)}.csv`;

  const api = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, role: string | undefined, payload?: unknown) =>
    platform.app.inject({ method, url, ...(role ? { headers: { authorization: `Bearer ${tokens[role]}` } } : {}), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const sidecarOf = (scheduleId: string, file: string) => JSON.parse(readFileSync(path.join(reportsDir, scheduleId, `${file}.meta.json`), 'utf8'));
  const schedulerKeys = async () => (await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort();
  const audit = async (where: string, params: Record<string, unknown> = {}) =>
    (await (await platform.clickhouse.client.query({
      query: `SELECT actor, actor_role, action, target, outcome, details FROM cpg.audit_log WHERE ${where} ORDER BY at`,
      query_params: params,
      format: 'JSONEachRow',
    })).json<{ actor: string; actor_role: string; action: string; target: string; outcome: string; details: string }>());

  async function finished(jobId: string, role = 'compliance') {
    return eventually(async () => (await api('GET', `/v1/jobs/${jobId}`, role)).json(), (j) => j.state === 'completed' || j.state === 'failed', 60_000);
  }

  function plantFile(dir: string, name: string, sidecar: boolean, mtime?: number) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, name), 'day,corridor\r\n');
    if (sidecar) writeFileSync(path.join(dir, `${name}.meta.json`), JSON.stringify({ report: 'corridor-flows', format: 'csv', rows: 0, elapsedMs: 1, params: {}, trigger: 'cron', createdAt: new Date(mtime ?? Date.now()).toISOString() }));
    if (mtime !== undefined) utimesSync(path.join(dir, name), mtime / 1000, mtime / 1000);
  }

  beforeAll(async () => {
    // The platform's Redis, before the platform: a stored schedule BullMQ has never heard of,
    // and a BullMQ job scheduler no schedule stands for.
    const redisServer = await startRedisServer({ dir: path.join(dataDir, 'redis') });
    const seed = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    await seed.hset(SCHEDULES_KEY, 'restored', JSON.stringify({
      id: 'restored', report: 'participant-activity', params: { window: { lastDays: 1 } }, format: 'json', cron: '30 2 * * *', timezone: 'Asia/Shanghai',
      createdBy: 'compliance', createdAt: '2025-01-01T00:00:00.000Z', updatedBy: 'compliance', updatedAt: '2025-01-01T00:00:00.000Z',
    }));
    const stray = new Queue(QUEUE, { connection: seed });
    await stray.upsertJobScheduler('stray', { pattern: '0 0 * * *' }, { name: 'report', data: { scheduleId: 'stray', trigger: 'cron' } });
    await stray.close();
    await seed.quit();
    await redisServer.stop();

    plantFile(restoredDir, staleAtStart, true);
    plantFile(restoredDir, keptAtStart, true);
    plantFile(restoredDir, orphanAtStart, false);
    writeFileSync(path.join(restoredDir, '.left-over.tmp'), 'half a report');
    utimesSync(path.join(restoredDir, '.left-over.tmp'), (Date.now() - 2 * DAY) / 1000, (Date.now() - 2 * DAY) / 1000);
    writeFileSync(path.join(dataDir, 'secret.txt'), secret);

    platform = await startTestPlatform({ DATA_DIR: dataDir });
    await platform.clickhouse.client.insert({
      table: 'cpg.transactions', values: transactions, format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: `sched-test-${randomUUID()}` },
    });
    for (const user of devCredentials().users) {
      const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } });
      tokens[user.role] ??= r.json().token as string;
    }
    connection = new Redis(platform.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE, { connection });
    eventsConnection = connection.duplicate();
    events = new QueueEvents(QUEUE, { connection: eventsConnection });
    events.on('progress', ({ jobId, data }) => {
      const stage = (data as { stage?: string }).stage ?? '?';
      const seen = progress.get(jobId) ?? [];
      if (seen.at(-1) !== stage) seen.push(stage);
      progress.set(jobId, seen);
    });
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await events?.close();
    await eventsConnection?.quit();
    await queue?.close();
    await connection?.quit();
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('at start, mirrors every stored schedule to a BullMQ job scheduler and removes schedulers without a schedule', async () => {
    expect(await schedulerKeys()).toEqual(['restored']);
    const restored = await queue.getJobScheduler('restored');
    expect(restored).toMatchObject({ pattern: '30 2 * * *', tz: 'Asia/Shanghai', template: { data: { scheduleId: 'restored', trigger: 'cron' } } });
    const list = (await api('GET', '/v1/report-schedules', 'risk_officer')).json().schedules;
    expect(list.map((s: { id: string }) => s.id)).toEqual(['restored']);
    expect(list[0].nextRunAt).toBe(new Date(restored!.next!).toISOString());
  });

  it('at start, deletes report files past retention, their sidecars, orphans and stale temporary files', async () => {
    expect(existsSync(path.join(restoredDir, staleAtStart))).toBe(false);
    expect(existsSync(path.join(restoredDir, `${staleAtStart}.meta.json`))).toBe(false);
    expect(existsSync(path.join(restoredDir, orphanAtStart))).toBe(false);
    expect(existsSync(path.join(restoredDir, '.left-over.tmp'))).toBe(false);
    expect(existsSync(path.join(restoredDir, keptAtStart))).toBe(true);
    const rows = await eventually(() => audit(`action = 'report.file.expire'`), (r) => r.length >= 1, 5000);
    expect(rows[0]).toMatchObject({ actor: 'system:retention', outcome: 'ok' });
    expect(JSON.parse(rows[0]!.details).files).toEqual(expect.arrayContaining([`restored/${staleAtStart}`, `restored/${orphanAtStart}`]));
  });

  describe('a CSV schedule of corridor flows over the last 7 UTC days', () => {
    const id = 'daily-corridors';
    const body = { report: 'corridor-flows', params: { window: { lastDays: 7 }, timezone: 'UTC' }, format: 'csv', cron: '0 6 * * *', timezone: 'UTC' };
    let jobId = '';
    let result: Record<string, any>;
    const oldFile = `corridor-flows-${stamp(Date.now() - 31 * DAY)}.csv`;
    const recentFile = `corridor-flows-${stamp(Date.now() - 29 * DAY)}.csv`;

    it('is created through the API, stored and mirrored to a BullMQ job scheduler with its cron and zone', async () => {
      const created = await api('PUT', `/v1/report-schedules/${id}`, 'compliance', body);
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().schedule).toMatchObject({ id, report: 'corridor-flows', params: body.params, format: 'csv', cron: '0 6 * * *', timezone: 'UTC', createdBy: 'compliance' });
      const scheduler = await queue.getJobScheduler(id);
      expect(scheduler).toMatchObject({ pattern: '0 6 * * *', tz: 'UTC', template: { data: { scheduleId: id, trigger: 'cron' } } });
      // Fires at the next 06:00 UTC after it was saved.
      const saved = Date.parse(created.json().schedule.updatedAt);
      const sixToday = utcDay(saved) + 6 * HOUR;
      expect(scheduler!.next).toBe(sixToday > saved ? sixToday : sixToday + DAY);

      // Replacing it keeps who created it and when.
      const replaced = await api('PUT', `/v1/report-schedules/${id}`, 'admin', { ...body, cron: '0  6 * * *' });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json().schedule).toMatchObject({ createdBy: 'compliance', createdAt: created.json().schedule.createdAt, updatedBy: 'admin', cron: '0 6 * * *' });
      const list = (await api('GET', '/v1/report-schedules', 'compliance')).json().schedules;
      expect(list.find((s: { id: string }) => s.id === id)).toMatchObject({ report: 'corridor-flows', nextRunAt: new Date(scheduler!.next!).toISOString() });
    });

    it('runs now through the worker, with progress through every stage, and writes the file and its sidecar', async () => {
      // Planted before the run: one past the 30 days of retention, one within them.
      plantFile(path.join(reportsDir, id), oldFile, true, Date.now() - 31 * DAY);
      plantFile(path.join(reportsDir, id), recentFile, true, Date.now() - 29 * DAY);

      const queued = await api('POST', `/v1/report-schedules/${id}/run`, 'compliance');
      expect(queued.statusCode, queued.body).toBe(202);
      jobId = queued.json().jobId;
      expect(jobId).toMatch(/^report-[0-9a-f-]{36}$/);
      const job = await finished(jobId);
      expect(job, JSON.stringify(job)).toMatchObject({ id: jobId, kind: 'report', state: 'completed' });
      result = job.result;

      // The window: the 7 whole UTC days before the run was asked for.
      const to = utcDay(Date.parse(job.createdAt));
      const sidecar = sidecarOf(id, result.file);
      expect(sidecar.params).toMatchObject({ from: new Date(to - 7 * DAY).toISOString(), to: new Date(to).toISOString(), timezone: 'UTC', limit: 10_000 });
      expect(sidecar).toMatchObject({ report: 'corridor-flows', format: 'csv', trigger: 'manual', jobId, schedule: { id, cron: '0 6 * * *', timezone: 'UTC', window: { lastDays: 7 } } });

      const expected = expectCorridorFlows(to - 7 * DAY, to);
      expect(expected.length).toBeGreaterThanOrEqual(3);
      const file = path.join(reportsDir, id, result.file);
      expect(result.file).toMatch(/^corridor-flows-\d{8}T\d{9}Z\.csv$/);
      const [header, ...records] = parseCsv(readFileSync(file, 'utf8'));
      expect(header).toEqual(CORRIDOR_COLUMNS);
      expect(records.map(normaliseCorridorRecord)).toEqual(expected);
      expect(result).toMatchObject({ scheduleId: id, report: 'corridor-flows', format: 'csv', rows: expected.length, bytes: statSync(file).size, download: `/v1/report-files/${id}/${result.file}` });
      expect(sidecar).toMatchObject({ rows: expected.length, bytes: statSync(file).size });
      expect(typeof sidecar.elapsedMs).toBe('number');

      // The same rows as the JSON report for the same resolved window.
      const json = await api('POST', '/v1/reports/corridor-flows', 'compliance', { params: sidecar.params, format: 'json' });
      expect(json.statusCode).toBe(200);
      const asText = (v: unknown) => (v === null ? '' : String(v));
      expect(records).toEqual(json.json().rows.map((row: Record<string, unknown>) => CORRIDOR_COLUMNS.map((c) => asText(row[c]))));

      expect(job.progress).toEqual({ stage: 'done', processed: 3, total: 3, rows: expected.length, bytes: statSync(file).size });
      const stages = await eventually(async () => progress.get(jobId) ?? [], (seen) => seen.at(-1) === 'done', 5000);
      expect(stages).toEqual(['resolving', 'querying', 'writing', 'done']);
      // No temporary file is left next to it.
      expect(readFileSync(path.join(reportsDir, id, `${result.file}.meta.json`), 'utf8')).toContain(result.file);
    });

    it('deletes files past retention after the run and keeps the rest', () => {
      expect(existsSync(path.join(reportsDir, id, oldFile))).toBe(false);
      expect(existsSync(path.join(reportsDir, id, `${oldFile}.meta.json`))).toBe(false);
      expect(existsSync(path.join(reportsDir, id, recentFile))).toBe(true);
    });

    it('writes the run to the audit log as scheduler:<id>, and the run-now request as the operator', async () => {
      const runs = await eventually(() => audit(`action = 'report.run' AND actor = {a:String}`, { a: `scheduler:${id}` }), (r) => r.length >= 1, 5000);
      expect(runs[0]).toMatchObject({ actor_role: 'scheduler', target: 'report:corridor-flows', outcome: 'ok' });
      expect(JSON.parse(runs[0]!.details)).toMatchObject({ scheduleId: id, trigger: 'manual', jobId, requestedBy: 'compliance', format: 'csv', rows: result.rows, bytes: result.bytes, file: result.file, params: { timezone: 'UTC' } });
      const requested = await eventually(() => audit(`action = 'report.schedule.run' AND target = {t:String}`, { t: `schedule:${id}` }), (r) => r.length >= 1, 5000);
      expect(requested[0]).toMatchObject({ actor: 'compliance', outcome: 'ok' });
      expect(JSON.parse(requested[0]!.details)).toEqual({ jobId });
      const puts = await eventually(() => audit(`action = 'report.schedule.put' AND target = {t:String} AND outcome = 'ok'`, { t: `schedule:${id}` }), (r) => r.length >= 2, 5000);
      expect(puts.map((p) => p.actor)).toEqual(['compliance', 'admin']);
      expect(JSON.parse(puts[0]!.details)).toMatchObject({ created: true, schedule: { id, cron: '0 6 * * *' } });
    });

    it('lists the file with its size, rows, schedule, report and time, newest first, and downloads it byte for byte', async () => {
      const files = (await api('GET', '/v1/report-files', 'risk_officer')).json().files as Array<Record<string, any>>;
      const mine = files.find((f) => f.file === result.file)!;
      expect(mine).toMatchObject({ scheduleId: id, report: 'corridor-flows', format: 'csv', rows: result.rows, bytes: result.bytes, trigger: 'manual', createdAt: result.createdAt });
      const times = files.map((f) => f.createdAt);
      expect(times).toEqual([...times].sort().reverse());
      expect(files.map((f) => f.file)).toContain(recentFile);
      expect(files.map((f) => f.file)).toContain(keptAtStart);
      const onlyMine = (await api('GET', `/v1/report-files?scheduleId=${id}`, 'compliance')).json().files as Array<{ scheduleId: string }>;
      expect(new Set(onlyMine.map((f) => f.scheduleId))).toEqual(new Set([id]));

      const download = await api('GET', `/v1/report-files/${id}/${result.file}`, 'risk_officer');
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(download.headers['content-disposition']).toBe(`attachment; filename="${result.file}"`);
      expect(Buffer.compare(download.rawPayload, readFileSync(path.join(reportsDir, id, result.file)))).toBe(0);
      const downloads = await eventually(() => audit(`action = 'report.file.download' AND outcome = 'ok'`), (r) => r.length >= 1, 5000);
      expect(downloads[0]).toMatchObject({ actor: 'risk.officer', target: `report-file:${id}/${result.file}` });
    });

    it('runs when its cron fires: the job the scheduler queued, promoted, resolves the window at its fire time', async () => {
      const delayed = (await queue.getDelayed()).find((j) => j.id?.startsWith(`repeat:${id}:`));
      expect(delayed, 'the scheduler queued its next run').toBeDefined();
      const firesAt = delayed!.opts.prevMillis!;
      expect(new Date(firesAt).toISOString().slice(11)).toBe('06:00:00.000Z');
      await delayed!.promote();
      const done = await eventually(async () => {
        // The state first, then the job: read the other way round, a job finishing in between
        // reads as completed without its return value.
        const state = await queue.getJobState(delayed!.id!);
        const job = await Job.fromId(queue, delayed!.id!);
        return { state, value: job!.returnvalue as Record<string, any> | null, failed: job!.failedReason };
      }, (j) => j.state === 'completed' || j.state === 'failed', 60_000);
      expect(done.state, done.failed).toBe('completed');
      const sidecar = sidecarOf(id, done.value!.file);
      const to = utcDay(firesAt);
      expect(sidecar).toMatchObject({ trigger: 'cron', params: { from: new Date(to - 7 * DAY).toISOString(), to: new Date(to).toISOString() } });
      const [, ...records] = parseCsv(readFileSync(path.join(reportsDir, id, done.value!.file), 'utf8'));
      expect(records.map(normaliseCorridorRecord)).toEqual(expectCorridorFlows(to - 7 * DAY, to));
      const cronRuns = await eventually(() => audit(`action = 'report.run' AND actor = {a:String} AND JSONExtractString(details, 'trigger') = 'cron'`, { a: `scheduler:${id}` }), (r) => r.length >= 1, 5000);
      expect(cronRuns[0]!.outcome).toBe('ok');
    });

    it('refuses path traversal and every name it did not list, with a code, reading nothing', async () => {
      // A link named like a report file, with a sidecar, pointing at a secret: never served.
      const linkName = `corridor-flows-${stamp(Date.UTC(2099, 0, 1))}.csv`;
      symlinkSync(path.join(dataDir, 'secret.txt'), path.join(reportsDir, id, linkName));
      writeFileSync(path.join(reportsDir, id, `${linkName}.meta.json`), JSON.stringify({ report: 'corridor-flows', format: 'csv', rows: 1, elapsedMs: 1, params: {}, trigger: 'cron', createdAt: '2099-01-01T00:00:00.000Z' }));
      const probes: Array<[string, number, string]> = [
        [`/v1/report-files/${id}/..%2F..%2Fsecret.txt`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/%2e%2e%2f%2e%2e%2fsecret.txt`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/..%5C..%5Csecret.txt`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/..`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/.`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/%2e%2e`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/%2F${encodeURIComponent(path.join(dataDir, 'secret.txt').slice(1))}`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}%2F..%2F..%2F/secret.txt`, 400, 'SCHEDULE_ID_INVALID'],
        [`/v1/report-files/..%2F..%2F${id}/${result.file}`, 400, 'SCHEDULE_ID_INVALID'],
        [`/v1/report-files/%2Fetc/passwd`, 400, 'SCHEDULE_ID_INVALID'],
        [`/v1/report-files/..%2Fsecret.txt/${result.file}`, 400, 'SCHEDULE_ID_INVALID'],
        [`/v1/report-files/${id}/${result.file}%00`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/${result.file}%00.csv`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/${result.file}.meta.json`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/${result.file.toUpperCase()}`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/%20${result.file}`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files/${id}/corridor-flows-20990101T000000000Z.parquet`, 404, 'REPORT_FILE_NOT_FOUND'],
        [`/v1/report-files/restored/${result.file}`, 404, 'REPORT_FILE_NOT_FOUND'],
        [`/v1/report-files/no-such-schedule/${result.file}`, 404, 'REPORT_FILE_NOT_FOUND'],
        [`/v1/report-files/${id}/${linkName}`, 404, 'REPORT_FILE_NOT_FOUND'],
        [`/v1/report-files/${id}/${'a'.repeat(150)}-20990101T000000000Z.csv`, 414, 'URL_TOO_LONG'],
        [`/v1/report-files/${id}/${'a'.repeat(5000)}`, 414, 'URL_TOO_LONG'],
        [`/v1/report-files/${id}/%E0%A4%A`, 400, 'URL_INVALID'],
        [`/v1/report-files/../secret.txt`, 400, 'SCHEDULE_ID_INVALID'],
        [`/v1/report-files/${id}/../../secret.txt`, 404, 'NOT_FOUND'],
        [`/v1/report-files/${id}/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd`, 400, 'REPORT_FILE_NAME_INVALID'],
        [`/v1/report-files//${path.join(dataDir, 'secret.txt')}`, 404, 'NOT_FOUND'],
      ];
      // Over a real socket: the path goes out exactly as written (inject would resolve dot segments first).
      await platform.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = platform.app.server.address() as AddressInfo;
      for (const [url, status, code] of probes) {
        const r = await rawGet(port, url, tokens.compliance!);
        expect([r.status, JSON.parse(r.body).error?.code], url).toEqual([status, code]);
        expect(r.body, url).not.toContain(secret);
      }
      const listed = (await api('GET', '/v1/report-files', 'compliance')).json().files as Array<{ file: string }>;
      expect(listed.map((f) => f.file)).not.toContain(linkName);
      const denied = await eventually(() => audit(`action = 'report.file.download' AND outcome = 'denied'`), (r) => r.length >= 15, 5000);
      expect(new Set(denied.map((d) => JSON.parse(d.details).error))).toEqual(new Set(['REPORT_FILE_NAME_INVALID', 'SCHEDULE_ID_INVALID', 'REPORT_FILE_NOT_FOUND']));
      const badQuery = await api('GET', '/v1/report-files?scheduleId=..%2F..', 'compliance');
      expect([badQuery.statusCode, badQuery.json().error.code]).toEqual([400, 'SCHEDULE_ID_INVALID']);
    });
  });

  it('writes Parquet and JSON schedules with their content types, byte-equal downloads and the rows of the JSON report', async () => {
    for (const [id, format, type] of [['activity-parquet', 'parquet', 'application/vnd.apache.parquet'], ['activity-json', 'json', 'application/json; charset=utf-8']] as const) {
      const put = await api('PUT', `/v1/report-schedules/${id}`, 'admin', { report: 'participant-activity', params: { window: { lastHours: 7 * 24 } }, format, cron: '15 */4 * * 1-5', timezone: 'Asia/Shanghai' });
      expect(put.statusCode, put.body).toBe(201);
      const { jobId } = (await api('POST', `/v1/report-schedules/${id}/run`, 'admin')).json();
      const job = await finished(jobId, 'risk_officer');
      expect(job.state, job.error).toBe('completed');
      const sidecar = sidecarOf(id, job.result.file);
      // Seven times 24 whole hours before the request (Beijing hours are UTC hours).
      const to = Math.floor(Date.parse(job.createdAt) / HOUR) * HOUR;
      expect(sidecar.params).toMatchObject({ from: new Date(to - 7 * DAY).toISOString(), to: new Date(to).toISOString() });
      const expectedParticipants = new Set(transactions.filter((r) => at(r) >= to - 7 * DAY && at(r) < to).map((r) => r.participant));
      expect(job.result.rows).toBe(expectedParticipants.size);
      const report = (await api('POST', '/v1/reports/participant-activity', 'compliance', { params: sidecar.params })).json();
      expect(report.rows.map((r: { participant: string }) => r.participant)).toEqual([...expectedParticipants].sort());

      const file = path.join(reportsDir, id, job.result.file);
      const download = await api('GET', `/v1/report-files/${id}/${job.result.file}`, 'compliance');
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toBe(type);
      expect(Buffer.compare(download.rawPayload, readFileSync(file))).toBe(0);
      if (format === 'parquet') {
        expect(download.rawPayload.subarray(0, 4).toString('latin1')).toBe('PAR1');
        const back = await (await platform.clickhouse.client.query({ query: 'SELECT participant FROM file({f:String}, Parquet) ORDER BY participant', query_params: { f: file }, format: 'JSONEachRow' })).json<{ participant: string }>();
        expect(back.map((r) => r.participant)).toEqual([...expectedParticipants].sort());
      } else {
        const body = JSON.parse(download.body);
        expect(body.columns.map((c: { name: string }) => c.name)).toEqual(report.columns.map((c: { name: string }) => c.name));
        expect(body.rows).toEqual(report.rows);
      }
    }
  });

  it('refuses an invalid cron, an unknown report, bad parameters, a bad window, time zone or id with 400 and a code naming the field', async () => {
    const good = { report: 'corridor-flows', params: { window: { lastDays: 7 } }, format: 'csv', cron: '0 6 * * *', timezone: 'UTC' };
    const before = await schedulerKeys();
    const cases: Array<[string, Record<string, unknown>, string, string | undefined]> = [
      ['bad-cron-1', { ...good, cron: '61 * * * *' }, 'SCHEDULE_CRON_INVALID', '/cron'],
      ['bad-cron-2', { ...good, cron: 'every day at six' }, 'SCHEDULE_CRON_INVALID', '/cron'],
      ['bad-cron-3', { ...good, cron: '*/5 * * * * *' }, 'SCHEDULE_CRON_INVALID', '/cron'],
      ['bad-cron-4', { ...good, cron: '0 0 31 2 *' }, 'SCHEDULE_CRON_INVALID', '/cron'],
      ['bad-cron-5', { ...good, cron: '0 6 * * *; rm -rf /' }, 'SCHEDULE_CRON_INVALID', '/cron'],
      ['bad-report', { ...good, report: 'no-such-report' }, 'SCHEDULE_REPORT_UNKNOWN', '/report'],
      ['bad-param-1', { ...good, params: { window: { lastDays: 7 }, timezone: 'Mars/Olympus' } }, 'SCHEDULE_PARAMS_INVALID', '/params/timezone'],
      ['bad-param-2', { ...good, params: { window: { lastDays: 7 }, favourite: 'colour' } }, 'SCHEDULE_PARAMS_INVALID', '/params/favourite'],
      ['bad-param-3', { ...good, params: { window: { lastDays: 7 }, limit: 0 } }, 'SCHEDULE_PARAMS_INVALID', '/params/limit'],
      ['bad-param-4', { ...good, params: { window: { lastDays: 7 }, from: '2025-01-01T00:00:00Z' } }, 'SCHEDULE_PARAMS_INVALID', '/params/from'],
      ['bad-window-1', { ...good, params: {} }, 'SCHEDULE_WINDOW_INVALID', '/params/window'],
      ['bad-window-2', { ...good, params: { window: { lastWeeks: 1 } } }, 'SCHEDULE_WINDOW_INVALID', '/params/window'],
      ['bad-window-3', { ...good, params: { window: { lastDays: 0 } } }, 'SCHEDULE_WINDOW_INVALID', '/params/window'],
      ['bad-window-4', { ...good, params: { window: { lastDays: 1, lastHours: 2 } } }, 'SCHEDULE_WINDOW_INVALID', '/params/window'],
      // velocity-breaches covers at most 31 days.
      ['bad-window-5', { ...good, report: 'velocity-breaches', params: { window: { lastDays: 40 } } }, 'SCHEDULE_WINDOW_INVALID', '/params/window'],
      ['bad-zone', { ...good, timezone: 'Mars/Olympus' }, 'SCHEDULE_TIMEZONE_INVALID', '/timezone'],
      ['Bad_Id', good, 'SCHEDULE_ID_INVALID', undefined],
      ['-leading-dash', good, 'SCHEDULE_ID_INVALID', undefined],
      ['%2E%2E%2Fescape', good, 'SCHEDULE_ID_INVALID', undefined],
      ['bad-format', { ...good, format: 'xlsx' }, 'VALIDATION_FAILED', undefined],
      ['bad-extra', { ...good, owner: 'me' }, 'VALIDATION_FAILED', undefined],
    ];
    for (const [id, payload, code, pointer] of cases) {
      const r = await api('PUT', `/v1/report-schedules/${id}`, 'compliance', payload);
      expect([r.statusCode, r.json().error.code], id).toEqual([400, code]);
      if (pointer) expect(r.json().error.path, id).toBe(pointer);
    }
    expect(await schedulerKeys()).toEqual(before);
    const ids = (await api('GET', '/v1/report-schedules', 'compliance')).json().schedules.map((s: { id: string }) => s.id);
    expect(ids.filter((i: string) => i.startsWith('bad-'))).toEqual([]);
    expect(existsSync(path.join(dataDir, 'escape'))).toBe(false);
    const denied = await eventually(() => audit(`action = 'report.schedule.put' AND outcome = 'denied'`), (r) => r.length >= 19, 5000);
    expect(denied.map((d) => JSON.parse(d.details).error)).toContain('SCHEDULE_CRON_INVALID');
  });

  it('lets compliance, risk officers and admins read; only compliance and admins change or run; nobody else', async () => {
    for (const role of ['compliance', 'risk_officer', 'admin']) {
      expect((await api('GET', '/v1/report-schedules', role)).statusCode, role).toBe(200);
      expect((await api('GET', '/v1/report-files', role)).statusCode, role).toBe(200);
    }
    const put = { report: 'corridor-flows', params: { window: { lastDays: 1 } }, cron: '0 1 * * *' };
    for (const role of ['risk_officer', 'participant_analyst']) {
      for (const [method, url, payload] of [
        ['PUT', '/v1/report-schedules/by-someone-else', put],
        ['DELETE', '/v1/report-schedules/daily-corridors', undefined],
        ['POST', '/v1/report-schedules/daily-corridors/run', undefined],
      ] as const) {
        const r = await api(method, url, role, payload);
        expect([r.statusCode, r.json().error.code], `${role} ${method} ${url}`).toEqual([403, 'FORBIDDEN_ROLE']);
      }
    }
    for (const url of ['/v1/report-schedules', '/v1/report-files', '/v1/report-files/daily-corridors/corridor-flows-20990101T000000000Z.csv']) {
      const analyst = await api('GET', url, 'participant_analyst');
      expect([analyst.statusCode, analyst.json().error.code], url).toEqual([403, 'FORBIDDEN_ROLE']);
      const anonymous = await api('GET', url, undefined);
      expect([anonymous.statusCode, anonymous.json().error.code], url).toEqual([401, 'AUTH_TOKEN_MISSING']);
    }
    expect(await schedulerKeys()).not.toContain('by-someone-else');
    // A report job is read by the roles that read reports; an analyst gets the 404 of an unknown job.
    const { jobId } = (await api('POST', '/v1/report-schedules/daily-corridors/run', 'admin')).json();
    await finished(jobId);
    for (const role of ['compliance', 'risk_officer', 'admin']) expect((await api('GET', `/v1/jobs/${jobId}`, role)).statusCode, role).toBe(200);
    const analyst = await api('GET', `/v1/jobs/${jobId}`, 'participant_analyst');
    expect([analyst.statusCode, analyst.json().error.code]).toEqual([404, 'JOB_NOT_FOUND']);
  });

  it('documents every route in the OpenAPI document', async () => {
    const openapi = (await platform.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(openapi.paths['/v1/report-schedules/{id}'])).toEqual(expect.arrayContaining(['put', 'delete']));
    expect(openapi.paths['/v1/report-schedules/{id}/run'].post.responses).toHaveProperty('202');
    expect(Object.keys(openapi.paths['/v1/report-files/{scheduleId}/{file}'].get.responses['200'].content)).toEqual(['text/csv', 'application/vnd.apache.parquet', 'application/json']);
    expect(openapi.paths['/v1/report-files'].get.security).toEqual([{ operatorToken: [] }]);
  });

  it('deletes a schedule with its BullMQ job scheduler, audited; its files stay until retention', async () => {
    const id = 'daily-corridors';
    const filesBefore = (await api('GET', `/v1/report-files?scheduleId=${id}`, 'compliance')).json().files.length;
    expect(await schedulerKeys()).toContain(id);
    const r = await api('DELETE', `/v1/report-schedules/${id}`, 'compliance');
    expect(r.statusCode).toBe(200);
    expect(r.json().deleted).toMatchObject({ id, report: 'corridor-flows' });
    expect(await schedulerKeys()).not.toContain(id);
    expect((await queue.getDelayed()).filter((j) => j.id?.startsWith(`repeat:${id}:`))).toEqual([]);
    expect((await api('GET', '/v1/report-schedules', 'compliance')).json().schedules.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await api('GET', `/v1/report-files?scheduleId=${id}`, 'compliance')).json().files.length).toBe(filesBefore);
    const again = await api('DELETE', `/v1/report-schedules/${id}`, 'compliance');
    expect([again.statusCode, again.json().error.code]).toEqual([404, 'SCHEDULE_NOT_FOUND']);
    const run = await api('POST', `/v1/report-schedules/${id}/run`, 'compliance');
    expect([run.statusCode, run.json().error.code]).toEqual([404, 'SCHEDULE_NOT_FOUND']);
    const rows = await eventually(() => audit(`action = 'report.schedule.delete' AND target = {t:String}`, { t: `schedule:${id}` }), (x) => x.length >= 2, 5000);
    expect(rows.map((x) => [x.actor, x.outcome])).toEqual([['compliance', 'ok'], ['compliance', 'denied']]);
  });
});
