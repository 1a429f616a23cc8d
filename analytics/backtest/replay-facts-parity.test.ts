import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentStatus, SwitchedMessage } from '../../domain/transaction.ts';
import { gatherStoredFacts, type StoredFacts } from '../../rules/facts/gather.ts';
import { appendRecordOutcome } from '../../rules/facts/record-outcome.ts';
import { defineRiskScripts, type RiskScripts } from '../../rules/lua-scripts.ts';
import { testMessage, T0, type MessageSpec } from '../../rules/test-support/messages.ts';
import { startTestRedis, type TestRedis } from '../../rules/test-support/redis.ts';
import { createReplayFacts } from './replay-facts.ts';

const CNY = 7.12;

/** A small seeded generator (mulberry32): the same sequence on every run. */
function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

/**
 * Everything but the profile's sum of squares: Redis keeps it as a running float sum and
 * subtracts the days that leave the window, which leaves a residue of float rounding
 * (micro-dollars squared); it is compared apart.
 */
function comparable(f: StoredFacts) {
  return { ...f, profile: { ...f.profile, sumSquaresUsd: 0 } };
}

let server: TestRedis;
let redis: Redis & RiskScripts;
beforeAll(async () => {
  server = await startTestRedis();
  redis = defineRiskScripts(server.connect());
});
afterAll(async () => server?.stop());

describe('the in-memory velocity store against the live Lua scripts', () => {
  it('gives every message of a mixed, seeded history the stored facts the live store gives it', async () => {
    const rnd = seeded(20250304);
    const replay = createReplayFacts({
      lists: { 'sanctioned-countries': new Set(), 'high-risk-mccs': new Set(), 'blocked-devices': new Set(), 'blocked-wallets': new Set() },
      cnyPerUsd: CNY,
    });
    const payers = [
      ...['w-1', 'w-2', 'w-3', 'w-4'].map((walletId) => ({ participant: 'siam-wallet', payerCountry: 'TH', walletId })),
      ...['w-1', 'w-5'].map((walletId) => ({ participant: 'merlion-pay', payerCountry: 'SG', walletId })),
    ];
    const paid: MessageSpec[] = [];
    let at = T0;
    let compared = 0;
    const exercised = { newDevices: 0, smallBursts: 0, nearThreshold: 0, refunds: 0, distinct: 0, history: 0 };
    const step = async (spec: MessageSpec, status: PaymentStatus) => {
      const message: SwitchedMessage = testMessage(spec);
      const live = await gatherStoredFacts(redis, message);
      const replayed = replay.gather(message);
      const where = `message ${compared} at T0 + ${(message.receivedAt - T0) / 1000} s`;
      expect(comparable(replayed), where).toEqual(comparable(live));
      const squares = live.profile.sumSquaresUsd;
      expect(Math.abs(replayed.profile.sumSquaresUsd - squares), where).toBeLessThanOrEqual(1e-3 + 1e-12 * Math.abs(squares));
      const pipeline = redis.multi();
      pipeline.hset(`payment:${message.paymentId}`, 'status', status);
      appendRecordOutcome(pipeline, message, CNY);
      await pipeline.exec();
      replay.record(message, status);
      compared++;
      if (live.deviceNew) exercised.newDevices++;
      if (live.deviceSmall10m + live.ipSmall10m > 2) exercised.smallBursts++;
      if (live.nearThreshold24h > 0) exercised.nearThreshold++;
      if (live.profile.refunds > 0 && live.merchant.refunds > 0) exercised.refunds++;
      if (live.payersPerMerchant1h > 2 && live.merchantsPerPayer24h > 2) exercised.distinct++;
      if (live.profile.last && live.velocity.pair.amountCents['24h'] > 0) exercised.history++;
    };

    // Three busy days, a 29-day silence (profiles lose their first days), two more days.
    for (let i = 0; i < 1400; i++) {
      const r = rnd.next();
      at += r < 0.6 ? Math.floor(rnd.next() * 20_000) : r < 0.9 ? Math.floor(rnd.next() * 600_000) : r < 0.99 ? Math.floor(rnd.next() * 3 * 3600_000) : 0;
      if (i === 1000) at += 29 * 86_400_000;
      const payer = rnd.pick(payers);
      const status: PaymentStatus = rnd.next() < 0.85 ? 'APPROVED' : 'DECLINED';
      const previous = paid.filter((p) => p.walletId === payer.walletId && p.participant === payer.participant);
      if (previous.length > 0 && rnd.next() < 0.06) {
        const original = rnd.pick(previous);
        await step({ ...original, messageType: rnd.next() < 0.5 ? 'refund' : 'reversal', at }, status);
        continue;
      }
      const band = rnd.next();
      const usd = band < 0.25 ? 1 + Math.floor(rnd.next() * 399) / 100 : band < 0.9 ? 5 + Math.floor(rnd.next() * 30_000) / 100 : band < 0.97 ? 8_100 + Math.floor(rnd.next() * 1800) : 12_000;
      const spec: MessageSpec = {
        ...payer,
        usd,
        at,
        deviceId: rnd.next() < 0.1 ? null : `${payer.walletId}-d${Math.floor(rnd.next() * 3)}`,
        ip: rnd.next() < 0.2 ? null : rnd.pick(['171.96.10.20', '171.96.10.21', '10.1.2.3']),
        location: rnd.next() < 0.3 ? null : { lat: 1 + rnd.next() * 40, lon: 100 + rnd.next() * 20 },
        merchantId: rnd.pick(['m-cn-0001', 'm-cn-0002', 'm-cn-0003', 'm-cn-0004', 'm-cn-0005']),
      };
      await step(spec, status);
      if (status === 'APPROVED') paid.push(spec);
    }
    expect(compared).toBe(1400);
    // The history reached every kind of stored fact, not only zeros.
    for (const [what, n] of Object.entries(exercised)) expect(n, what).toBeGreaterThan(10);
  }, 60_000);
});
