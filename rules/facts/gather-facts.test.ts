import { mean, sampleStandardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import type { PaymentStatus, SwitchedMessage } from '../../domain/transaction.ts';
import { observationOf } from '../state/observation.ts';
import { createRiskState } from '../state/risk-state.ts';
import { testMessage, T0 } from '../test-support/messages.ts';
import { buildFacts } from './derive.ts';
import { listFacts } from './gather.ts';
import type { ListName } from './keys.ts';

const state = createRiskState();
const lists: Record<ListName, Set<string>> = {
  'sanctioned-countries': new Set(),
  'high-risk-mccs': new Set(),
  'blocked-devices': new Set(),
  'blocked-wallets': new Set(),
};
let unique = 0;
const id = (prefix: string) => `${prefix}-${++unique}`;

const gather = (message: SwitchedMessage) => ({
  ...state.observe(observationOf(message, 7.12)),
  lists: listFacts(message, (list, member) => lists[list].has(member)),
});

/** Observes (counting the attempt), then settles with `status`, as the risk engine does around the commit. */
async function pay(message: SwitchedMessage, status: PaymentStatus = 'APPROVED') {
  const facts = buildFacts(message, gather(message), 7.12);
  state.record(observationOf(message, 7.12), status);
  return facts;
}

const look = async (message: SwitchedMessage) => buildFacts(message, gather({ ...message, messageType: 'refund' }), 7.12);

describe('the facts of the in-process velocity state', () => {
  it('counts attempts including the current one, over sliding windows of 1m, 10m, 1h and 24h', async () => {
    const walletId = id('w');
    const at = (ms: number) => testMessage({ walletId, at: T0 + ms, merchantId: id('m') });
    expect((await pay(at(0)))['velocity.payer.count.1m']).toBe(1);
    expect((await pay(at(20_000)))['velocity.payer.count.1m']).toBe(2);
    const later = await pay(at(2 * 60_000 + 15_000));
    expect(later['velocity.payer.count.1m']).toBe(1);
    expect(later['velocity.payer.count.10m']).toBe(3);
    const nextHour = await pay(at(75 * 60_000));
    expect(nextHour['velocity.payer.count.10m']).toBe(1);
    expect(nextHour['velocity.payer.count.1h']).toBe(1);
    expect(nextHour['velocity.payer.count.24h']).toBe(4);
    const nextDay = await pay(at(29 * 3600_000));
    expect(nextDay['velocity.payer.count.24h']).toBe(1);
  });

  it('keeps a bounded ring of buckets per window, whatever the traffic', async () => {
    const walletId = id('w');
    for (let minute = 0; minute < 30; minute++) await pay(testMessage({ walletId, at: T0 + minute * 60_000, merchantId: 'm-cn-0001' }));
    const last = await look(testMessage({ walletId, at: T0 + 29 * 60_000 }));
    expect(last['velocity.payer.count.1m']).toBeGreaterThanOrEqual(1);
    expect(last['velocity.payer.count.1m']).toBeLessThanOrEqual(2);
    expect(last['velocity.payer.count.10m']).toBeGreaterThanOrEqual(10);
    expect(last['velocity.payer.count.10m']).toBeLessThanOrEqual(12);
    expect(last['velocity.payer.count.1h']).toBe(30);
  });

  it('adds approved amounts after the decision, and nothing for a declined payment', async () => {
    const walletId = id('w');
    const deviceId = id('d');
    await pay(testMessage({ walletId, deviceId, usd: 120.5, at: T0 }), 'APPROVED');
    await pay(testMessage({ walletId, deviceId, usd: 999, at: T0 + 1000 }), 'DECLINED');
    const facts = await look(testMessage({ walletId, deviceId, at: T0 + 2000 }));
    expect(facts['velocity.payer.amountUsd.1m']).toBe(120.5);
    expect(facts['velocity.device.amountUsd.24h']).toBe(120.5);
    expect(facts['velocity.payer.count.1m']).toBe(2);
    expect(facts['payer.profile.count']).toBe(1);
  });

  it('records nothing for a payment whose commit did not happen', async () => {
    const walletId = id('w');
    await pay(testMessage({ walletId, usd: 50, at: T0 }));
    const lost = testMessage({ walletId, usd: 70, at: T0 + 10 });
    gather(lost);
    state.record(observationOf(lost, 7.12), undefined);
    const facts = await look(testMessage({ walletId, at: T0 + 20 }));
    expect(facts['velocity.payer.amountUsd.1m']).toBe(50);
    expect(facts['velocity.payer.count.1m']).toBe(2);
  });

  it('keeps the payer profile over 30 days: count, mean, standard deviation, maximum', async () => {
    const walletId = id('w');
    const amounts = [12.5, 40, 33.33, 18, 75.2, 22];
    for (const [day, usd] of amounts.entries()) await pay(testMessage({ walletId, usd, at: T0 + day * 86_400_000 }));
    const facts = await look(testMessage({ walletId, at: T0 + 6 * 86_400_000 }));
    expect(facts['payer.profile.count']).toBe(6);
    expect(facts['payer.profile.meanUsd']).toBeCloseTo(mean(amounts), 6);
    expect(facts['payer.profile.stdDevUsd']).toBeCloseTo(sampleStandardDeviation(amounts), 6);
    expect(facts['payer.profile.maxUsd']).toBe(75.2);
    // 33 days after the first payment, the first three have left the look-back (and the maximum with day 4).
    const later = await look(testMessage({ walletId, at: T0 + 33 * 86_400_000 }));
    expect(later['payer.profile.count']).toBe(3);
    expect(later['payer.profile.maxUsd']).toBe(75.2);
    const muchLater = await look(testMessage({ walletId, at: T0 + 35 * 86_400_000 }));
    expect(muchLater['payer.profile.maxUsd']).toBe(22);
    expect(muchLater['payer.profile.meanUsd']).toBe(22);
  });

  it('counts distinct merchants per payer, payers per merchant and devices per wallet', async () => {
    const walletId = id('w');
    const merchantId = id('m');
    for (let i = 0; i < 3; i++) await pay(testMessage({ walletId, merchantId: id('m'), at: T0 + i * 1000 }));
    const facts = await pay(testMessage({ walletId, merchantId, deviceId: id('d'), at: T0 + 5000 }));
    expect(facts['distinct.merchantsPerPayer.24h']).toBe(4);
    expect(facts['distinct.devicesPerWallet.24h']).toBe(2);
    expect(facts['payer.device.new']).toBe(true);
    for (let i = 0; i < 4; i++) await pay(testMessage({ walletId: id('w'), merchantId, at: T0 + 10_000 + i }));
    expect((await pay(testMessage({ walletId, merchantId, at: T0 + 20_000 })))['distinct.payersPerMerchant.1h']).toBe(5);
    expect((await pay(testMessage({ walletId: id('w'), merchantId, at: T0 + 3700_000 })))['distinct.payersPerMerchant.1h']).toBe(1);
  });

  it('does not call the first device of a wallet new', async () => {
    const walletId = id('w');
    expect((await pay(testMessage({ walletId, at: T0 })))['payer.device.new']).toBe(false);
    expect((await pay(testMessage({ walletId, at: T0 + 1000 })))['payer.device.new']).toBe(false);
  });

  it('remembers the last approved location and time', async () => {
    const walletId = id('w');
    await pay(testMessage({ walletId, at: T0, location: { lat: 31.2304, lon: 121.4737 } }));
    await pay(testMessage({ walletId, at: T0 + 60_000, location: { lat: 1.29, lon: 103.85 } }), 'DECLINED');
    const facts = await look(testMessage({ walletId, at: T0 + 60 * 60_000, location: { lat: 39.9042, lon: 116.4074 } }));
    expect(facts['payer.travel.minutes']).toBe(60);
    expect(facts['payer.travel.km']).toBeCloseTo(1067, -1);
  });

  it('counts approved refunds and reversals for the payer and merchant ratios', async () => {
    const walletId = id('w');
    const merchantId = id('m');
    for (let i = 0; i < 4; i++) await pay(testMessage({ walletId, merchantId, at: T0 + i }));
    await pay(testMessage({ walletId, merchantId, messageType: 'refund', at: T0 + 10 }));
    await pay(testMessage({ walletId, merchantId, messageType: 'reversal', at: T0 + 11 }));
    await pay(testMessage({ walletId, merchantId, messageType: 'refund', at: T0 + 12 }), 'DECLINED');
    const facts = await look(testMessage({ walletId, merchantId, at: T0 + 20 }));
    expect(facts['payer.refunds.count.30d']).toBe(2);
    expect(facts['payer.sales.count.30d']).toBe(4);
    expect(facts['payer.refunds.ratio.30d']).toBe(0.5);
    expect(facts['merchant.refunds.ratio.30d']).toBe(0.5);
    // Refunds are not attempts: the payer's count still shows the four payments.
    expect(facts['velocity.payer.count.1m']).toBe(4);
  });

  it('counts small payments per device and IP, and near-threshold payments per payer', async () => {
    const walletId = id('w');
    const deviceId = id('d');
    const ip = `10.0.0.${unique}`;
    for (let i = 0; i < 3; i++) await pay(testMessage({ walletId, deviceId, ip, usd: 1, at: T0 + i * 60_000 }));
    await pay(testMessage({ walletId, deviceId, ip, usd: 9_100, at: T0 + 200_000 }));
    const facts = await pay(testMessage({ walletId, deviceId, ip, usd: 8_500, at: T0 + 300_000 }));
    expect(facts['velocity.device.smallCount.10m']).toBe(3);
    expect(facts['velocity.ip.smallCount.10m']).toBe(3);
    expect(facts['structuring.count.24h']).toBe(2);
  });

  it('looks up the lists, scoping wallets and devices by participant', async () => {
    lists['sanctioned-countries'].add('KP');
    lists['high-risk-mccs'].add('7995');
    lists['blocked-wallets'].add('siam-wallet:w-bad');
    lists['blocked-devices'].add('siam-wallet:d-bad');
    const bad = await look(testMessage({ walletId: 'w-bad', deviceId: 'd-bad', merchantCountry: 'KP', mcc: '7995' }));
    expect(bad['merchant.country.sanctioned']).toBe(true);
    expect(bad['payer.country.sanctioned']).toBe(false);
    expect(bad['merchant.mcc.highRisk']).toBe(true);
    expect(bad['payer.wallet.blocked']).toBe(true);
    expect(bad['payer.device.blocked']).toBe(true);
    const otherParticipant = await look(testMessage({ participant: 'merlion-pay', payerCountry: 'SG', walletId: 'w-bad', deviceId: 'd-bad' }));
    expect(otherParticipant['payer.wallet.blocked']).toBe(false);
    expect(otherParticipant['payer.device.blocked']).toBe(false);
  });

  it('keeps wallets of different participants apart', async () => {
    const walletId = id('w');
    await pay(testMessage({ walletId, participant: 'siam-wallet' }));
    await pay(testMessage({ walletId, participant: 'siam-wallet' }));
    const other = await pay(testMessage({ walletId, participant: 'merlion-pay', payerCountry: 'SG' }));
    expect(other['velocity.payer.count.1m']).toBe(1);
  });

  it('handles messages without device, IP or location', async () => {
    const before = state.size().velocity;
    const facts = await pay(testMessage({ walletId: id('w'), deviceId: null, ip: null, location: null }));
    expect(facts['payer.hasDevice']).toBe(false);
    expect(facts['velocity.device.count.1m']).toBe(0);
    expect(facts['velocity.ip.count.1m']).toBe(0);
    expect(state.size().velocity).toMatchObject({ device: before.device, ip: before.ip });
  });

  it('forgets what no window can read any more', async () => {
    const sweeping = createRiskState();
    sweeping.apply({ ...observationOf(testMessage({ walletId: id('w'), deviceId: id('d'), at: T0 }), 7.12), status: 'APPROVED' });
    expect(sweeping.sweep(T0 + 3600_000)).toBeGreaterThan(0);
    expect(sweeping.sweep(T0 + 33 * 86_400_000)).toBe(0);
  });
});
