import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_QUEUE, MONITOR_SCHEDULER, type MonitorJobResult } from '../analytics/monitors/monitor-job.ts';
import type { MonitorRunResult } from '../analytics/monitors/judge-minute.ts';
import { DEFAULT_MONITORS } from '../analytics/monitors/monitor-config.ts';
import { validateConfigFile } from '../server/config/load.ts';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';
import { eventually, scalar } from './support/traffic.ts';

/**
 * The minute monitors against the real platform: per-minute aggregates seeded into
 * ClickHouse, the job run through its BullMQ queue, alerts read back over REST and
 * socket.io. Expected scores are computed here, from the seeded counts, with this file's
 * own statistics.
 */

// The judged minutes: three hours back, so the live scheduler (judging the real last
// minute every minute meanwhile) never looks at a seeded window.
const M = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3600_000;
const M1 = M + 60_000;
const DAY = 86_400_000;

interface Count {
  payments: number;
  declined: number;
}
interface Subject {
  corridor: string;
  participant: string;
  historyDays: number;
  /** Payments and declines on day d before, k minutes from the judged minute's time of day. */
  usual(d: number, k: number): Count;
  /** The judged minutes. */
  minutes: Map<number, Count>;
}

// Usual minutes vary by up to 10 either way: spread enough that the standard deviation and the
// MAD, not the Poisson floor, set the scale.
const mod = (a: number, n: number) => ((a % n) + n) % n;
const steady = (base: number, declines: (d: number, k: number) => number) => (d: number, k: number) => ({
  payments: base + mod(d * 7 + k * 3, 21) - 10,
  declined: declines(d, k),
});
const sometimes = (d: number, k: number) => ((d + k) % 3 === 0 ? 1 : 0);

const SUBJECTS: Record<string, Subject> = {
  // Five times its usual volume, twice over.
  surge: { corridor: 'TH-CN', participant: 'siam-wallet', historyDays: 14, usual: steady(20, sometimes), minutes: new Map([[M, { payments: 100, declined: 1 }], [M1, { payments: 110, declined: 1 }]]) },
  // A usual minute, twice.
  usual: { corridor: 'SG-CN', participant: 'merlion-pay', historyDays: 14, usual: steady(20, sometimes), minutes: new Map([[M, { payments: 21, declined: 1 }], [M1, { payments: 19, declined: 0 }]]) },
  // A surge, but three days of history (183 minutes) is under minHistoryPoints.
  young: { corridor: 'KR-CN', participant: 'hangang-pay', historyDays: 3, usual: steady(20, sometimes), minutes: new Map([[M, { payments: 100, declined: 50 }], [M1, { payments: 100, declined: 50 }]]) },
  // Usual volume, half of it declined; then a usual minute.
  declines: { corridor: 'CN-SG', participant: 'panda-wallet', historyDays: 14, usual: steady(40, (d, k) => mod(d * 5 + k, 5)), minutes: new Map([[M, { payments: 40, declined: 20 }], [M1, { payments: 40, declined: 1 }]]) },
};

const clickhouseMinute = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function aggregateRows(s: Subject, minute: number, c: Count) {
  const row = (decision: string, status: string, messages: number) => ({
    minute: clickhouseMinute(minute), participant: s.participant, corridor: s.corridor, decision, status,
    message_type: 'payment', messages, amount_usd: (messages * 12.5).toFixed(4), max_risk_score: 100,
  });
  return [row('approve', 'APPROVED', c.payments - c.declined), ...(c.declined > 0 ? [row('decline', 'DECLINED', c.declined)] : [])];
}

// --- this file's own statistics -------------------------------------------------------------
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = avg(xs);
  return Math.sqrt(avg(xs.map((x) => (x - m) ** 2)));
};
const mid = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const madOf = (xs: number[]) => {
  const m = mid(xs);
  return mid(xs.map((x) => Math.abs(x - m)));
};

interface Expected {
  metric: 'volume' | 'declineRate';
  zScore: number;
  robustScore: number;
  mean: number;
  standardDeviation: number;
  mad: number;
  median: number;
  /** Whether the floor, not the history's own spread, set the z-score's scale. */
  floored: boolean;
  abnormal: boolean;
}

/** What the monitors should say about a subject's minute, by the documented rule. */
function expectedFor(s: Subject, minute: number, cfg: { historyWindowMinutes: number; minHistoryPoints: number; minVolume: number; zScoreThreshold: number; robustScoreThreshold: number }): Expected[] {
  const offset = Math.round((minute - M) / 60_000);
  const history: Count[] = [];
  for (let d = 1; d <= s.historyDays; d++) {
    for (let k = -cfg.historyWindowMinutes; k <= cfg.historyWindowMinutes; k++) history.push(s.usual(d, k + offset));
  }
  const current = s.minutes.get(minute)!;
  if (history.length < cfg.minHistoryPoints) return [];
  const judge = (metric: Expected['metric'], value: number, xs: number[], floor: number, upOnly: boolean): Expected => {
    const zScore = (value - avg(xs)) / Math.max(sd(xs), floor);
    const robustScore = (value - mid(xs)) / Math.max(1.4826 * madOf(xs), floor);
    const abnormal =
      Math.sign(zScore) === Math.sign(robustScore) && (!upOnly || zScore > 0) &&
      Math.abs(zScore) >= cfg.zScoreThreshold && Math.abs(robustScore) >= cfg.robustScoreThreshold;
    return { metric, zScore, robustScore, mean: avg(xs), standardDeviation: sd(xs), mad: madOf(xs), median: mid(xs), floored: floor > sd(xs), abnormal };
  };
  const out: Expected[] = [];
  const volumes = history.map((h) => h.payments);
  if (Math.max(current.payments, mid(volumes)) >= cfg.minVolume) {
    out.push(judge('volume', current.payments, volumes, Math.sqrt(Math.max(mid(volumes), 1)), false));
  }
  if (current.payments >= cfg.minVolume) {
    const rates = history.map((h) => h.declined / h.payments);
    const n = current.payments;
    const p = Math.min(Math.max(mid(rates), 1 / n), 1 - 1 / n);
    out.push(judge('declineRate', current.declined / n, rates, Math.sqrt((p * (1 - p)) / n), true));
  }
  return out;
}

describe('minute monitors', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  const sockets: Socket[] = [];
  const seen = { operator: [] as Array<[string, any]>, siam: [] as Array<[string, any]> };
  const tokens: Record<string, string> = {};
  let cfg: Parameters<typeof expectedFor>[2] & { settleSeconds: number };

  const tokenOf = async (username: string) => {
    const user = devCredentials().users.find((u) => u.username === username)!;
    const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: user.password } });
    return r.json().token as string;
  };
  const get = (url: string, who = 'risk.officer') => platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[who]}` } });
  const monitorAlerts = async (who = 'risk.officer') =>
    ((await get('/v1/alerts?limit=500', who)).json().alerts as any[]).filter((a) => a.kind === 'monitor');
  const trigger = async (minute: number) => (await platform.alerting.monitors!.trigger(minute)) as MonitorRunResult;

  beforeAll(async () => {
    platform = await startTestPlatform();
    // The alert-events writer is still starting when the platform returns, and a Redis command
    // of its start-up that times out (the event loop held > 1 s, as the app's first ready()
    // can) stops it for good: wait until it reads, so alert_events gets what is raised here.
    await eventually(
      async () => ((await platform.redis.xinfo('GROUPS', 'tap:alert-events').catch(() => [])) as unknown[][]).some((g) => Number(g[3]) > 0),
      (reading) => reading,
      15_000,
    );
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    cfg = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')).monitors;
    for (const u of ['risk.officer', 'siam.analyst', 'panda.analyst']) tokens[u] = await tokenOf(u);

    const rows: object[] = [];
    for (const s of Object.values(SUBJECTS)) {
      for (let d = 1; d <= s.historyDays; d++) {
        // The windows of both judged minutes: 30 minutes either side of M and of M + 1.
        for (let k = -30; k <= 31; k++) rows.push(...aggregateRows(s, M - d * DAY + k * 60_000, s.usual(d, k)));
      }
      for (const [minute, c] of s.minutes) rows.push(...aggregateRows(s, minute, c));
    }
    // Refunds are not payments: a flood of them leaves the usual corridor usual.
    rows.push({ minute: clickhouseMinute(M), participant: 'merlion-pay', corridor: 'SG-CN', decision: 'approve', status: 'APPROVED', message_type: 'refund', messages: 500, amount_usd: '1.0000', max_risk_score: 0 });
    await platform.clickhouse.client.insert({
      table: 'cpg.transactions_per_minute',
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: `monitors-seed-${randomUUID()}` },
    });

    for (const [who, into] of [['risk.officer', seen.operator], ['siam.analyst', seen.siam]] as const) {
      const socket = connect(`${base}/console`, { auth: { token: tokens[who] }, transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      socket.on('alert', (a) => into.push(['alert', a]));
      socket.on('alert:update', (a) => into.push(['alert:update', a]));
      await new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(undefined));
        socket.once('connect_error', reject);
      });
    }
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await eventually(async () => (await platform.alerting.live.io.of('/console').fetchSockets()).length, (n) => n === 0, 5000).catch(() => undefined);
    await platform?.stop();
  });

  it('registers one job scheduler that fires settleSeconds into every minute', async () => {
    const queue = new Queue(MONITOR_QUEUE, { connection: { url: platform.redisUrl } });
    try {
      await platform.alerting.monitors!.ready;
      const scheduler = await queue.getJobScheduler(MONITOR_SCHEDULER);
      expect(scheduler?.pattern).toBe(`${cfg.settleSeconds} * * * * *`);
      expect(await queue.getJobSchedulersCount()).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it('agrees with the seeded counts on what is abnormal (the premise of the tests below)', () => {
    const verdicts = (s: Subject, minute: number) => expectedFor(s, minute, cfg).filter((e) => e.abnormal).map((e) => e.metric);
    expect(verdicts(SUBJECTS.surge!, M)).toEqual(['volume']);
    expect(verdicts(SUBJECTS.surge!, M1)).toEqual(['volume']);
    expect(verdicts(SUBJECTS.usual!, M)).toEqual([]);
    expect(expectedFor(SUBJECTS.young!, M, cfg)).toEqual([]);
    expect(verdicts(SUBJECTS.declines!, M)).toEqual(['declineRate']);
    expect(verdicts(SUBJECTS.declines!, M1)).toEqual([]);
  });

  let surgeAlert: any;

  it('raises one monitor alert for a corridor at five times its usual volume, quoting its z-score and MAD', async () => {
    const result = await trigger(M);
    expect(result.minute).toBe(new Date(M).toISOString());
    // Corridor and participant of the surge, corridor and participant of the declines.
    expect(result.created).toHaveLength(4);
    expect(result.grouped).toEqual([]);

    const alerts = await monitorAlerts();
    const corridorVolume = alerts.filter((a) => a.ruleId === 'monitor.volume' && a.reasons[0].scope === 'corridor');
    expect(corridorVolume.map((a) => a.reasons[0].subject)).toEqual(['TH-CN']);
    surgeAlert = corridorVolume[0];
    const expected = expectedFor(SUBJECTS.surge!, M, cfg).find((e) => e.metric === 'volume')!;
    const reason = surgeAlert.reasons[0];
    expect(surgeAlert).toMatchObject({ kind: 'monitor', participant: '', decision: 'monitor', count: 1, status: 'open', paymentId: '' });
    expect(surgeAlert.id).toMatch(/^alt_mon_/);
    expect(reason).toMatchObject({ ruleId: 'monitor.volume', metric: 'volume', subject: 'TH-CN', minute: new Date(M).toISOString(), payments: 100, value: 100, historyPoints: 14 * 61 });
    expect(expected.floored).toBe(false);
    expect(reason.zScore).toBeCloseTo(expected.zScore, 3);
    expect(reason.robustScore).toBeCloseTo(expected.robustScore, 3);
    expect(reason.mean).toBeCloseTo(expected.mean, 3);
    expect(reason.standardDeviation).toBeCloseTo(expected.standardDeviation, 3);
    expect(reason.mad).toBeCloseTo(expected.mad, 3);
    expect(reason.median).toBe(expected.median);
    expect(reason.message).toContain(`z-score ${expected.zScore.toFixed(2)}`);
    expect(reason.message).toContain(`MAD score ${expected.robustScore.toFixed(2)} (MAD ${expected.mad})`);
    expect(reason.message).toContain('Corridor TH-CN: 100 payments');

    // The surge's participant has its own alert, which its analyst sees and the corridor's it does not.
    const siam = alerts.find((a) => a.participant === 'siam-wallet')!;
    expect(siam).toMatchObject({ ruleId: 'monitor.volume', reasons: [{ scope: 'participant', subject: 'siam-wallet' }] });
    expect((await monitorAlerts('siam.analyst')).map((a) => a.id)).toEqual([siam.id]);
    expect((await get(`/v1/alerts/${surgeAlert.id}`, 'siam.analyst')).statusCode).toBe(404);
    const one = await get(`/v1/alerts/${surgeAlert.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().reasons[0].zScore).toBe(reason.zScore);

    // Pushed to consoles like a rule's alert: operators get all four, the analyst its own.
    await eventually(async () => seen.operator.filter(([e]) => e === 'alert').length, (n) => n === 4, 5000);
    expect(seen.operator.filter(([e]) => e === 'alert').map(([, a]) => a.id).sort()).toEqual([...result.created].sort());
    expect(seen.operator.find(([, a]) => a.id === surgeAlert.id)![1]).toMatchObject({ ruleId: 'monitor.volume', count: 1, reasons: [{ zScore: reason.zScore }] });
    await eventually(async () => seen.siam.length, (n) => n >= 1, 5000);
    expect(seen.siam.map(([e, a]) => [e, a.id])).toEqual([['alert', siam.id]]);
  });

  it('raises a jump in the decline rate for the corridor and the participant', async () => {
    const alerts = (await monitorAlerts()).filter((a) => a.ruleId === 'monitor.decline-rate');
    expect(alerts.map((a) => `${a.reasons[0].scope}:${a.reasons[0].subject}:${a.participant}`).sort()).toEqual(['corridor:CN-SG:', 'participant:panda-wallet:panda-wallet']);
    const expected = expectedFor(SUBJECTS.declines!, M, cfg).find((e) => e.metric === 'declineRate')!;
    for (const a of alerts) {
      expect(a.reasons[0]).toMatchObject({ value: 0.5, payments: 40, declined: 20 });
      expect(a.reasons[0].zScore).toBeCloseTo(expected.zScore, 3);
      expect(a.reasons[0].robustScore).toBeCloseTo(expected.robustScore, 3);
    }
    expect((await monitorAlerts('panda.analyst')).map((a) => a.reasons[0].subject)).toEqual(['panda-wallet']);
  });

  it('raises nothing for a usual minute, nor for a corridor with too little history', async () => {
    const subjects = (await monitorAlerts()).map((a) => a.reasons[0].subject);
    for (const quiet of ['SG-CN', 'merlion-pay', 'KR-CN', 'hangang-pay']) expect(subjects).not.toContain(quiet);
    expect(subjects).toHaveLength(4);
  });

  it('counts a second abnormal minute into the same alert, and a minute judged twice once', async () => {
    const result = await trigger(M1);
    expect(result.created).toEqual([]);
    const alerts = await monitorAlerts();
    const siam = alerts.find((a) => a.participant === 'siam-wallet')!;
    expect([...result.grouped].sort()).toEqual([surgeAlert.id, siam.id].sort());
    expect(alerts).toHaveLength(4);
    const grouped = alerts.find((a) => a.id === surgeAlert.id)!;
    expect(grouped.count).toBe(2);
    expect(Date.parse(grouped.updatedAt)).toBeGreaterThanOrEqual(Date.parse(grouped.createdAt));
    // The decline-rate alerts saw a usual second minute: still one minute each.
    expect(alerts.filter((a) => a.ruleId === 'monitor.decline-rate').map((a) => a.count)).toEqual([1, 1]);
    await eventually(async () => seen.operator.filter(([e, a]) => e === 'alert:update' && a.id === surgeAlert.id).length, (n) => n === 1, 5000);
    expect(seen.operator.find(([e, a]) => e === 'alert:update' && a.id === surgeAlert.id)![1].count).toBe(2);

    // A retried job judges its minute again: nothing more is counted.
    const again = await trigger(M1);
    expect([again.findings, again.created, again.grouped]).toEqual([2, [], []]);
    expect((await monitorAlerts()).find((a) => a.id === surgeAlert.id)!.count).toBe(2);
  });

  it('keeps one alert while the minutes keep coming within the gap, and starts a new one after a quiet gap', async () => {
    const { alerts } = platform.alerting;
    const group = `corridor:ZZ-CN:volume:${randomUUID()}`;
    const raise = (minute: number) =>
      alerts.raiseMonitor({ group, minute, participant: '', ruleId: 'monitor.volume', reasons: [], score: 300, severity: 'low', groupGapMs: 1000, details: {} });
    const first = await raise(M);
    const pause = () => new Promise((r) => setTimeout(r, 600));
    await pause();
    expect((await raise(M1))?.alert.id).toBe(first!.alert.id);
    // 1.2 s after the first minute, 0.6 s after the last: each minute restarted the gap.
    await pause();
    const third = await raise(M1 + 60_000);
    expect([third?.kind, third?.alert.id, third?.alert.count]).toEqual(['grouped', first!.alert.id, 3]);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await raise(M1 + 120_000);
    expect(after?.kind).toBe('created');
    expect(after?.alert.id).not.toBe(first!.alert.id);
  });

  it('writes each alert and each counted minute to alert_events in ClickHouse', async () => {
    const events = await eventually(
      async () => scalar(platform.clickhouse.client, `SELECT toUInt32(count()) FROM cpg.alert_events WHERE alert_id = {id:String}`, { id: surgeAlert.id }),
      (n) => n === 2,
      15_000,
    );
    expect(events).toBe(2);
    const kinds = await scalar<string>(
      platform.clickhouse.client,
      `SELECT arrayStringConcat(groupArray(kind), ',') FROM (SELECT kind FROM cpg.alert_events WHERE alert_id = {id:String} ORDER BY at, kind)`,
      { id: surgeAlert.id },
    );
    expect(kinds.split(',').sort()).toEqual(['created', 'grouped']);
    const z = await scalar(
      platform.clickhouse.client,
      `SELECT JSONExtractFloat(details, 'zScore') FROM cpg.alert_events WHERE alert_id = {id:String} AND kind = 'grouped'`,
      { id: surgeAlert.id },
    );
    expect(z).toBeCloseTo(expectedFor(SUBJECTS.surge!, M1, cfg).find((e) => e.metric === 'volume')!.zScore, 3);
  });

  it('judges a minute through the scheduled path too: the minute settleSeconds before it fired', async () => {
    const jobs = platform.alerting.monitors!;
    // The scheduler's own jobs name no minute; one that fires now judges the last settled minute.
    const job = await jobs.queue.add('judge-minute', {}, { removeOnComplete: { count: 100 } });
    const { QueueEvents } = await import('bullmq');
    const events = new QueueEvents(MONITOR_QUEUE, { connection: { url: platform.redisUrl } });
    try {
      const result = (await job.waitUntilFinished(events, 30_000)) as MonitorJobResult;
      const expectedMinute = Math.floor((job.timestamp - cfg.settleSeconds * 1000) / 60_000) * 60_000 - 60_000;
      expect(result.minute).toBe(new Date(expectedMinute).toISOString());
      expect(result).toMatchObject({ findings: 0, created: [], grouped: [] });
    } finally {
      await events.close();
    }
  });
});

describe('monitors configuration', () => {
  const raw = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')) as Record<string, any>;

  it('accepts the development block, the defaults, and no block at all', () => {
    expect(validateConfigFile(raw).monitors).toEqual(raw.monitors);
    expect(validateConfigFile({ ...raw, monitors: DEFAULT_MONITORS }).monitors).toEqual(DEFAULT_MONITORS);
    const { monitors: _, ...without } = raw;
    expect(validateConfigFile(without).monitors).toBeUndefined();
  });

  it('stops start-up naming a bad monitors field', () => {
    expect(() => validateConfigFile({ ...raw, monitors: { ...raw.monitors, zScoreThreshold: 0 } }, 'x.json')).toThrow(/^x\.json: monitors\.zScoreThreshold: /);
    expect(() => validateConfigFile({ ...raw, monitors: { ...raw.monitors, settleSeconds: 60 } }, 'x.json')).toThrow(/monitors\.settleSeconds/);
    expect(() => validateConfigFile({ ...raw, monitors: { ...raw.monitors, window: 5 } }, 'x.json')).toThrow('x.json: monitors.window: unknown field');
  });
});
