import { describe, expect, it } from 'vitest';
import type { PaymentStatus, SwitchedMessage } from '../../domain/transaction.ts';
import type { ListSnapshot } from '../../analytics/backtest/run-backtest.ts';
import { buildFacts } from '../facts/derive.ts';
import { listFacts } from '../facts/gather.ts';
import { testMessage, T0, type MessageSpec } from '../test-support/messages.ts';
import { observationOf } from './observation.ts';
import { createRiskState } from './risk-state.ts';

const CNY = 7.12;
const noLists: ListSnapshot = {
  'sanctioned-countries': new Set(),
  'high-risk-mccs': new Set(),
  'blocked-devices': new Set(),
  'blocked-wallets': new Set(),
};
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A fresh in-memory store and `pay`, which gathers (counting the attempt), derives the fact, then records the outcome. */
function replay(lists: ListSnapshot = noLists) {
  const facts = createRiskState();
  const gather = (message: SwitchedMessage) => ({
    ...facts.observe(observationOf(message, CNY)),
    lists: listFacts(message, (list, member) => lists[list].has(member)),
  });
  const pay = (spec: MessageSpec, status: PaymentStatus = 'APPROVED') => {
    const message: SwitchedMessage = testMessage(spec);
    const f = buildFacts(message, gather(message), CNY);
    facts.record(observationOf(message, CNY), status);
    return f;
  };
  /** The facts a message would see, without counting it (as a refund reads them). */
  const look = (spec: MessageSpec) => {
    const message = testMessage({ ...spec, messageType: 'refund' });
    return buildFacts(message, gather(message), CNY);
  };
  return { facts, pay, look };
}

describe('the in-process velocity state', () => {
  // T0 is 06:00:00 UTC: a bucket boundary of the 1m (10 s), 10m (100 s) and 1h (10 min) rings.
  it('reads a window over the last W to W + W/6, bucket by bucket, as the live rings do', () => {
    const { pay } = replay();
    pay({ walletId: 'a', at: T0 + 5 * SECOND, merchantId: 'm-1' });
    // 64 s later the bucket [T0, T0 + 10 s) is still among the seven buckets read: 2, not 1.
    expect(pay({ walletId: 'a', at: T0 + 69 * SECOND, merchantId: 'm-2' })['velocity.payer.count.1m']).toBe(2);
    pay({ walletId: 'b', at: T0 + 5 * SECOND, merchantId: 'm-1' });
    // At T0 + 70 s that bucket has left the 1m window, and is still in the 10m one.
    const later = pay({ walletId: 'b', at: T0 + 70 * SECOND, merchantId: 'm-2' });
    expect(later['velocity.payer.count.1m']).toBe(1);
    expect(later['velocity.payer.count.10m']).toBe(2);
    // 1h: ten-minute buckets; T0 + 5 s is in [T0, T0 + 10 min), read until T0 + 70 min.
    expect(pay({ walletId: 'b', at: T0 + 69 * MINUTE, merchantId: 'm-3' })['velocity.payer.count.1h']).toBe(3);
    expect(pay({ walletId: 'b', at: T0 + 70 * MINUTE, merchantId: 'm-3' })['velocity.payer.count.1h']).toBe(2);
  });

  it('counts 24 h in four-hour buckets: T0 (06:00) stays readable until 08:00 the next day', () => {
    const { pay } = replay();
    pay({ walletId: 'a', at: T0 });
    expect(pay({ walletId: 'a', at: T0 + 25 * HOUR + 59 * MINUTE })['velocity.payer.count.24h']).toBe(2);
    expect(pay({ walletId: 'a', at: T0 + 26 * HOUR })['velocity.payer.count.24h']).toBe(2);
  });

  it('adds approved amounts after the decision, never the current one, never a declined one', () => {
    const { pay, look } = replay();
    const first = pay({ walletId: 'a', deviceId: 'd', ip: '10.0.0.1', usd: 120.5, at: T0 });
    expect(first['velocity.payer.amountUsd.1m']).toBe(0);
    expect(first['payer.dailyTotal.usd']).toBe(120.5);
    pay({ walletId: 'a', deviceId: 'd', ip: '10.0.0.1', usd: 999, at: T0 + SECOND }, 'DECLINED');
    const f = look({ walletId: 'a', deviceId: 'd', ip: '10.0.0.1', at: T0 + 2 * SECOND });
    expect(f['velocity.payer.count.1m']).toBe(2);
    for (const entity of ['payer', 'device', 'ip', 'merchant', 'pair']) expect(f[`velocity.${entity}.amountUsd.24h` as 'velocity.payer.amountUsd.24h']).toBe(120.5);
    expect(f['velocity.device.count.1m']).toBe(2);
  });

  it('counts small attempts per device and IP over 10 minutes, and near-threshold approvals per payer', () => {
    const { pay } = replay();
    const spec = { walletId: 'a', deviceId: 'd', ip: '10.0.0.9' };
    for (let i = 0; i < 3; i++) pay({ ...spec, usd: 1, at: T0 + i * MINUTE });
    pay({ ...spec, usd: 2, at: T0 + 3 * MINUTE }, 'DECLINED'); // an attempt all the same
    pay({ ...spec, usd: 9_100, at: T0 + 4 * MINUTE });
    pay({ ...spec, usd: 8_200, at: T0 + 5 * MINUTE }, 'DECLINED'); // near, but not approved
    const f = pay({ ...spec, usd: 8_500, at: T0 + 6 * MINUTE });
    expect(f['velocity.device.smallCount.10m']).toBe(4);
    expect(f['velocity.ip.smallCount.10m']).toBe(4);
    // 9,100 approved, 8,200 declined, 8,500 this one: 2.
    expect(f['structuring.count.24h']).toBe(2);
    // At T0 + 12 min the 100-s buckets are read back to T0 + 100 s: T0 + 2 min, T0 + 3 min and this one.
    expect(pay({ ...spec, usd: 1, at: T0 + 12 * MINUTE })['velocity.device.smallCount.10m']).toBe(3);
  });

  it('counts distinct merchants per payer (24 h), payers per merchant (1 h) and devices per wallet', () => {
    const { pay } = replay();
    pay({ walletId: 'a', deviceId: 'd1', merchantId: 'm-1', at: T0 });
    pay({ walletId: 'a', deviceId: 'd1', merchantId: 'm-2', at: T0 + MINUTE });
    pay({ walletId: 'a', deviceId: 'd1', merchantId: 'm-1', at: T0 + 2 * MINUTE });
    const f = pay({ walletId: 'a', deviceId: 'd2', merchantId: 'm-3', at: T0 + 3 * MINUTE });
    expect(f['distinct.merchantsPerPayer.24h']).toBe(3);
    expect(f['distinct.devicesPerWallet.24h']).toBe(2);
    expect(f['payer.device.new']).toBe(true);
    // d1 again: seen before, not new.
    expect(pay({ walletId: 'a', deviceId: 'd1', merchantId: 'm-3', at: T0 + 4 * MINUTE })['payer.device.new']).toBe(false);
    pay({ walletId: 'b', merchantId: 'm-3', at: T0 + 30 * MINUTE });
    pay({ walletId: 'c', merchantId: 'm-3', at: T0 + 50 * MINUTE });
    // At T0 + 63 min (an exact hour: last seen >= T0 + 3 min): a (T0 + 4 min), b, c and d.
    expect(pay({ walletId: 'd', merchantId: 'm-3', at: T0 + 63 * MINUTE })['distinct.payersPerMerchant.1h']).toBe(4);
    expect(pay({ walletId: 'e', merchantId: 'm-3', at: T0 + 64 * MINUTE + 1 })['distinct.payersPerMerchant.1h']).toBe(4);
    // 25 h on, every earlier merchant and device has left the 24 h look-back: only this payment's.
    const nextDay = pay({ walletId: 'a', deviceId: 'd1', merchantId: 'm-4', at: T0 + 25 * HOUR });
    expect(nextDay['distinct.merchantsPerPayer.24h']).toBe(1);
    expect(nextDay['distinct.devicesPerWallet.24h']).toBe(1);
  });

  it('does not call the first device of a wallet new, nor a device without another in 30 days', () => {
    const { pay } = replay();
    expect(pay({ walletId: 'a', deviceId: 'd1', at: T0 })['payer.device.new']).toBe(false);
    expect(pay({ walletId: 'a', deviceId: 'd2', at: T0 + DAY })['payer.device.new']).toBe(true);
    // 32 days on, both devices are outside the look-back: a third one is the only one.
    expect(pay({ walletId: 'a', deviceId: 'd3', at: T0 + 33 * DAY })['payer.device.new']).toBe(false);
  });

  it('keeps the payer profile over the day of the payment and the 30 before', () => {
    const { pay, look } = replay();
    pay({ walletId: 'a', usd: 10, at: T0 });
    pay({ walletId: 'a', usd: 20, at: T0 + DAY });
    pay({ walletId: 'a', usd: 30, at: T0 + 2 * DAY });
    pay({ walletId: 'a', usd: 500, at: T0 + 2 * DAY + HOUR }, 'DECLINED');
    const f = look({ walletId: 'a', usd: 40, at: T0 + 3 * DAY });
    expect(f['payer.profile.count']).toBe(3);
    expect(f['payer.profile.meanUsd']).toBe(20);
    // Sample standard deviation of 10, 20, 30: sqrt(((-10)^2 + 0 + 10^2) / 2) = 10.
    expect(f['payer.profile.stdDevUsd']).toBeCloseTo(10, 9);
    expect(f['payer.profile.maxUsd']).toBe(30);
    expect(f['payer.amountZScore']).toBeCloseTo(2, 9);
    expect(f['payer.amountToMax']).toBeCloseTo(40 / 30, 9);
    // Day 31: day 0 has left. Day 32: day 1 too, and the maximum stays 30.
    const day31 = look({ walletId: 'a', usd: 40, at: T0 + 31 * DAY });
    expect([day31['payer.profile.count'], day31['payer.profile.meanUsd'], day31['payer.profile.stdDevUsd']]).toEqual([2, 25, Math.sqrt(50)]);
    const day32 = look({ walletId: 'a', at: T0 + 32 * DAY });
    expect([day32['payer.profile.count'], day32['payer.profile.maxUsd'], day32['payer.profile.stdDevUsd']]).toEqual([1, 30, 0]);
    expect(look({ walletId: 'a', at: T0 + 33 * DAY })['payer.profile.count']).toBe(0);
  });

  it('counts approved refunds and reversals for the payer and merchant, never as attempts', () => {
    const { pay, look } = replay();
    for (let i = 0; i < 4; i++) pay({ walletId: 'a', merchantId: 'm-1', at: T0 + i * SECOND });
    pay({ walletId: 'b', merchantId: 'm-1', at: T0 + 5 * SECOND });
    pay({ walletId: 'a', merchantId: 'm-1', messageType: 'refund', at: T0 + 10 * SECOND });
    pay({ walletId: 'a', merchantId: 'm-1', messageType: 'reversal', at: T0 + 11 * SECOND });
    pay({ walletId: 'a', merchantId: 'm-1', messageType: 'refund', at: T0 + 12 * SECOND }, 'DECLINED');
    const f = look({ walletId: 'a', merchantId: 'm-1', at: T0 + 20 * SECOND });
    expect([f['payer.refunds.count.30d'], f['payer.sales.count.30d'], f['payer.refunds.ratio.30d']]).toEqual([2, 4, 0.5]);
    expect([f['merchant.refunds.count.30d'], f['merchant.sales.count.30d'], f['merchant.refunds.ratio.30d']]).toEqual([2, 5, 0.4]);
    expect(f['velocity.payer.count.1m']).toBe(4);
    expect(f['velocity.merchant.count.1m']).toBe(5);
  });

  it('remembers the last approved location for travel, and forgets it with the profile after 32 days', () => {
    const { pay, look } = replay();
    pay({ walletId: 'a', at: T0, location: { lat: 31.2304, lon: 121.4737 } });
    pay({ walletId: 'a', at: T0 + MINUTE, location: { lat: 1.29, lon: 103.85 } }, 'DECLINED');
    pay({ walletId: 'a', at: T0 + 2 * MINUTE, location: null });
    const f = look({ walletId: 'a', at: T0 + HOUR, location: { lat: 39.9042, lon: 116.4074 } });
    // Shanghai to Beijing, about 1,067 km, in 60 minutes.
    expect(f['payer.travel.minutes']).toBe(60);
    expect(f['payer.travel.km']).toBeCloseTo(1067, -1);
    expect(f['payer.travel.kmh']).toBeCloseTo(f['payer.travel.km'], 9);
    expect(look({ walletId: 'a', at: T0 + 32 * DAY + 3 * MINUTE, location: { lat: 39.9, lon: 116.4 } })['payer.travel.km']).toBe(0);
  });

  it('looks lists up in the snapshot, scoping wallets and devices by participant', () => {
    const { look } = replay({
      'sanctioned-countries': new Set(['KP']),
      'high-risk-mccs': new Set(['7995']),
      'blocked-devices': new Set(['siam-wallet:d-bad']),
      'blocked-wallets': new Set(['siam-wallet:w-bad']),
    });
    const bad = look({ walletId: 'w-bad', deviceId: 'd-bad', merchantCountry: 'KP', mcc: '7995' });
    expect([bad['merchant.country.sanctioned'], bad['payer.country.sanctioned'], bad['merchant.mcc.highRisk'], bad['payer.wallet.blocked'], bad['payer.device.blocked']])
      .toEqual([true, false, true, true, true]);
    const other = look({ participant: 'merlion-pay', payerCountry: 'SG', walletId: 'w-bad', deviceId: 'd-bad' });
    expect([other['payer.wallet.blocked'], other['payer.device.blocked']]).toEqual([false, false]);
  });

  it('forgets entities that no window can read any more', () => {
    const { facts, pay } = replay();
    for (let i = 0; i < 50; i++) pay({ walletId: `w-${i}`, deviceId: `d-${i}`, merchantId: `m-${i % 5}`, at: T0 + i * SECOND });
    const busy = facts.sweep(T0 + HOUR);
    // 33 days later the profiles (32 days), the device sets (30 days + 4 h) and everything else are gone.
    expect(busy).toBeGreaterThan(50);
    expect(facts.sweep(T0 + 33 * DAY)).toBe(0);
  });
});
