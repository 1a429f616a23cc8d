import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseTime } from '../ingest/transaction-row.ts';
import { logInEveryone, startTestPlatform } from './support/platform.ts';
import { signed, signedHeaders } from './support/signed-request.ts';
import { eventually, merchantQrs, mixedPayment, scalar } from './support/traffic.ts';

/*
 * Participant analytics against seeded rows in the real tables. Every expected answer is
 * computed here, in TypeScript, from the seeded rows; nothing is checked by running the
 * routes' SQL. A is a wallet (siam-wallet), B another (panda-wallet), ACQ an acquirer
 * (lion-city-acquiring) whose merchants both A and B pay.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Recent enough for every TTL; far enough from now that live traffic never lands in it.
const FROM = Math.floor(Date.now() / DAY) * DAY - 10 * DAY;
const TO = FROM + 3 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
/** A whole minute inside an hour, where two payments of A and B each land exactly. */
const EDGE = FROM + DAY + 13 * HOUR + 17 * MINUTE;

const A = 'siam-wallet';
const B = 'panda-wallet';
const C = 'merlion-pay';
const ACQ = 'lion-city-acquiring';
const HUAXIA = 'huaxia-acquiring';
const SIDE: Record<string, 'wallet' | 'acquirer'> = { [A]: 'wallet', [B]: 'wallet', [C]: 'wallet', [ACQ]: 'acquirer', [HUAXIA]: 'acquirer', 'hangang-pay': 'wallet' };

const WALLETS = {
  [A]: { country: 'TH', currency: 'THB', kind: 'overseas_wallet', merchants: ['m-cn-0001', 'm-cn-0002', 'm-sg-0001'], payments: 260 },
  [B]: { country: 'CN', currency: 'CNY', kind: 'domestic_wallet', merchants: ['m-kr-0001', 'm-my-0001', 'm-th-0001'], payments: 190 },
  [C]: { country: 'SG', currency: 'SGD', kind: 'overseas_wallet', merchants: ['m-cn-0004'], payments: 60 },
} as const;
const MERCHANTS: Record<string, { name: string; mcc: string; country: string; currency: string; acquirer: string }> = {
  'm-cn-0001': { name: 'Jade Garden Restaurant', mcc: '5812', country: 'CN', currency: 'CNY', acquirer: HUAXIA },
  'm-cn-0002': { name: 'Bund Fine Watches', mcc: '5944', country: 'CN', currency: 'CNY', acquirer: HUAXIA },
  'm-cn-0004': { name: 'Palace Museum Tickets', mcc: '7991', country: 'CN', currency: 'CNY', acquirer: HUAXIA },
  'm-sg-0001': { name: 'Marina Bay Boutique', mcc: '5311', country: 'SG', currency: 'SGD', acquirer: ACQ },
  'm-kr-0001': { name: 'Myeongdong Cosmetics', mcc: '5977', country: 'KR', currency: 'KRW', acquirer: ACQ },
  'm-my-0001': { name: 'KL Sentral Duty Free', mcc: '5309', country: 'MY', currency: 'MYR', acquirer: ACQ },
  'm-th-0001': { name: 'Chatuchak Market', mcc: '5699', country: 'TH', currency: 'THB', acquirer: ACQ },
};
const RULES = ['velocity-device-10m', 'amount-spike', 'new-device-high-amount', 'mule-fan-out', 'sanctions-country'];

/* ---------- the seed ---------- */

interface Seeded {
  payment_id: string;
  message_type: 'payment' | 'refund' | 'reversal' | 'rejected';
  original_payment_id: string;
  participant: string;
  participant_kind: string;
  initiator: string;
  corridor: string;
  wallet_id: string;
  merchant_id: string;
  merchant_name: string;
  mcc: string;
  merchant_country: string;
  acquirer: string;
  amount: string;
  currency: string;
  amount_usd: string;
  settlement_amount: string;
  settlement_currency: string;
  status: string;
  decline_code: string;
  risk_score: number;
  decision: string;
  reason_rule_ids: string[];
  switch_latency_us: number;
  /** Every other review is held (the issuer may still decline it: then nothing is held). */
  settlement_held: number;
  t: number;
}

interface SeededAlertEvent {
  event_id: string;
  alert_id: string;
  at: number;
  kind: 'created' | 'grouped' | 'acknowledged' | 'resolved';
  participant: string;
  payment_id: string;
  disposition: string;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seed(): { rows: Seeded[]; events: SeededAlertEvent[] } {
  const rnd = mulberry32(20250310);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const decimal = (maxWhole: number, places: number) => {
    const whole = int(0, maxWhole);
    return places === 0 ? String(Math.max(1, whole)) : `${whole}.${String(int(1, 10 ** places - 1)).padStart(places, '0')}`;
  };
  const rows: Seeded[] = [];
  let n = 0;
  const payment = (wallet: keyof typeof WALLETS, t: number): Seeded => {
    const w = WALLETS[wallet];
    const merchantId = pick(w.merchants);
    const m = MERCHANTS[merchantId]!;
    const r = rnd();
    const decision = r < 0.62 ? 'approve' : r < 0.8 ? 'review' : 'decline';
    let rules: string[] = [];
    if (decision !== 'approve') rules = rnd() < 0.1 ? [] : [pick(RULES), ...(rnd() < 0.4 ? [pick(RULES)] : [])];
    else if (rnd() < 0.2) rules = [pick(RULES)];
    let status = 'APPROVED';
    let code = '';
    if (decision === 'decline') [status, code] = ['DECLINED', 'RISK_DECLINED'];
    else {
      const s = rnd();
      if (s < 0.08) [status, code] = ['DECLINED', 'INSUFFICIENT_FUNDS'];
      else if (s < 0.13) [status, code] = ['DECLINED', 'ISSUER_LIMIT_DAILY'];
    }
    const held = decision === 'review' && n % 2 === 0 ? 1 : 0;
    return {
      settlement_held: held,
      payment_id: `pay_seed${String(n++).padStart(6, '0')}`,
      message_type: 'payment',
      original_payment_id: '',
      participant: wallet,
      participant_kind: w.kind,
      initiator: wallet,
      corridor: `${w.country}-${m.country}`,
      wallet_id: `w-${int(1, 40)}`,
      merchant_id: merchantId,
      merchant_name: m.name,
      mcc: m.mcc,
      merchant_country: m.country,
      acquirer: m.acquirer,
      amount: decimal(m.currency === 'KRW' ? 900000 : 4000, m.currency === 'KRW' ? 0 : 2),
      currency: m.currency,
      amount_usd: decimal(3000, 4),
      settlement_amount: decimal(90000, 2),
      settlement_currency: w.currency,
      status,
      decline_code: code,
      risk_score: decision === 'decline' ? int(700, 1000) : decision === 'review' ? int(400, 699) : int(0, 399),
      decision,
      reason_rule_ids: rules,
      switch_latency_us: rnd() < 0.03 ? int(50_000, 90_000) : int(300, 15_000),
      t,
    };
  };
  for (const wallet of [A, B, C] as const) {
    // Spread over the window and six hours either side of it, so the edges matter.
    for (let i = 0; i < WALLETS[wallet].payments; i++) rows.push(payment(wallet, FROM - 6 * HOUR + int(0, 3 * DAY + 12 * HOUR - 1)));
  }
  // A busy two hours for A, several payments a minute, for minute buckets.
  const busy = FROM + DAY + 10 * HOUR;
  for (let i = 0; i < 60; i++) rows.push(payment(A, busy + int(0, 2 * HOUR - 1)));
  // Exactly on the edges: from is in, to is out; EDGE is a minute inside an hour.
  for (const t of [FROM, FROM - 1, TO - 1, TO, EDGE, EDGE]) {
    rows.push(payment(A, t));
    rows.push(payment(B, t));
  }
  // Refunds and reversals of approved payments, an hour later (some cross the window's end).
  const followUps = [A, B, C].flatMap((w) => [...Array<'refund'>(10).fill('refund'), ...Array<'reversal'>(5).fill('reversal')].map((type) => [w, type] as const));
  for (const [wallet, type] of followUps) {
    const o = pick(rows.filter((r) => r.participant === wallet && r.message_type === 'payment' && r.status === 'APPROVED'));
    rows.push({
      ...o,
      payment_id: `${type === 'refund' ? 'ref' : 'rev'}_seed${String(n++).padStart(6, '0')}`,
      message_type: type,
      original_payment_id: o.payment_id,
      initiator: type === 'refund' ? o.acquirer : o.participant,
      amount_usd: decimal(500, 4),
      status: rnd() < 0.9 ? 'APPROVED' : 'DECLINED',
      decline_code: '',
      decision: 'approve',
      reason_rule_ids: [],
      settlement_held: 0,
      t: o.t + HOUR,
    });
  }
  // Refused before processing: never analytics, even with a merchant of ACQ attached.
  for (let i = 0; i < 6; i++) {
    const o = payment(A, FROM + int(0, 3 * DAY - 1));
    rows.push({ ...o, payment_id: `pay_rej${i}`, message_type: 'rejected', participant_kind: '', corridor: '', amount_usd: '0', settlement_amount: '0', settlement_currency: '', status: 'REJECTED', decline_code: 'QR_CRC_MISMATCH', decision: '', reason_rule_ids: [] });
  }

  // Alerts over risky payments: one to three payments each, some resolved as fraud.
  const events: SeededAlertEvent[] = [];
  let e = 0;
  const ev = (x: Omit<SeededAlertEvent, 'event_id'>) => events.push({ event_id: `seed-${String(e++).padStart(5, '0')}`, ...x });
  for (const wallet of [A, B, C] as const) {
    const risky = rows.filter((r) => r.participant === wallet && r.message_type === 'payment' && r.decision !== 'approve').sort((x, y) => x.t - y.t);
    for (let i = 0; i < risky.length; ) {
      const group = risky.slice(i, i + int(1, 3));
      i += group.length;
      const alertId = `alt_seed${String(e).padStart(8, '0')}`;
      group.forEach((p, j) => ev({ alert_id: alertId, at: p.t + 5000, kind: j === 0 ? 'created' : 'grouped', participant: wallet, payment_id: p.payment_id, disposition: '' }));
      const last = group[group.length - 1]!;
      const d = rnd();
      if (d < 0.75) ev({ alert_id: alertId, at: last.t + HOUR, kind: 'acknowledged', participant: wallet, payment_id: last.payment_id, disposition: '' });
      if (d < 0.35) ev({ alert_id: alertId, at: last.t + 2 * HOUR, kind: 'resolved', participant: wallet, payment_id: last.payment_id, disposition: 'fraud' });
      else if (d < 0.65) ev({ alert_id: alertId, at: last.t + 2 * HOUR, kind: 'resolved', participant: wallet, payment_id: last.payment_id, disposition: 'legitimate' });
    }
  }
  // A monitor alert has no payment: resolved as fraud, it confirms nothing.
  ev({ alert_id: 'alt_mon_seed', at: FROM + HOUR, kind: 'created', participant: A, payment_id: '', disposition: '' });
  ev({ alert_id: 'alt_mon_seed', at: FROM + 2 * HOUR, kind: 'resolved', participant: A, payment_id: '', disposition: 'fraud' });
  return { rows, events };
}

const { rows: SEEDED, events: EVENTS } = seed();
/** A third of the held payments released since: by their case's closing or by an officer, as case events. */
const RELEASED = SEEDED.filter((r) => r.settlement_held === 1 && r.status === 'APPROVED')
  .filter((_, i) => i % 3 === 0)
  .map((r) => r.payment_id);

/* ---------- the expected answers, by hand ---------- */

const FRAUD = new Set(
  EVENTS.filter((x) => (x.kind === 'created' || x.kind === 'grouped') && x.payment_id !== '')
    .filter((x) => EVENTS.some((r) => r.alert_id === x.alert_id && r.kind === 'resolved' && r.disposition === 'fraud'))
    .map((x) => x.payment_id),
);

const scaled = (s: string) => {
  const [whole, frac = ''] = s.split('.');
  return BigInt(whole!) * 10_000n + BigInt((frac + '0000').slice(0, 4));
};
const decimalText = (v: bigint) => {
  const frac = (v % 10_000n).toString().padStart(4, '0').replace(/0+$/, '');
  return frac ? `${v / 10_000n}.${frac}` : `${v / 10_000n}`;
};
const sum = (rows: Seeded[], pick: (r: Seeded) => string) => decimalText(rows.reduce((a, r) => a + scaled(pick(r)), 0n));
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** quantileExact: the element at floor(level * n) of the sorted values. */
const quantileMs = (rows: Seeded[], level: number) => {
  if (rows.length === 0) return null;
  const sorted = rows.map((r) => r.switch_latency_us).sort((x, y) => x - y);
  return sorted[Math.min(Math.floor(level * sorted.length), sorted.length - 1)]! / 1000;
};
const reasonOf = (r: Seeded) => (r.decline_code === 'RISK_DECLINED' && r.reason_rule_ids.length > 0 ? r.reason_rule_ids[0]! : r.decline_code || 'UNSPECIFIED');

function scoped(p: string, from = FROM, to = TO): Seeded[] {
  const mine = (r: Seeded) => (SIDE[p] === 'acquirer' ? r.acquirer === p : r.participant === p);
  return SEEDED.filter((r) => mine(r) && r.message_type !== 'rejected' && r.t >= from && r.t < to);
}
const paymentsOf = (p: string, from = FROM, to = TO) => scoped(p, from, to).filter((r) => r.message_type === 'payment');

function figures(ps: Seeded[]) {
  const approved = ps.filter((r) => r.status === 'APPROVED');
  const declined = ps.filter((r) => r.status === 'DECLINED').length;
  const review = ps.filter((r) => r.decision === 'review').length;
  return {
    payments: ps.length,
    approved: approved.length,
    declined,
    review,
    approvalRate: ratio(approved.length, ps.length),
    declineRate: ratio(declined, ps.length),
    reviewRate: ratio(review, ps.length),
    valueUsd: sum(ps, (r) => r.amount_usd),
    approvedValueUsd: sum(approved, (r) => r.amount_usd),
  };
}

function groupBy(rows: Seeded[], key: (r: Seeded) => string): Map<string, Seeded[]> {
  const groups = new Map<string, Seeded[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return groups;
}

function expectedSummary(p: string, from = FROM, to = TO) {
  const all = scoped(p, from, to);
  const ps = all.filter((r) => r.message_type === 'payment');
  const side = SIDE[p]!;
  const currency = (r: Seeded) => (side === 'wallet' ? r.settlement_currency : r.currency);
  const amount = (r: Seeded) => (side === 'wallet' ? r.settlement_amount : r.amount);
  const followUp = (type: string) => {
    const xs = all.filter((r) => r.message_type === type);
    const ok = xs.filter((r) => r.status === 'APPROVED');
    return { count: xs.length, approved: ok.length, approvedValueUsd: sum(ok, (r) => r.amount_usd) };
  };
  const fraud = ps.filter((r) => FRAUD.has(r.payment_id));
  const held = ps.filter((r) => r.settlement_held === 1 && r.status === 'APPROVED');
  const released = new Set(RELEASED);
  const stillHeld = held.filter((r) => !released.has(r.payment_id));
  return {
    participant: p,
    side,
    from: iso(from),
    to: iso(to),
    payments: figures(ps),
    settlement: [...groupBy(ps, currency)]
      .sort(([x], [y]) => byText(x, y))
      .map(([c, xs]) => ({ currency: c, payments: xs.length, value: sum(xs, amount), approvedValue: sum(xs.filter((r) => r.status === 'APPROVED'), amount) })),
    refunds: followUp('refund'),
    reversals: followUp('reversal'),
    declineReasons: [...groupBy(ps.filter((r) => r.status === 'DECLINED'), reasonOf)]
      .map(([reason, xs]) => ({ reason, source: xs[0]!.decline_code === 'RISK_DECLINED' ? 'risk' : 'issuer', payments: xs.length }))
      .sort((x, y) => y.payments - x.payments || byText(x.reason, y.reason)),
    fraudConfirmed: { payments: fraud.length, rate: ratio(fraud.length, ps.length), valueUsd: sum(fraud, (r) => r.amount_usd) },
    settlementHeld: { payments: stillHeld.length, valueUsd: sum(stillHeld, (r) => r.amount_usd), released: held.length - stillHeld.length },
    latency: { p50Ms: quantileMs(ps, 0.5), p99Ms: quantileMs(ps, 0.99) },
  };
}

const DIMENSIONS = ['corridor', 'merchant', 'mcc', 'reason', 'hour'] as const;
const KEY: Record<(typeof DIMENSIONS)[number], (r: Seeded) => string> = {
  corridor: (r) => r.corridor,
  merchant: (r) => r.merchant_id,
  mcc: (r) => r.mcc,
  reason: reasonOf,
  hour: (r) => String(new Date(r.t).getUTCHours()).padStart(2, '0'),
};

function expectedBreakdown(p: string, dimension: (typeof DIMENSIONS)[number], limit = 100) {
  let ps = paymentsOf(p);
  if (dimension === 'reason') ps = ps.filter((r) => r.status === 'DECLINED');
  const rows = [...groupBy(ps, KEY[dimension])].map(([key, xs]) => {
    const fraud = xs.filter((r) => FRAUD.has(r.payment_id)).length;
    return {
      key,
      ...(dimension === 'merchant' ? { label: MERCHANTS[key]!.name } : {}),
      ...figures(xs),
      fraudConfirmed: fraud,
      fraudConfirmedRate: ratio(fraud, xs.length),
      p50LatencyMs: quantileMs(xs, 0.5),
      p99LatencyMs: quantileMs(xs, 0.99),
    };
  });
  rows.sort((x, y) => (dimension === 'hour' ? byText(x.key, y.key) : y.payments - x.payments || byText(x.key, y.key)));
  return { participant: p, side: SIDE[p], dimension, from: iso(FROM), to: iso(TO), rows: rows.slice(0, limit), truncated: rows.length > limit };
}

const BUCKET = { minute: MINUTE, hour: HOUR, day: DAY } as const;

function expectedSeries(p: string, from: number, to: number, bucket: keyof typeof BUCKET) {
  const size = BUCKET[bucket];
  const groups = groupBy(paymentsOf(p, from, to), (r) => String(Math.floor(r.t / size) * size));
  const points = [];
  for (let t = Math.floor(from / size) * size; t < to; t += size) {
    const xs = groups.get(String(t)) ?? [];
    points.push({ t: iso(t), ...figures(xs), p50LatencyMs: quantileMs(xs, 0.5), p99LatencyMs: quantileMs(xs, 0.99), latencies: xs.map((r) => r.switch_latency_us) });
  }
  return points;
}

/* ---------- the platform, the callers ---------- */

let platform: Awaited<ReturnType<typeof startTestPlatform>>;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  platform = await startTestPlatform();
  const client = platform.clickhouse.client;
  const insert = async (table: string, values: object[], token: string) =>
    client.insert({
      table: `cpg.${table}`,
      values,
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 },
    });
  await insert(
    'transactions',
    SEEDED.map(({ t, ...r }) => ({ ...r, received_at: clickhouseTime(t), decided_at: clickhouseTime(t), reasons: '[]', stream_id: `seed-${r.payment_id}` })),
    'seed-analytics-transactions',
  );
  await insert(
    'alert_events',
    EVENTS.map(({ at, ...x }) => ({ ...x, at: clickhouseTime(at), rule_id: 'seed', severity: 'high', status: x.kind === 'resolved' ? 'resolved' : 'open', actor: 'risk.officer', details: '{}' })),
    'seed-analytics-alerts',
  );
  // Released in batches of up to five payments per event, as a case's closing releases all it holds.
  const releases = Array.from({ length: Math.ceil(RELEASED.length / 5) }, (_, i) => RELEASED.slice(i * 5, i * 5 + 5));
  await insert(
    'case_events',
    releases.map((ids, i) => ({
      event_id: `seed-release-${i}`,
      case_id: `case_${String(i).padStart(24, '0')}`,
      at: clickhouseTime(TO + HOUR),
      kind: 'settlement_released',
      actor: 'risk.officer',
      details: JSON.stringify({ paymentIds: ids, note: 'cleared' }),
    })),
    'seed-analytics-releases',
  );
  Object.assign(tokens, await logInEveryone(platform.app));
});
afterAll(async () => platform?.stop());

type Query = Record<string, string | undefined>;
const urlOf = (path: string, query: Query) => {
  const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
  return q.size ? `${path}?${q}` : path;
};
const window = (from = FROM, to = TO): Query => ({ from: iso(from), to: iso(to) });

/** A signed participant request. */
const asParticipant = (participant: string, url: string) => signed(platform.app, { participant, method: 'GET', path: url });
/** An operator request with its bearer token. */
async function asOperator(username: string, url: string) {
  const r = await platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[username]}` } });
  return { status: r.statusCode, body: r.json() as Record<string, any> };
}

const ROUTES = ['/v1/analytics/summary', '/v1/analytics/timeseries', ...DIMENSIONS.map((d) => `/v1/analytics/breakdown/${d}`)];

/** The approximate per-minute series: every figure but latency exact, latency checked apart. */
function withoutLatency<T extends { p50LatencyMs: unknown; p99LatencyMs: unknown }>(points: T[]) {
  return points.map(({ p50LatencyMs: _p50, p99LatencyMs: _p99, ...rest }) => rest);
}
const stripLatencies = (points: ReturnType<typeof expectedSeries>) => points.map(({ latencies: _l, ...rest }) => rest);

describe('participant analytics', () => {
  it('seeds data that exercises every figure', () => {
    for (const p of [A, B, ACQ]) {
      const s = expectedSummary(p);
      expect(s.payments.payments, p).toBeGreaterThan(50);
      expect(s.payments.declined * s.payments.review * s.fraudConfirmed.payments * s.refunds.count * s.reversals.count * s.settlementHeld.payments * s.settlementHeld.released, p).toBeGreaterThan(0);
      expect(s.declineReasons.length, p).toBeGreaterThan(2);
    }
    expect(expectedSummary(ACQ).settlement.length).toBeGreaterThan(1);
  });

  it("gives a wallet its own summary, signed or through its analyst, and an operator anyone's", async () => {
    const url = urlOf('/v1/analytics/summary', window());
    for (const [p, analyst] of [[A, 'siam.analyst'], [B, 'panda.analyst']] as const) {
      const expected = expectedSummary(p);
      const mine = await asParticipant(p, url);
      expect(mine.status, JSON.stringify(mine.body)).toBe(200);
      expect(mine.body).toEqual(expected);
      expect((await asOperator(analyst, url)).body).toEqual(expected);
      expect((await asParticipant(p, urlOf('/v1/analytics/summary', { ...window(), participant: p }))).body).toEqual(expected);
      for (const operator of ['risk.officer', 'compliance', 'admin']) {
        expect((await asOperator(operator, urlOf('/v1/analytics/summary', { ...window(), participant: p }))).body, operator).toEqual(expected);
      }
    }
  });

  it("gives an acquirer its merchants' payments, whichever wallet paid, in their currencies", async () => {
    for (const acquirer of [ACQ, HUAXIA]) {
      const r = await asParticipant(acquirer, urlOf('/v1/analytics/summary', window()));
      expect(r.status).toBe(200);
      expect(r.body).toEqual(expectedSummary(acquirer));
    }
    const merchants = await asParticipant(ACQ, urlOf('/v1/analytics/breakdown/merchant', window()));
    expect(merchants.body.rows.map((x: { key: string }) => x.key).sort()).toEqual(['m-kr-0001', 'm-my-0001', 'm-sg-0001', 'm-th-0001']);
  });

  it('counts a window from its start, inclusive, to its end, exclusive, at any cut', async () => {
    const from = FROM + 7 * HOUR + 1234;
    const to = FROM + 2 * DAY + 5 * HOUR + 777;
    for (const p of [A, ACQ]) {
      expect((await asParticipant(p, urlOf('/v1/analytics/summary', window(from, to)))).body).toEqual(expectedSummary(p, from, to));
    }
  });

  it('splits every breakdown dimension as the rows grouped by hand', async () => {
    for (const p of [A, B, ACQ]) {
      for (const dimension of DIMENSIONS) {
        const r = await asParticipant(p, urlOf(`/v1/analytics/breakdown/${dimension}`, window()));
        expect(r.status, `${p} ${dimension}`).toBe(200);
        expect(r.body, `${p} ${dimension}`).toEqual(expectedBreakdown(p, dimension));
      }
    }
    const top = await asOperator('risk.officer', urlOf('/v1/analytics/breakdown/mcc', { ...window(), participant: ACQ, limit: '2' }));
    expect(top.body).toEqual(expectedBreakdown(ACQ, 'mcc', 2));
    expect(top.body.truncated).toBe(true);
    const all = expectedBreakdown(ACQ, 'mcc').rows.length;
    const exact = await asOperator('risk.officer', urlOf('/v1/analytics/breakdown/mcc', { ...window(), participant: ACQ, limit: String(all) }));
    expect([exact.body.rows.length, exact.body.truncated]).toEqual([all, false]);
  });

  it('reads a wallet series over whole minutes from the per-minute aggregate, latency within the neighbouring ranks', async () => {
    const busy = FROM + DAY + 10 * HOUR;
    const windows = [[FROM, TO, 'hour'], [FROM, TO, 'day'], [busy, busy + 2 * HOUR, 'minute'], [FROM, EDGE, 'hour'], [EDGE, TO, 'day']] as const;
    for (const [from, to, bucket] of windows) {
      const r = await asParticipant(A, urlOf('/v1/analytics/timeseries', { ...window(from, to), bucket }));
      expect(r.status).toBe(200);
      expect(r.body.source).toBe('per-minute');
      expect(r.body.bucket).toBe(bucket);
      const expected = expectedSeries(A, from, to, bucket);
      expect(withoutLatency(r.body.points)).toEqual(withoutLatency(stripLatencies(expected)));
      if (bucket === 'minute') expect(expected.filter((x) => x.payments > 1).length).toBeGreaterThan(10);
      // t-digest estimates: each quantile lies between the ranks either side of the exact one.
      r.body.points.forEach((point: { p50LatencyMs: number | null; p99LatencyMs: number | null }, i: number) => {
        const sorted = [...expected[i]!.latencies].sort((x, y) => x - y);
        for (const [level, got] of [[0.5, point.p50LatencyMs], [0.99, point.p99LatencyMs]] as const) {
          if (sorted.length === 0) {
            expect(got).toBeNull();
            continue;
          }
          const k = Math.min(Math.floor(level * sorted.length), sorted.length - 1);
          expect(got! * 1000).toBeGreaterThanOrEqual(sorted[Math.max(0, k - 1)]! - 1);
          expect(got! * 1000).toBeLessThanOrEqual(sorted[Math.min(sorted.length - 1, k + 1)]! + 1);
        }
      });
    }
  });

  it("reads an acquirer's series, and any window cut inside a minute, from the rows, exactly", async () => {
    const cut = [FROM + 90 * MINUTE + 30_000, FROM + 2 * DAY + 30_000] as const;
    for (const [p, from, to, bucket] of [[ACQ, FROM, TO, 'hour'], [A, cut[0], cut[1], 'hour'], [B, FROM, TO, 'day']] as const) {
      const r = await asParticipant(p, urlOf('/v1/analytics/timeseries', { ...window(from, to), bucket }));
      expect(r.status).toBe(200);
      expect(r.body.source, p).toBe(SIDE[p] === 'acquirer' || from % MINUTE !== 0 ? 'transactions' : 'per-minute');
      if (r.body.source === 'transactions') expect(r.body.points).toEqual(stripLatencies(expectedSeries(p, from, to, bucket)));
      else expect(withoutLatency(r.body.points)).toEqual(withoutLatency(stripLatencies(expectedSeries(p, from, to, bucket))));
    }
    // No bucket named: the finest that keeps the series within 1440 points.
    const auto = await asParticipant(ACQ, urlOf('/v1/analytics/timeseries', window()));
    expect([auto.body.bucket, auto.body.points.length]).toEqual(['hour', 72]);
    expect(auto.body.points).toEqual(stripLatencies(expectedSeries(ACQ, FROM, TO, 'hour')));
  });

  it('refuses a bad window, too many points and a bad limit with 400 and a code', async () => {
    const cases: Array<[string, Query, string]> = [
      ['/v1/analytics/summary', window(TO, FROM), 'ANALYTICS_WINDOW_INVALID'],
      ['/v1/analytics/summary', window(FROM, FROM), 'ANALYTICS_WINDOW_INVALID'],
      ['/v1/analytics/summary', window(FROM - 91 * DAY, TO), 'ANALYTICS_WINDOW_TOO_LONG'],
      ['/v1/analytics/timeseries', { ...window(), bucket: 'minute' }, 'ANALYTICS_TOO_MANY_POINTS'],
      ['/v1/analytics/breakdown/merchant', { ...window(), limit: '5000' }, 'ANALYTICS_LIMIT_INVALID'],
      // An end left out is defaulted, but not from one that has not happened yet, nor from nonsense.
      ['/v1/analytics/summary', { from: iso(Date.now() + 2 * MINUTE) }, 'ANALYTICS_WINDOW_INVALID'],
      ['/v1/analytics/timeseries', { to: '2025-03-10' }, 'VALIDATION_FAILED'],
      ['/v1/analytics/breakdown/corridor', { from: '2025-02-30T00:00:00Z' }, 'VALIDATION_FAILED'],
      ['/v1/analytics/summary', { ...window(), from: '2025-03-10' }, 'VALIDATION_FAILED'],
      ['/v1/analytics/summary', { ...window(), to: '2025-02-30T00:00:00Z' }, 'VALIDATION_FAILED'],
    ];
    for (const [path, query, code] of cases) {
      const r = await asParticipant(A, urlOf(path, query));
      expect([r.status, r.body.error?.code], `${path} ${JSON.stringify(query)}`).toEqual([400, code]);
    }
  });

  describe('with an end of the window left out', () => {
    it('answers for the day before to, or the day from from, participants and operators alike, stating the window', async () => {
      const dayBefore = expectedSummary(A, TO - DAY, TO);
      const dayFrom = expectedSummary(A, FROM, FROM + DAY);
      expect(dayBefore.payments.payments * dayFrom.payments.payments).toBeGreaterThan(0);
      expect([dayBefore.from, dayBefore.to, dayFrom.from, dayFrom.to]).toEqual([iso(TO - DAY), iso(TO), iso(FROM), iso(FROM + DAY)]);
      const onlyTo = urlOf('/v1/analytics/summary', { to: iso(TO) });
      const onlyFrom = urlOf('/v1/analytics/summary', { from: iso(FROM) });
      expect((await asParticipant(A, onlyTo)).body).toEqual(dayBefore);
      expect((await asParticipant(A, onlyFrom)).body).toEqual(dayFrom);
      expect((await asOperator('siam.analyst', onlyTo)).body).toEqual(dayBefore);
      expect((await asOperator('risk.officer', urlOf('/v1/analytics/summary', { from: iso(FROM), participant: A }))).body).toEqual(dayFrom);
      const series = await asParticipant(ACQ, urlOf('/v1/analytics/timeseries', { to: iso(TO), bucket: 'hour' }));
      expect(series.body.points).toEqual(stripLatencies(expectedSeries(ACQ, TO - DAY, TO, 'hour')));
      const corridors = await asOperator('admin', urlOf('/v1/analytics/breakdown/corridor', { from: iso(FROM), participant: B }));
      expect([corridors.status, corridors.body.from, corridors.body.to]).toEqual([200, iso(FROM), iso(FROM + DAY)]);
      expect(corridors.body.rows.reduce((n: number, r: { payments: number }) => n + r.payments, 0)).toBe(expectedSummary(B, FROM, FROM + DAY).payments.payments);
    });

    it('cuts the day from a recent from at the end of the current minute', async () => {
      const from = Date.now() - HOUR;
      const r = await asParticipant(A, urlOf('/v1/analytics/summary', { from: iso(from) }));
      expect(r.status).toBe(200);
      expect(r.body.from).toBe(iso(from));
      const to = Date.parse(r.body.to);
      expect([to % MINUTE, to > Date.now() - MINUTE, to <= Date.now() + MINUTE]).toEqual([0, true, true]);
    });

    it('answers for the last 24 hours, to the end of the current minute, without either, on every route', async () => {
      const lastDay = (body: Record<string, any>, asked: number) => {
        const to = Date.parse(body.to);
        expect(to % MINUTE).toBe(0);
        expect(to).toBeGreaterThan(asked);
        expect(to).toBeLessThanOrEqual(Date.now() + MINUTE);
        expect(to - Date.parse(body.from)).toBe(DAY);
      };
      for (const [who, call] of [
        [A, (url: string) => asParticipant(A, url)],
        ['siam.analyst', (url: string) => asOperator('siam.analyst', url)],
      ] as const) {
        for (const path of ROUTES) {
          const asked = Date.now();
          const r = await call(path);
          expect(r.status, `${who} ${path}`).toBe(200);
          expect(r.body.participant).toBe(A);
          lastDay(r.body, asked);
          // The same answer as that window asked for in full.
          expect((await call(urlOf(path, { from: r.body.from, to: r.body.to }))).body, `${who} ${path}`).toEqual(r.body);
        }
      }
      // A day of whole minutes: a wallet's series is the per-minute aggregate, minute by minute.
      const series = await asParticipant(A, '/v1/analytics/timeseries');
      expect([series.body.bucket, series.body.source, series.body.points.length]).toEqual(['minute', 'per-minute', 1440]);
      const asked = Date.now();
      const operator = await asOperator('compliance', urlOf('/v1/analytics/summary', { participant: ACQ }));
      expect([operator.status, operator.body.participant]).toEqual([200, ACQ]);
      lastDay(operator.body, asked);
      // Operators still name whose analytics they want.
      const unnamed = await asOperator('risk.officer', '/v1/analytics/summary');
      expect([unnamed.status, unnamed.body.error.code]).toEqual([400, 'ANALYTICS_PARTICIPANT_REQUIRED']);
      // The audit records the window answered for, not the absent parameters.
      const audited = await eventually(
        () =>
          scalar(
            platform.clickhouse.client,
            "SELECT toUInt32(count()) FROM cpg.audit_log WHERE action = 'analytics.summary' AND outcome = 'ok' AND actor = 'compliance' AND target = {t:String} AND JSONExtractString(details, 'from') = {from:String} AND JSONExtractString(details, 'to') = {to:String}",
            { t: ACQ, from: operator.body.from, to: operator.body.to },
          ),
        (n) => n >= 1,
        5000,
      );
      expect(audited).toBe(1);
    });
  });

  it('admits exactly one kind of credential and asks operators whose analytics they want', async () => {
    const url = urlOf('/v1/analytics/summary', window());
    const none = await platform.app.inject({ method: 'GET', url });
    expect([none.statusCode, none.json().error.code]).toEqual([401, 'AUTH_REQUIRED']);
    const both = await platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens['risk.officer']}`, 'x-participant-id': A } });
    expect([both.statusCode, both.json().error.code]).toEqual([401, 'AUTH_AMBIGUOUS']);
    const badSignature = await signed(platform.app, { participant: A, method: 'GET', path: url, secret: 'not-the-secret' });
    expect([badSignature.status, badSignature.body.error.code]).toEqual([401, 'AUTH_BAD_SIGNATURE']);
    // The signature covers the query: a participant parameter added after signing breaks it.
    const { headers } = signedHeaders({ participant: A, method: 'GET', path: url });
    const altered = await platform.app.inject({ method: 'GET', url: `${url}&participant=${B}`, headers });
    expect(altered.statusCode).toBe(401);
    const badToken = await platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
    expect([badToken.statusCode, badToken.json().error.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    const unnamed = await asOperator('risk.officer', url);
    expect([unnamed.status, unnamed.body.error.code]).toEqual([400, 'ANALYTICS_PARTICIPANT_REQUIRED']);
    const unknown = await asOperator('compliance', urlOf('/v1/analytics/summary', { ...window(), participant: 'no-such-wallet' }));
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'ANALYTICS_PARTICIPANT_UNKNOWN']);
  });

  it('documents the three routes in OpenAPI for both kinds of caller', async () => {
    const doc = (await platform.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/v1/analytics/summary', '/v1/analytics/timeseries', '/v1/analytics/breakdown/{dimension}']) {
      const get = doc.paths[path]?.get;
      expect(get?.security, path).toEqual([{ participantSignature: [] }, { operatorToken: [] }]);
      expect(Object.keys(get.responses), path).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
      const query = Object.fromEntries(get.parameters.filter((x: { in: string }) => x.in === 'query').map((x: { name: string }) => [x.name, x]));
      expect([query.from.required ?? false, query.to.required ?? false], path).toEqual([false, false]);
      expect(query.from.description, path).toMatch(/the last 24 hours, up to the end of the current UTC minute/);
      expect(query.to.description, path).toMatch(/24 hours after from/);
    }
  });

  describe('isolation', () => {
    // MCCs are digits that could occur inside any amount: they are checked as keys below.
    const bMarks = [B, 'panda', ...WALLETS[B].merchants, ...WALLETS[B].merchants.map((m) => MERCHANTS[m]!.name), 'CN-KR', 'CN-MY', 'CN-TH', 'CNY'];
    const bMccs = WALLETS[B].merchants.map((m) => MERCHANTS[m]!.mcc);
    /** Every analytics answer A may get: each route, each bucket, each dimension. */
    const urlsForA = (extra: Query = {}) => [
      urlOf('/v1/analytics/summary', { ...window(), ...extra }),
      ...(['minute', 'hour', 'day'] as const).map((bucket) =>
        urlOf('/v1/analytics/timeseries', { ...(bucket === 'minute' ? window(FROM + DAY + 10 * HOUR, FROM + DAY + 12 * HOUR) : window()), bucket, ...extra }),
      ),
      ...DIMENSIONS.map((d) => urlOf(`/v1/analytics/breakdown/${d}`, { ...window(), ...extra })),
    ];

    it("never shows A any of B's merchants, corridors, currencies or counts, on any route", async () => {
      const bCounts = expectedSummary(B).payments;
      for (const extra of [{}, { participant: A }]) {
        for (const url of urlsForA(extra)) {
          for (const answer of [await asParticipant(A, url), await asOperator('siam.analyst', url)]) {
            expect(answer.status, url).toBe(200);
            const text = JSON.stringify(answer.body);
            for (const mark of bMarks) expect(text, `${url} shows ${mark}`).not.toContain(mark);
            for (const row of answer.body.rows ?? []) expect(bMccs, url).not.toContain(row.key);
            expect(answer.body.participant).toBe(A);
          }
        }
      }
      const a = (await asParticipant(A, urlOf('/v1/analytics/summary', window()))).body.payments;
      expect(a).toEqual(expectedSummary(A).payments);
      expect(a.payments).not.toBe(bCounts.payments);
      expect(a.payments).not.toBe(bCounts.payments + expectedSummary(A).payments.payments);
    });

    it("refuses A, A's analyst, B's analyst and an acquirer anyone else's analytics with 403, and audits it", async () => {
      const callers: Array<[string, (url: string) => Promise<{ status: number; body: Record<string, any> }>, string]> = [
        [A, (url) => asParticipant(A, url), B],
        ['siam.analyst', (url) => asOperator('siam.analyst', url), B],
        ['panda.analyst', (url) => asOperator('panda.analyst', url), A],
        [ACQ, (url) => asParticipant(ACQ, url), A],
        [B, (url) => asParticipant(B, url), ACQ],
      ];
      for (const [who, call, other] of callers) {
        for (const url of urlsForA({ participant: other })) {
          const r = await call(url);
          expect([r.status, r.body.error?.code], `${who} ${url}`).toEqual([403, 'ANALYTICS_FORBIDDEN']);
          expect(JSON.stringify(r.body)).not.toContain('payments');
        }
      }
      const denied = await eventually(
        () => scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.audit_log WHERE action LIKE 'analytics.%' AND outcome = 'denied' AND actor = {a:String} AND target = {t:String}", { a: A, t: B }),
        (n) => n >= urlsForA().length,
        5000,
      );
      expect(denied).toBe(urlsForA().length);
      const answered = await scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.audit_log WHERE action = 'analytics.summary' AND outcome = 'ok' AND actor = 'siam.analyst' AND target = {a:String}", { a: A });
      expect(answered).toBeGreaterThan(0);
    });

    it('answers injection probes in every parameter with 4xx and changes nothing', async () => {
      const client = platform.clickhouse.client;
      const snapshot = async () => ({
        transactions: await scalar(client, 'SELECT toUInt32(count()) FROM cpg.transactions'),
        seededAlertEvents: await scalar(client, "SELECT toUInt32(count()) FROM cpg.alert_events WHERE event_id LIKE 'seed-%'"),
        perMinute: await scalar(client, "SELECT toUInt32(sum(messages)) FROM cpg.transactions_per_minute WHERE participant = {a:String}", { a: A }),
        tables: await scalar(client, "SELECT arrayStringConcat(groupArray(name), ',') FROM (SELECT name FROM system.tables WHERE database = 'cpg' ORDER BY name)"),
        a: (await asParticipant(A, urlOf('/v1/analytics/summary', window()))).body,
        b: (await asOperator('admin', urlOf('/v1/analytics/summary', { ...window(), participant: B }))).body,
      });
      const before = await snapshot();
      const probes = [
        "' OR 1=1 --",
        `${A}' OR participant = '${B}`,
        `${A}') OR ('1'='1`,
        "'; DROP TABLE cpg.transactions; --",
        '1; SELECT * FROM cpg.transactions',
        '{participant:String}',
        `${iso(FROM)}' OR '1'='1`,
        `${iso(FROM)}); DROP TABLE cpg.alert_events; --`,
        'now() - INTERVAL 1 YEAR',
        `${B}\u0000`,
        `${A}\u0000${B}`,
        'ｓｉａｍ-wallet',
        'siam\u2010wallet',
        '\u202Ecorridor',
        '𝕮𝖔𝖗𝖗𝖎𝖉𝖔𝖗 💥',
        '../../etc/passwd',
        '%27%20OR%201%3D1',
        '-1',
        '0x7FFFFFFF',
        'x'.repeat(5000),
        `${iso(FROM)}${'9'.repeat(3000)}`,
      ];
      // Each route with every parameter it takes, valid, so that only the probe is wrong.
      const base: Record<string, Query> = Object.fromEntries(
        ROUTES.map((path) => [path, path.endsWith('summary') ? window() : path.endsWith('timeseries') ? { ...window(), bucket: 'hour' } : { ...window(), limit: '10' }]),
      );
      let sent = 0;
      const check = async (url: string, label: string) => {
        for (const r of [await asParticipant(A, url), await asOperator('siam.analyst', url)]) {
          sent++;
          expect(r.status, label).toBeGreaterThanOrEqual(400);
          expect(r.status, label).toBeLessThan(500);
          expect(String(r.body.error?.code), `${label}: ${JSON.stringify(r.body).slice(0, 300)}`).toMatch(/^[A-Z][A-Z0-9_]+$/);
        }
      };
      for (const [path, query] of Object.entries(base)) {
        for (const param of [...Object.keys(query), 'participant']) {
          for (const probe of probes) await check(urlOf(path, { ...query, [param]: probe }), `${path} ${param}=${probe.slice(0, 40)}`);
        }
        // Parameter pollution and parameters the route does not know.
        await check(`${urlOf(path, query)}&participant=${A}&participant=${B}`, `${path} participant twice`);
        await check(`${urlOf(path, query)}&from=${encodeURIComponent(iso(FROM - DAY))}`, `${path} from twice`);
        await check(urlOf(path, { ...query, participant_id: B }), `${path} participant_id`);
        await check(urlOf(path, { ...query, fromMs: '0' }), `${path} fromMs`);
      }
      for (const probe of [...probes, 'Corridor', 'merchant_id', 'received_at', 'corridor/../merchant', 'corridor;']) {
        await check(urlOf(`/v1/analytics/breakdown/${encodeURIComponent(probe)}`, window()), `dimension=${probe.slice(0, 40)}`);
      }
      // 7 routes x 3-4 parameters x every probe, plus pollution and dimensions, by two callers.
      expect(sent).toBeGreaterThan(1200);
      expect(await snapshot()).toEqual(before);
    });
  });

  it('sees payments made through the switch: a wallet and the acquirer of their merchant', async () => {
    const started = Math.floor(Date.now() / MINUTE) * MINUTE;
    const qr = await merchantQrs(platform.app);
    // mixedPayment's plan 2 is hangang-pay paying m-cn-0006 (huaxia-acquiring).
    const answers = [];
    for (const i of [2, 8, 14, 20]) {
      const { participant, body } = mixedPayment(qr, i);
      answers.push(await signed(platform.app, { participant, method: 'POST', path: '/v1/payments', body }));
    }
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200]);
    const approved = answers.filter((x) => x.body.status === 'APPROVED').length;
    const live = window(started, started + 10 * MINUTE);
    const summary = await eventually(
      async () => (await asParticipant('hangang-pay', urlOf('/v1/analytics/summary', live))).body,
      (s) => s.payments?.payments === 4,
      15_000,
    );
    expect(summary.payments.approved).toBe(approved);
    expect(summary.settlement.map((x: { currency: string }) => x.currency)).toEqual(['KRW']);
    expect(summary.latency.p50Ms).toBeGreaterThan(0);
    const acquirer = (await asParticipant(HUAXIA, urlOf('/v1/analytics/breakdown/merchant', live))).body;
    expect(acquirer.rows.map((x: { key: string; payments: number }) => [x.key, x.payments])).toEqual([['m-cn-0006', 4]]);
    const series = (await asParticipant('hangang-pay', urlOf('/v1/analytics/timeseries', { ...live, bucket: 'minute' }))).body;
    expect(series.source).toBe('per-minute');
    expect(series.points.reduce((n: number, x: { payments: number }) => n + x.payments, 0)).toBe(4);
    const other = (await asParticipant(ACQ, urlOf('/v1/analytics/summary', live))).body;
    expect(other.payments.payments).toBe(0);
  });
});
