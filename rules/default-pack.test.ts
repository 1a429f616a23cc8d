import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentStatus, RiskAssessment } from '../domain/transaction.ts';
import { createRiskEngine, type RiskEngine } from './risk-engine.ts';
import { createListStore } from './lists/list-store.ts';
import { LISTS_CHANNEL } from './risk-lists.ts';
import { loadDefaultPack } from './rule-store.ts';
import { testMessage, T0, type MessageSpec } from './test-support/messages.ts';
import { ordinaryTraffic } from './test-support/ordinary-traffic.ts';
import { sampleScreeningService } from './test-support/sample-screening.ts';
import { scoreAndCommit } from './test-support/outcome.ts';
import { startTestRedis, type TestRedis } from './test-support/redis.ts';

/**
 * Every rule of the default pack against its typology (it fires) and against ordinary
 * traffic (it stays silent), through the whole engine and a real Redis.
 */

let server: TestRedis;
let redis: Redis;
let engine: RiskEngine;
let n = 0;
/** Fresh ids, so scenarios never share a payer, device, IP or merchant. */
const fresh = (prefix: string) => `${prefix}-${++n}`;
const freshIp = () => `10.${Math.floor(++n / 250)}.${n % 250}.7`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

beforeAll(async () => {
  server = await startTestRedis();
  redis = server.connect();
  // A generous deadline: these tests are about what the rules decide, not about speed.
  engine = await createRiskEngine({
    redis,
    thresholds: { review: 400, decline: 700 },
    deadlineMs: 500,
    fallback: { approveBelowUsd: 50, otherwise: 'review' },
    cnyPerUsd: '7.12',
    screening: sampleScreeningService(3),
  });
});
afterAll(async () => {
  await engine?.close();
  await server?.stop();
});

async function pay(spec: MessageSpec & { walletId: string; merchantId: string }, status?: PaymentStatus): Promise<RiskAssessment> {
  const risk = await scoreAndCommit(engine, testMessage({ ip: `ip-of-${spec.walletId}`, ...spec }), status);
  expect(risk.reasons.map((r) => r.ruleId)).not.toContain('RISK_DEGRADED');
  return risk;
}

const reason = (risk: RiskAssessment, ruleId: string) => risk.reasons.find((r) => r.ruleId === ruleId);
const fired = (risk: RiskAssessment) => risk.reasons.map((r) => r.ruleId);

const scenarios: Record<string, { typology: string; run: () => Promise<void> }> = {
  'sanctioned-country': {
    typology: 'a payment to a merchant in a sanctioned country is declined',
    async run() {
      const risk = await pay({ walletId: fresh('w'), merchantId: fresh('m'), merchantCountry: 'KP' });
      expect(risk.decision).toBe('decline');
      expect(reason(risk, 'sanctioned-country')).toMatchObject({ ruleVersion: 1, value: 'TH-KP', message: 'Sanctioned country in corridor TH-KP' });
    },
  },
  'blocked-wallet': {
    typology: 'a wallet on the blocked list is declined, the same wallet id at another participant is not',
    async run() {
      const walletId = fresh('w');
      expect((await engine.store.lists.add('blocked-wallets', [`siam-wallet:${walletId}`], 'officer-1')).ok).toBe(true);
      const risk = await pay({ walletId, merchantId: fresh('m') });
      expect(risk.decision).toBe('decline');
      expect(fired(risk)).toContain('blocked-wallet');
      const other = await pay({ walletId, merchantId: fresh('m'), participant: 'merlion-pay', payerCountry: 'SG', ip: freshIp() });
      expect(fired(other)).not.toContain('blocked-wallet');
    },
  },
  'blocked-device': {
    typology: 'a device on the blocked list is declined',
    async run() {
      const deviceId = fresh('d');
      await engine.store.lists.add('blocked-devices', [`siam-wallet:${deviceId}`], 'officer-1');
      const risk = await pay({ walletId: fresh('w'), deviceId, merchantId: fresh('m') });
      expect(risk.decision).toBe('decline');
      expect(fired(risk)).toContain('blocked-device');
    },
  },
  'list-block': {
    typology: 'a payment to a merchant on the typed merchant block list is declined, the kind of subject in the reason',
    async run() {
      const merchantId = fresh('m');
      await createListStore(redis, { channel: LISTS_CHANNEL }).emergencyBlock('block:merchant', { value: merchantId, reason: 'merchant under investigation' }, 'officer-1');
      await engine.refreshLists('block:merchant');
      const risk = await pay({ walletId: fresh('w'), merchantId });
      expect(risk.decision).toBe('decline');
      expect(reason(risk, 'list-block')?.message).toBe("The payment's merchant is on its block list");
      expect(fired(await pay({ walletId: fresh('w'), merchantId: fresh('m') }))).not.toContain('list-block');
    },
  },
  'screening-payer-sanctions': {
    typology: 'a payer named as a sanctioned person (in Hangul) is declined, the entity and list version in the reason',
    async run() {
      const risk = await pay({ walletId: fresh('w'), merchantId: fresh('m'), payerName: '김정은' });
      expect(risk.decision).toBe('decline');
      expect(risk.screeningLists).toBe('sample:3');
      expect(reason(risk, 'screening-payer-sanctions')).toMatchObject({
        ruleVersion: 1,
        value: 1,
        message: 'Payer name matches sanctioned cpg-sample-kim-jong-un in sample v3 (score 1)',
      });
    },
  },
  'screening-merchant-sanctions': {
    typology: "a merchant whose QR's alternate-language name is a sanctioned company is declined",
    async run() {
      const risk = await pay({ walletId: fresh('w'), merchantId: fresh('m'), merchantName: 'Hangzhou Cameras', merchantAltNames: ['海康威视'] });
      expect(risk.decision).toBe('decline');
      expect(reason(risk, 'screening-merchant-sanctions')?.message).toBe('Merchant name matches sanctioned cpg-sample-hikvision in sample v3 (score 1)');
    },
  },
  'screening-payer-pep': {
    typology: 'a payer named as a politically exposed person is reviewed, not declined',
    async run() {
      const risk = await pay({ walletId: fresh('w'), merchantId: fresh('m'), payerName: 'Xi Jinping' });
      expect(risk.decision).toBe('review');
      expect(fired(risk)).toEqual(['screening-payer-pep']);
      expect(reason(risk, 'screening-payer-pep')).toMatchObject({ value: 1, message: 'Payer name matches politically exposed person cpg-sample-xi-jinping in sample v3 (score 1)' });
    },
  },
  'velocity-device-burst': {
    typology: 'the sixth payment from one device within a minute is declined, quoting the count',
    async run() {
      const deviceId = fresh('d');
      const ip = freshIp();
      const results: RiskAssessment[] = [];
      for (let i = 0; i < 6; i++) results.push(await pay({ walletId: fresh('w'), deviceId, ip, merchantId: fresh('m'), at: T0 + i * 5000 }));
      expect(results.slice(0, 5).map((r) => r.decision)).toEqual(['approve', 'approve', 'approve', 'approve', 'approve']);
      expect(results[5]!.decision).toBe('decline');
      expect(reason(results[5]!, 'velocity-device-burst')).toEqual({
        ruleId: 'velocity-device-burst',
        ruleVersion: 1,
        message: '6 payments from this device in 1 minute (limit 5)',
        value: 6,
        threshold: 5,
      });
    },
  },
  'velocity-payer-burst': {
    typology: 'the sixth payment from one wallet within a minute is declined',
    async run() {
      const walletId = fresh('w');
      const results: RiskAssessment[] = [];
      for (let i = 0; i < 6; i++) results.push(await pay({ walletId, deviceId: null, merchantId: fresh('m'), at: T0 + i * 5000 }));
      expect(results.slice(0, 5).every((r) => r.decision === 'approve')).toBe(true);
      expect(results[5]!.decision).toBe('decline');
      expect(reason(results[5]!, 'velocity-payer-burst')).toMatchObject({ value: 6, threshold: 5 });
    },
  },
  'velocity-payer-hourly': {
    typology: 'the twenty-first payment of one wallet within an hour',
    async run() {
      const walletId = fresh('w');
      const merchants = [fresh('m'), fresh('m'), fresh('m')];
      let last: RiskAssessment | undefined;
      for (let i = 0; i < 21; i++) {
        last = await pay({ walletId, merchantId: merchants[i % 3]!, at: T0 + i * 150_000 });
        if (i < 20) expect(fired(last), `payment ${i + 1}`).not.toContain('velocity-payer-hourly');
      }
      expect(reason(last!, 'velocity-payer-hourly')).toMatchObject({ value: 21, threshold: 20 });
    },
  },
  'velocity-ip-burst': {
    typology: 'the eleventh payment from one IP address within a minute',
    async run() {
      const ip = freshIp();
      let last: RiskAssessment | undefined;
      for (let i = 0; i < 11; i++) last = await pay({ walletId: fresh('w'), ip, merchantId: fresh('m'), at: T0 + i * 3000 });
      expect(reason(last!, 'velocity-ip-burst')).toMatchObject({ value: 11, threshold: 10 });
    },
  },
  'velocity-pair-repeat': {
    typology: 'the sixth payment from one wallet to one merchant within ten minutes',
    async run() {
      const walletId = fresh('w');
      const merchantId = fresh('m');
      let last: RiskAssessment | undefined;
      for (let i = 0; i < 6; i++) last = await pay({ walletId, merchantId, at: T0 + i * 90_000 });
      expect(reason(last!, 'velocity-pair-repeat')).toMatchObject({ value: 6, threshold: 5 });
    },
  },
  'probing-device': {
    typology: 'eight payments under USD 5 from one device within ten minutes are declined',
    async run() {
      const walletId = fresh('w');
      const deviceId = fresh('d');
      const results: RiskAssessment[] = [];
      for (let i = 0; i < 8; i++) results.push(await pay({ walletId, deviceId, usd: 1 + i / 10, merchantId: fresh('m'), at: T0 + i * 70_000 }));
      expect(results[6]!.decision).toBe('approve');
      expect(results[7]!.decision).toBe('decline');
      expect(reason(results[7]!, 'probing-device')).toMatchObject({ value: 8, threshold: 7 });
    },
  },
  'probing-ip': {
    typology: 'fifteen payments under USD 5 from one IP address within ten minutes are reviewed',
    async run() {
      const ip = freshIp();
      let last: RiskAssessment | undefined;
      for (let i = 0; i < 15; i++) last = await pay({ walletId: fresh('w'), ip, usd: 2, merchantId: fresh('m'), at: T0 + i * 35_000 });
      expect(last!.decision).toBe('review');
      expect(reason(last!, 'probing-ip')).toMatchObject({ value: 15, threshold: 14 });
    },
  },
  'large-value-single': {
    typology: 'one payment of USD 12,000 is reviewed',
    async run() {
      const below = await pay({ walletId: fresh('w'), merchantId: fresh('m'), usd: 7_000 });
      expect(fired(below)).not.toContain('large-value-single');
      const risk = await pay({ walletId: fresh('w'), merchantId: fresh('m'), usd: 12_000 });
      expect(risk.decision).toBe('review');
      expect(reason(risk, 'large-value-single')).toMatchObject({
        value: 12_000,
        threshold: 10_000,
        message: 'Payment of USD 12000 (CNY 85440) at or above the large-value threshold of USD 10,000 or CNY 200,000',
      });
    },
  },
  'large-value-daily': {
    typology: 'three payments of USD 4,000 in a day add up to the threshold and are reviewed',
    async run() {
      const walletId = fresh('w');
      const results: RiskAssessment[] = [];
      for (let i = 0; i < 3; i++) results.push(await pay({ walletId, merchantId: fresh('m'), usd: 4_000, at: T0 + i * 2 * HOUR }));
      expect(fired(results[1]!)).not.toContain('large-value-daily');
      expect(results[2]!.decision).toBe('review');
      expect(reason(results[2]!, 'large-value-daily')).toMatchObject({ value: 12_000, threshold: 10_000 });
    },
  },
  structuring: {
    typology: 'a third payment in a day just under the large-value threshold',
    async run() {
      const walletId = fresh('w');
      const results: RiskAssessment[] = [];
      for (const [i, usd] of [9_000, 9_500, 9_800].entries()) results.push(await pay({ walletId, merchantId: fresh('m'), usd, at: T0 + i * 2 * HOUR }));
      expect(fired(results[1]!)).not.toContain('structuring');
      expect(results[2]!.decision).toBe('review');
      expect(reason(results[2]!, 'structuring')).toMatchObject({ value: 3, threshold: 2 });
    },
  },
  'amount-spike': {
    typology: 'USD 800 from a payer whose largest payment in 30 days was USD 110',
    async run() {
      const walletId = fresh('w');
      const merchantId = fresh('m');
      for (const [i, usd] of [95, 100, 105, 98, 102, 110].entries()) await pay({ walletId, merchantId, usd, at: T0 - (6 - i) * DAY });
      const usual = await pay({ walletId, merchantId, usd: 120, at: T0 });
      expect(fired(usual)).not.toContain('amount-spike');
      const risk = await pay({ walletId, merchantId, usd: 800, at: T0 + HOUR });
      expect(risk.decision).toBe('review');
      expect(reason(risk, 'amount-spike')).toMatchObject({ value: 800, threshold: 120 });
      expect(reason(risk, 'amount-spike')!.message).toMatch(/^USD 800 is 6\.67 times this payer's largest payment in 30 days \(USD 120\), z-score \d+\.\d\d$/);
    },
  },
  'amount-spike-short-history': {
    typology: 'USD 600 after three payments under USD 5, not after two, nor after everyday payments',
    async run() {
      const spike = async (history: number[], usd: number) => {
        const walletId = fresh('w');
        for (const [i, amount] of history.entries()) await pay({ walletId, merchantId: fresh('m'), usd: amount, at: T0 - (history.length - i) * HOUR });
        return pay({ walletId, merchantId: fresh('m'), usd, at: T0 + 20 * MINUTE });
      };
      const risk = await spike([2.5, 4, 3.5], 600);
      expect(risk.decision).toBe('review');
      expect(fired(risk)).toEqual(['amount-spike-short-history']);
      expect(reason(risk, 'amount-spike-short-history')).toMatchObject({
        value: 600,
        threshold: 500,
        message: 'USD 600 after 3 payments in 30 days of at most USD 4, 150 times the largest (limit USD 500 after payments under USD 5)',
      });
      // A newcomer's second purchase, and a small spender whose coffee cost more: ordinary big-ticket purchases.
      expect(fired(await spike([3, 4], 600))).toEqual([]);
      expect(fired(await spike([4, 12, 6.5, 3], 900))).toEqual([]);
      expect(fired(await spike([2.5, 4, 3.5, 4.5], 450))).toEqual([]);
    },
  },
  'new-device-high-amount': {
    typology: 'USD 600 from a device the wallet has never used',
    async run() {
      const walletId = fresh('w');
      const usual = fresh('d');
      await pay({ walletId, deviceId: usual, merchantId: fresh('m'), usd: 30, at: T0 });
      const sameDevice = await pay({ walletId, deviceId: usual, merchantId: fresh('m'), usd: 600, at: T0 + HOUR });
      expect(fired(sameDevice)).not.toContain('new-device-high-amount');
      const risk = await pay({ walletId, deviceId: fresh('d'), merchantId: fresh('m'), usd: 600, at: T0 + 2 * HOUR });
      expect(risk.decision).toBe('review');
      expect(reason(risk, 'new-device-high-amount')).toMatchObject({ value: 600, threshold: 500 });
    },
  },
  'geo-impossible-travel': {
    typology: 'a payment in Bangkok 30 minutes after one in Shanghai',
    async run() {
      const walletId = fresh('w');
      await pay({ walletId, merchantId: fresh('m'), at: T0, location: { lat: 31.2304, lon: 121.4737 } });
      const risk = await pay({ walletId, merchantId: fresh('m'), at: T0 + 30 * MINUTE, location: { lat: 13.7563, lon: 100.5018 } });
      const travel = reason(risk, 'geo-impossible-travel');
      expect(travel).toMatchObject({ threshold: 900 });
      expect(travel!.value as number).toBeGreaterThan(5_000);
      expect(travel!.message).toMatch(/^\d+\.\d\d km from the previous payment in 30 minutes, \d+\.\d\d km\/h \(limit 900 km\/h\)$/);
    },
  },
  'high-risk-mcc-night': {
    typology: 'gambling (MCC 7995) at 2 a.m. merchant time, not at 2 p.m.',
    async run() {
      const afternoon = await pay({ walletId: fresh('w'), merchantId: fresh('m'), mcc: '7995', at: T0 });
      expect(fired(afternoon)).not.toContain('high-risk-mcc-night');
      const night = await pay({ walletId: fresh('w'), merchantId: fresh('m'), mcc: '7995', at: Date.UTC(2025, 2, 3, 18, 0) });
      expect(night.decision).toBe('review');
      expect(reason(night, 'high-risk-mcc-night')).toMatchObject({ value: 2, message: 'High-risk category 7995 at 2h merchant time' });
    },
  },
  'mule-fan-in': {
    typology: 'thirty different payers paying one new merchant within an hour',
    async run() {
      const merchantId = fresh('m');
      const results: RiskAssessment[] = [];
      for (let i = 0; i < 30; i++) results.push(await pay({ walletId: fresh('w'), merchantId, usd: 150, at: T0 + i * 90_000 }));
      expect(fired(results[28]!)).not.toContain('mule-fan-in');
      expect(results[29]!.decision).toBe('review');
      expect(reason(results[29]!, 'mule-fan-in')).toMatchObject({ value: 30, threshold: 29 });
    },
  },
  'mule-fan-out': {
    typology: 'one wallet paying ten different merchants within a day',
    async run() {
      const walletId = fresh('w');
      let last: RiskAssessment | undefined;
      for (let i = 0; i < 10; i++) last = await pay({ walletId, merchantId: fresh('m'), at: T0 + i * HOUR });
      expect(last!.decision).toBe('review');
      expect(reason(last!, 'mule-fan-out')).toMatchObject({ value: 10, threshold: 9 });
    },
  },
  'refund-abuse-payer': {
    typology: 'a payer with three of four payments refunded pays again',
    async run() {
      const walletId = fresh('w');
      const merchantId = fresh('m');
      for (let i = 0; i < 4; i++) await pay({ walletId, merchantId, at: T0 - (5 - i) * DAY });
      for (let i = 0; i < 3; i++) await pay({ walletId, merchantId, messageType: 'refund', at: T0 - DAY + i * HOUR });
      const risk = await pay({ walletId, merchantId, at: T0 });
      expect(risk.decision).toBe('review');
      expect(reason(risk, 'refund-abuse-payer')).toMatchObject({ value: 0.75, threshold: 0.5 });
    },
  },
  'refund-abuse-merchant': {
    typology: 'a merchant that refunded ten of twenty sales refunds again',
    async run() {
      const merchantId = fresh('m');
      const payers = Array.from({ length: 20 }, () => fresh('w'));
      for (const [i, walletId] of payers.entries()) await pay({ walletId, merchantId, at: T0 - 3 * DAY + i * HOUR });
      for (let i = 0; i < 10; i++) await pay({ walletId: payers[i]!, merchantId, messageType: 'refund', at: T0 - DAY + i * HOUR });
      const risk = await pay({ walletId: payers[10]!, merchantId, messageType: 'refund', at: T0 });
      expect(risk.decision).toBe('review');
      expect(reason(risk, 'refund-abuse-merchant')).toMatchObject({ value: 0.5, threshold: 0.3 });
    },
  },
  'many-devices-per-wallet': {
    typology: 'one wallet used from four devices within a day',
    async run() {
      const walletId = fresh('w');
      let last: RiskAssessment | undefined;
      for (let i = 0; i < 4; i++) last = await pay({ walletId, deviceId: fresh('d'), merchantId: fresh('m'), at: T0 + i * 3 * HOUR });
      expect(reason(last!, 'many-devices-per-wallet')).toMatchObject({ value: 4, threshold: 3 });
    },
  },
};

const packIds = loadDefaultPack().rules.map((r) => r.id);

describe('the default rule pack', () => {
  it('has at least 20 rules and a typology test for each', () => {
    expect(packIds.length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(scenarios).sort()).toEqual([...packIds].sort());
  });

  for (const [id, scenario] of Object.entries(scenarios)) {
    it(`${id}: fires on ${scenario.typology}`, scenario.run);
  }
});

describe('ordinary traffic', () => {
  const heard = new Map<string, number>();
  const decisions = new Map<string, number>();
  let traffic: ReturnType<typeof ordinaryTraffic>;

  beforeAll(async () => {
    // A week earlier than the scenarios, so the two never share a window.
    traffic = ordinaryTraffic({ seed: 11, payments: 600, start: T0 - 7 * DAY });
    for (const message of traffic) {
      const risk = await scoreAndCommit(engine, message);
      decisions.set(risk.decision, (decisions.get(risk.decision) ?? 0) + 1);
      for (const r of [...risk.reasons, ...risk.shadowHits]) heard.set(r.ruleId, (heard.get(r.ruleId) ?? 0) + 1);
    }
  });

  it('is approved, every payment', () => {
    expect(Object.fromEntries(decisions)).toEqual({ approve: traffic.length });
  });

  it('gives the rules something to look at: repeat payers, several merchants each, hours of history', async () => {
    const perPayer = new Map<string, number>();
    for (const m of traffic) perPayer.set(`${m.participant}:${m.payer.walletId}`, (perPayer.get(`${m.participant}:${m.payer.walletId}`) ?? 0) + 1);
    expect(Math.max(...perPayer.values())).toBeGreaterThanOrEqual(10);
    const last = traffic.at(-1)!;
    const facts = await engine.score({ ...last, paymentId: 'look', messageType: 'refund', receivedAt: last.receivedAt + 1 });
    expect(facts.decision).toBe('approve');
    expect(engine.stats().state.profiles).toBeGreaterThanOrEqual(perPayer.size);
    expect(traffic.at(-1)!.receivedAt - traffic[0]!.receivedAt).toBeGreaterThan(5 * HOUR);
  });

  it.each(packIds)('%s stays silent', (id) => {
    expect(heard.get(id) ?? 0).toBe(0);
  });
});
