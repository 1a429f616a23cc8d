import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../bench/traffic/tap-events.ts';
import { createRandom } from '../bench/traffic/random.ts';
import { readDeadLetters, UNDECODABLE } from '../ingest/dead-letters.ts';
import { startTestPlatform } from './support/platform.ts';
import { eventually, merchantQrs, scalar, sendPayments } from './support/traffic.ts';

/**
 * The transactions writer against 10,000 tap entries, one in ten with a column's value at or
 * past its limit, mixed into valid traffic (and signed payments through the API meanwhile):
 * every entry ClickHouse accepts lands exactly once, every other one is in the dead-letter
 * store with the reason expected, and the writer never stops or retries.
 *
 * Each fuzzed entry changes one column, through the tap field it comes from, and knows what
 * must become of it. What ClickHouse (26.7) does at each limit was found by inserting such
 * rows one at a time: a decimal with more integer digits than Decimal(18, 4) (14) or
 * Decimal(18, 8) (10) holds is refused (ARGUMENT_OUT_OF_BOUND), extra decimals are cut; a
 * lone high surrogate in a JSON string is refused (CANNOT_PARSE_ESCAPE_SEQUENCE), a lone low
 * one is replaced; an integer past UInt16 wraps, a negative one is refused
 * (CANNOT_PARSE_NUMBER), a fraction is refused (CANNOT_PARSE_INPUT_ASSERTION_FAILED); a
 * year past 9999 or before 1 is refused (CANNOT_PARSE_DATETIME); Float64 takes any number
 * and 'NaN'/'inf', refuses words. Entries that make no row (a date JavaScript cannot hold, a
 * status no commit writes, a corridor that is not text) are dead-lettered as UNDECODABLE.
 * Seeded: FUZZ_SEED=<n> replays a run.
 */
const TAP = 'tap:transactions';
const ENTRIES = 10_000;
const FUZZED_SHARE = 0.1;

type Verdict = { lands: true } | { dead: string };
const LANDS: Verdict = { lands: true };
const refused = (code: string): Verdict => ({ dead: code });
const ESCAPE = refused('CANNOT_PARSE_ESCAPE_SEQUENCE');
const OUT_OF_BOUND = refused('ARGUMENT_OUT_OF_BOUND');
const ASSERTION = refused('CANNOT_PARSE_INPUT_ASSERTION_FAILED');
const NUMBER = refused('CANNOT_PARSE_NUMBER');
const DATETIME = refused('CANNOT_PARSE_DATETIME');
const UNDECODED = refused(UNDECODABLE);

/** The simulator's seeded source (the same sequence for a seed), with what the fuzzing draws. */
function random(seed: number) {
  const { next } = createRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const digits = (n: number) => (n === 0 ? '' : String(int(1, 9)) + Array.from({ length: n - 1 }, () => int(0, 9)).join(''));
  /** Text that ClickHouse takes: ASCII, CJK, emoji (whole surrogate pairs), control characters, lone low surrogates. */
  const text = (max = 40): string => {
    let s = '';
    for (let n = int(0, max); n > 0; n--) {
      const kind = int(0, 9);
      if (kind < 5) s += String.fromCharCode(int(0x20, 0x7e));
      else if (kind < 7) s += String.fromCharCode(int(0x4e00, 0x9fff));
      else if (kind === 7) s += String.fromCodePoint(int(0x1f300, 0x1faff));
      else if (kind === 8) s += String.fromCharCode(int(0x00, 0x1f));
      else s += String.fromCharCode(int(0xdc00, 0xdfff));
    }
    return s;
  };
  /** Text with a high surrogate that no low one follows: ClickHouse refuses the JSON escape. */
  const loneHigh = () => {
    const s = text(20);
    const at = int(0, s.length);
    // Never split a pair, never put the lone one before a low surrogate.
    const head = /[\ud800-\udbff]$/.test(s.slice(0, at)) ? s.slice(0, at - 1) : s.slice(0, at);
    const tail = s.slice(at).replace(/^[\udc00-\udfff]+/, '');
    return `${head}${String.fromCharCode(int(0xd800, 0xdbff))}${tail.length > 0 ? tail : ''}`;
  };
  const huge = () => 'x'.repeat(int(20_000, 200_000)) + text(10);
  return { next, int, pick, digits, text, loneHigh, huge, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

/** A tap entry being built: the event as JSON-able data, and the stream fields around it. */
interface Draft {
  event: any;
  status: string;
  declineCode: string;
  /** Replaces the whole entry (a rejected request, or something no tap wrote). */
  fields?: string[];
}

/** One way of fuzzing: sets a value (random within the case) and says what must become of the entry. */
type Case = (d: Draft, r: Random) => Verdict;

interface Mutation {
  /** The columns of cpg.transactions it reaches. */
  columns: string[];
  cases: Case[];
}

const set = (o: any, path: string[], v: unknown): void => {
  const parent = path.slice(0, -1).reduce((x, k) => (x[k] ??= {}), o);
  parent[path[path.length - 1]!] = v;
};
/** A case setting `path` to what `value` draws. */
const setting = (path: string[], value: (r: Random) => unknown, verdict: Verdict): Case => (d, r) => {
  set(d.event, path, value(r));
  return verdict;
};

/** A String or LowCardinality(String) column from a text field of the event; `plain` for String, which also reads objects as their JSON. */
function textColumn(column: string, path: string[], plain = false): Mutation {
  return {
    columns: [column],
    cases: [
      setting(path, (r) => r.loneHigh(), ESCAPE),
      setting(path, (r) => r.text(), LANDS),
      setting(path, (r) => r.huge(), LANDS),
      setting(path, () => '', LANDS),
      // ClickHouse reads a JSON number as its text.
      setting(path, (r) => r.pick([0, -1, 42, 1.5, 1e21]), LANDS),
      ...(plain ? [setting(path, (r) => r.pick([{ a: 1 }, [1, 'x'], true]), LANDS)] : []),
    ],
  };
}

/** A Decimal(18, scale) column: `integers` digits fit before the point. */
function decimalColumn(column: string, path: string[], integers: number): Mutation {
  const sign = (r: Random) => r.pick(['', '-']);
  return {
    columns: [column],
    cases: [
      // At the limit, every digit a nine; decimals past the scale are cut.
      setting(path, (r) => `${sign(r)}${'9'.repeat(integers)}.${'9'.repeat(r.int(0, 10))}`, LANDS),
      setting(path, (r) => `${sign(r)}${r.digits(r.int(1, integers))}${r.chance(0.7) ? `.${r.digits(r.int(1, 10))}` : ''}`, LANDS),
      // One integer digit or more past it.
      setting(path, (r) => `${sign(r)}${r.digits(r.int(integers + 1, 18))}${r.chance(0.5) ? `.${r.digits(r.int(1, 4))}` : ''}`, OUT_OF_BOUND),
      setting(path, (r) => Number(`1e${r.int(integers + 1, 20)}`), OUT_OF_BOUND),
      setting(path, (r) => Number(`${r.digits(r.int(1, Math.min(integers, 12)))}.${r.digits(2)}`), LANDS),
      setting(path, (r) => r.pick(['abc', ' 5', '1_000', '0x10', 'NaN', 'inf', `x${r.digits(3)}`]), ASSERTION),
      setting(path, (r) => r.pick(['', '.5', '5.', '+5', '-0']), LANDS),
    ],
  };
}

/**
 * A DateTime64(3) column from unix ms. `ttl`: the tables drop rows by their received_at, at
 * any merge (transactions after five years, the per-minute aggregates after two; and dates
 * past 2106, which a TTL's DateTime wraps): the values meant to land stay within the shorter.
 */
function timeColumn(column: string, path: string[], ttl: boolean): Mutation {
  const from = () => (ttl ? Date.now() - 365 * 86_400_000 : -62_135_596_800_000); // else year 1
  const to = ttl ? Date.UTC(2100, 0, 1) : 253_402_300_799_999; // else the last ms of 9999
  return {
    columns: [column],
    cases: [
      // DateTime64's own limits; where a TTL applies, the ends of what it keeps.
      setting(path, (r) => (ttl ? r.pick([from(), to]) : r.pick([Date.UTC(1900, 0, 1), Date.UTC(2299, 11, 31, 23, 59, 59, 999)])), LANDS),
      setting(path, (r) => r.int(from(), to), LANDS),
      // Past year 9999 or before year 1, as JavaScript writes them: +010000-..., -000002-...
      setting(path, (r) => r.int(253_402_300_800_000, 8.64e15), DATETIME),
      setting(path, (r) => -r.int(62_198_755_200_001, 8.64e15), DATETIME),
      // Past what a JavaScript Date holds, or no time at all: no row can be made.
      setting(path, (r) => r.pick([1, -1]) * r.int(8.64e15 + 1, 9e15), UNDECODED),
      setting(path, (r) => r.pick(['soon', '', 'yesterday']), UNDECODED),
    ],
  };
}

/** An Array(LowCardinality(String)) column from the rule ids of a list of reasons. */
function ruleIdsColumn(column: string, path: string[]): Mutation {
  const reasons = (r: Random) => Array.from({ length: r.int(1, 5) }, () => ({ ruleId: r.text(12), ruleVersion: 1, message: r.text(30) }));
  return {
    columns: [column],
    cases: [
      setting(path, (r) => reasons(r).map((x, i, all) => (i === all.length - 1 ? { ...x, ruleId: r.loneHigh() } : x)), ESCAPE),
      setting(path, (r) => reasons(r).map((x, i) => ({ ...x, ruleId: r.pick([i, null, r.huge()]) })), LANDS),
      setting(path, (r) => (r.chance(0.3) ? [] : reasons(r)), LANDS),
      // Not a list: no row can be made.
      setting(path, (r) => r.pick([{}, 'x', null, 7]), UNDECODED),
    ],
  };
}

const MUTATIONS: Mutation[] = [
  textColumn('payment_id', ['paymentId'], true),
  textColumn('message_type', ['messageType']),
  textColumn('original_payment_id', ['originalPaymentId'], true),
  textColumn('participant', ['participant']),
  textColumn('participant_kind', ['participantKind']),
  textColumn('initiator', ['initiator']),
  textColumn('txn_id', ['txnId'], true),
  textColumn('direction', ['direction']),
  textColumn('wallet_id', ['payer', 'walletId'], true),
  textColumn('payer_name', ['payer', 'name'], true),
  textColumn('payer_nationality', ['payer', 'nationality']),
  {
    // UInt8: the row builder writes 1 for `true` and 0 for anything else, so anything lands.
    columns: ['settlement_held'],
    cases: [setting(['settlementHeld'], (r) => r.pick([true, false, 1, 'yes', null, {}, 1e300]), LANDS)],
  },
  {
    // UInt16: the row builder keeps only a whole year in range (else 0), so anything lands.
    columns: ['payer_birth_year'],
    cases: [setting(['payer', 'birthYear'], (r) => r.pick([-1, 0, 1950, 65_535, 65_536, 1e300, 19.5, null, '1950', {}]), LANDS)],
  },
  textColumn('user_id', ['payer', 'userId'], true),
  textColumn('device_id', ['payer', 'deviceId'], true),
  textColumn('ip', ['payer', 'ip'], true),
  textColumn('payer_country', ['payer', 'country']),
  textColumn('merchant_id', ['merchant', 'id']),
  textColumn('merchant_name', ['merchant', 'name'], true),
  {
    // Array(String): every element text; not a list, ClickHouse refuses the row.
    columns: ['merchant_alt_names'],
    cases: [
      setting(['merchant', 'altNames'], (r) => [r.text(), r.huge()], LANDS),
      setting(['merchant', 'altNames'], () => [], LANDS),
      setting(['merchant', 'altNames'], (r) => [r.text(), r.loneHigh()], ESCAPE),
      setting(['merchant', 'altNames'], (r) => r.pick([{}, 'x', 7]), refused('CANNOT_READ_ARRAY_FROM_TEXT')),
    ],
  },
  {
    // Array(LowCardinality(String)): the presented QR's warning codes, written as the event has them.
    columns: ['qr_warnings'],
    cases: [
      setting(['qrWarnings'], (r) => ['QR_FIELD_TOO_LONG', r.text(), r.huge()], LANDS),
      setting(['qrWarnings'], () => [], LANDS),
      setting(['qrWarnings'], (r) => ['QR_RFU_ID', r.loneHigh()], ESCAPE),
      setting(['qrWarnings'], (r) => r.pick([{}, 'x', 7]), refused('CANNOT_READ_ARRAY_FROM_TEXT')),
    ],
  },
  textColumn('mcc', ['merchant', 'mcc']),
  textColumn('merchant_country', ['merchant', 'country']),
  textColumn('merchant_city', ['merchant', 'city']),
  textColumn('acquirer', ['merchant', 'acquirer']),
  textColumn('network', ['merchant', 'network']),
  textColumn('currency', ['amount', 'currency']),
  textColumn('settlement_currency', ['settlement', 'currency']),
  textColumn('decision', ['risk', 'decision']),
  textColumn('rule_set_version', ['risk', 'ruleSetVersion']),
  textColumn('screening_lists', ['risk', 'screeningLists']),
  decimalColumn('amount', ['amount', 'value'], 14),
  decimalColumn('amount_usd', ['amountUsd'], 14),
  decimalColumn('settlement_amount', ['settlement', 'value'], 14),
  decimalColumn('fx_rate', ['settlement', 'fxRate'], 10),
  timeColumn('received_at', ['receivedAt'], true),
  timeColumn('decided_at', ['decidedAt'], false),
  ruleIdsColumn('reason_rule_ids', ['risk', 'reasons']),
  ruleIdsColumn('shadow_rule_ids', ['risk', 'shadowHits']),
  {
    // The reasons as JSON text: JSON.stringify has escaped whatever they hold, a lone surrogate is only text there.
    columns: ['reasons'],
    cases: [
      setting(['risk', 'reasons'], (r) => [{ ruleId: 'r1', ruleVersion: 1, message: r.loneHigh(), value: r.text(), threshold: r.pick([1e308, null, '\u0000']) }], LANDS),
      setting(['risk', 'reasons'], (r) => [{ ruleId: 'r1', ruleVersion: 1, message: r.huge() }], LANDS),
    ],
  },
  {
    // payer_market is the corridor's first half.
    columns: ['corridor', 'payer_market'],
    cases: [
      setting(['corridor'], (r) => `${r.loneHigh()}-CN`, ESCAPE),
      setting(['corridor'], (r) => `${r.text(8)}-${r.text(8)}`, LANDS),
      setting(['corridor'], (r) => r.huge(), LANDS),
      // Not text: no row can be made.
      setting(['corridor'], (r) => r.pick([42, null, { a: 1 }]), UNDECODED),
    ],
  },
  {
    columns: ['risk_score'],
    cases: [
      // UInt16's limits; past them ClickHouse wraps (65,536 is 0) and takes it.
      setting(['risk', 'score'], (r) => r.pick([0, 65_535]), LANDS),
      setting(['risk', 'score'], (r) => r.int(65_536, 1e20), LANDS),
      setting(['risk', 'score'], (r) => -r.int(1, 1e9), NUMBER),
      setting(['risk', 'score'], (r) => r.int(0, 1000) + 0.5, ASSERTION),
      setting(['risk', 'score'], (r) => r.pick(['x', 1e21, 'high']), ASSERTION),
      setting(['risk', 'score'], (r) => r.pick([null, true, '123', r.int(0, 1000)]), LANDS),
    ],
  },
  // UInt32: the row builder clamps the latencies into range, so anything lands.
  ...(['switch_latency_us', 'risk_latency_us'] as const).map((column) => ({
    columns: [column],
    cases: [setting([column === 'switch_latency_us' ? 'switchLatencyUs' : 'riskLatencyUs'], (r) => r.pick([-1, 0, 4_294_967_295, 4_294_967_296, 1e300, -1e300, null, 'slow', 12.7]), LANDS)],
  })),
  ...(['lat', 'lon'] as const).map((column) => ({
    columns: [column],
    cases: [
      setting(['payer', 'location', column], (r) => `north${r.text(3).replace(/[^a-z]/g, '')}`, NUMBER),
      setting(['payer', 'location', column], (r) => [r.int(0, 9)], NUMBER),
      setting(['payer', 'location', column], (r) => r.pick(['NaN', 'inf', '-inf', null, 1.7976931348623157e308, -5e-324, -0]), LANDS),
      setting(['payer', 'location', column], (r) => (r.next() - 0.5) * 10 ** r.int(0, 300), LANDS),
    ],
  })),
  // Status and decline code come from the commit's own fields.
  {
    columns: ['status'],
    cases: [(d, r) => ((d.status = r.pick(['PENDING', '', 'approved'])), UNDECODED), (d, r) => ((d.status = r.pick(['APPROVED', 'DECLINED'])), LANDS)],
  },
  {
    columns: ['decline_code'],
    // Redis stores text as UTF-8: a lone surrogate arrives as U+FFFD.
    cases: [(d, r) => ((d.declineCode = r.pick([r.text(30), r.loneHigh(), r.huge()])), LANDS)],
  },
  {
    // A rejected request, recorded as the switch records it, with the caller's own strings.
    columns: ['message_type', 'wallet_id', 'txn_id'],
    cases: [true, false].map((bad): Case => (d, r) => {
      const message = {
        paymentId: d.event.paymentId, messageType: 'rejected', requested: 'payment', participant: 'siam-wallet', initiator: 'siam-wallet',
        txnId: r.text(20), rejectCode: r.pick(['QR_MALFORMED', 'AMOUNT_CURRENCY_MISMATCH']),
        payer: { walletId: bad ? r.loneHigh() : r.text(20) }, amount: { value: r.pick(['1e400', 'abc', '99999999999999999', '12.50']), currency: r.text(3) },
        receivedAt: Date.now(),
      };
      d.fields = ['r', JSON.stringify(message)];
      return bad ? ESCAPE : LANDS;
    }),
  },
  {
    // Entries no version of the tap wrote, and events without a part the row builder needs.
    columns: [],
    cases: [
      ...[['e', '{"paymentId":'], ['x', '1'], ['e', 'null', 's', 'APPROVED']].map((fields): Case => (d) => ((d.fields = fields), UNDECODED)),
      (d) => ((d.fields = ['e', JSON.stringify(d.event)]), UNDECODED),
      ...['payer', 'merchant', 'amount', 'settlement', 'risk'].map((part): Case => (d) => (delete d.event[part], UNDECODED)),
    ],
  },
];

// Not settable from a tap entry: the entry's own id, the insert time (a DEFAULT) and the
// decline reason (MATERIALIZED from status, decline code and rule ids, all fuzzed).
const NOT_FROM_THE_TAP = ['stream_id', 'ingested_at', 'decline_reason'];
// Never refused: the row builder clamps the latencies and the year of birth and writes the hold as 0 or 1; the
// decline code arrives as UTF-8; the reasons column is JSON text the row builder wrote.
const NEVER_REFUSED = ['switch_latency_us', 'risk_latency_us', 'payer_birth_year', 'settlement_held', 'decline_code', 'reasons'];

describe('ingest fuzz: values at and past every column limit, mixed into valid traffic', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);

  beforeAll(async () => {
    console.info(`ingest fuzz seed ${seed} (FUZZ_SEED=${seed} replays this run)`);
    platform = await startTestPlatform();
  }, 120_000);
  afterAll(async () => platform?.stop());

  it('lands every valid entry exactly once, dead-letters every other with its reason, and never stops', async () => {
    const r = random(seed);
    const ch = platform.clickhouse.client;
    const expected = new Map<string, Verdict & { column: string }>();
    const reached = new Map<string, Set<'lands' | 'dead'>>();
    const started = Date.now();

    // Signed payments through the API all the while.
    const qr = await merchantQrs(platform.app);
    const payments = sendPayments(platform.app, qr, 300, 2);

    // Every case of every column in turn, in an order the seed shuffles; values drawn within each case.
    const pairs = MUTATIONS.flatMap((mutation) => mutation.cases.map((fuzz) => ({ mutation, fuzz })));
    for (let i = pairs.length - 1; i > 0; i--) {
      const j = r.int(0, i);
      [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
    }
    let fuzzed = 0;
    for (let chunk = 0; chunk < ENTRIES / 1000; chunk++) {
      const drafts: Array<{ fields: string[]; verdict: Verdict; mutation?: Mutation }> = [];
      for (let i = chunk * 1000; i < (chunk + 1) * 1000; i++) {
        const base = sampleEvent(i);
        const event: any = { ...base, paymentId: `pay_fuzz_${seed}_${i}`, originalPaymentId: '', payer: { ...base.payer, userId: `u-${i}` } };
        const d: Draft = { event, status: r.pick(['APPROVED', 'DECLINED']), declineCode: '' };
        let verdict: Verdict = LANDS;
        let mutation: Mutation | undefined;
        if (r.chance(FUZZED_SHARE)) {
          const pair = pairs[fuzzed++ % pairs.length]!;
          mutation = pair.mutation;
          verdict = pair.fuzz(d, r);
        }
        drafts.push({ fields: d.fields ?? ['e', JSON.stringify(d.event), 's', d.status, 'd', d.declineCode], verdict, mutation });
      }
      const tx = platform.redis.multi();
      for (const { fields } of drafts) tx.xadd(TAP, '*', ...fields);
      const ids = ((await tx.exec()) ?? []).map(([, id]) => id as string);
      drafts.forEach(({ verdict, mutation }, k) => {
        expected.set(ids[k]!, { ...verdict, column: mutation ? mutation.columns.join('+') || 'entry' : 'valid' });
        for (const column of mutation?.columns ?? []) {
          if (!reached.has(column)) reached.set(column, new Set());
          reached.get(column)!.add('lands' in verdict ? 'lands' : 'dead');
        }
      });
    }
    expect(fuzzed).toBeGreaterThanOrEqual(pairs.length);

    const appended = Date.now();
    const answered = await payments;
    expect(answered.every((a) => a.status === 200)).toBe(true);
    await eventually(() => platform.writer!.lag(), (l) => l.pending === 0 && l.lagMs === 0, 90_000);
    const drained = Date.now();

    // Every column of the table was fuzzed, past its limit wherever ClickHouse has one.
    const columns = await (await ch.query({ query: 'DESCRIBE TABLE cpg.transactions', format: 'JSONEachRow' })).json<{ name: string }>();
    for (const { name } of columns) {
      if (NOT_FROM_THE_TAP.includes(name)) continue;
      expect([...(reached.get(name) ?? [])].sort(), `column ${name}`).toEqual(NEVER_REFUSED.includes(name) ? ['lands'] : ['dead', 'lands']);
    }

    const dead = new Map((await readDeadLetters(platform.redis, TAP, ENTRIES)).map((d) => [d.id, d.code]));
    const counted = await (await ch.query({ query: 'SELECT stream_id, toUInt32(count()) AS n FROM cpg.transactions GROUP BY stream_id', format: 'JSONEachRow' })).json<{ stream_id: string; n: number }>();
    const landed = new Map(counted.map((c) => [c.stream_id, Number(c.n)]));
    const wrong: string[] = [];
    let shouldLand = 0;
    let shouldDie = 0;
    for (const [id, v] of expected) {
      const times = landed.get(id) ?? 0;
      if ('lands' in v) {
        shouldLand += 1;
        if (times !== 1 || dead.has(id)) wrong.push(`${id} (${v.column}) should land once: landed ${times}, dead-lettered ${dead.get(id) ?? 'no'}`);
      } else {
        shouldDie += 1;
        if (times !== 0 || dead.get(id) !== v.dead) wrong.push(`${id} (${v.column}) should be dead-lettered ${v.dead}: landed ${times}, dead-lettered ${dead.get(id) ?? 'no'}`);
      }
    }
    expect(wrong.slice(0, 20), `seed ${seed}: ${wrong.length} entries went the wrong way`).toEqual([]);
    expect(dead.size).toBe(shouldDie);
    expect(shouldDie).toBeGreaterThan(ENTRIES * FUZZED_SHARE * 0.2);

    // The payments landed too, once each; the per-minute aggregates count every row once.
    const paymentIds = answered.map((a) => a.body.paymentId as string);
    expect(await scalar(ch, 'SELECT count() FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: paymentIds })).toBe(300);
    expect(await scalar(ch, 'SELECT count() FROM cpg.transactions')).toBe(shouldLand + 300);
    expect(Number(await scalar(ch, 'SELECT toString(sum(messages)) FROM cpg.transactions_per_minute'))).toBe(shouldLand + 300);

    // Never retried a refusal as if ClickHouse were failing, and never died.
    const stats = platform.writer!.stats();
    expect(stats.failures).toBe(0);
    expect(stats.deadLetters).toBe(shouldDie);
    expect(await platform.redis.exists(`${TAP}:inflight:writer-1`)).toBe(0);
    console.info(`ingest fuzz seed ${seed}: ${shouldLand} landed, ${shouldDie} dead-lettered; appended in ${appended - started} ms, drained ${drained - appended} ms later`);
  }, 180_000);
});
