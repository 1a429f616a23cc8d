import { describe, expect, it } from 'vitest';
import { drawAmount, formatAmount } from './amounts.ts';
import { hourWeight } from './merchant-hours.ts';
import { loadParticipants } from './participants.ts';
import { createPaymentGenerator, type PayableMerchant } from './payment-generator.ts';
import { createRandom } from './random.ts';

const { participants, homeCountry } = loadParticipants('config/dev-credentials.json', 'config/development.json');

const merchant = (id: string, country: string, city: string, currency: string, mcc = '5812'): PayableMerchant => ({
  id,
  name: id,
  mcc,
  country,
  city,
  currency,
  network: 'unionpay',
  qrPayload: `QR-${id}`,
});

const merchants: PayableMerchant[] = [
  merchant('m-cn-1', 'CN', 'Shanghai', 'CNY'),
  merchant('m-cn-2', 'CN', 'Beijing', 'CNY', '5944'),
  merchant('m-cn-3', 'CN', 'Beijing', 'CNY', '7991'),
  merchant('m-sg-1', 'SG', 'Singapore', 'SGD', '5814'),
  merchant('m-th-1', 'TH', 'Bangkok', 'THB', '5699'),
  merchant('m-kr-1', 'KR', 'Seoul', 'KRW', '5977'),
];

function generate(count: number, seed = 7) {
  const generator = createPaymentGenerator({ participants, merchants, homeCountry, seed });
  return Array.from({ length: count }, (_, i) => generator.next((i / count) * 24));
}

describe('payment generator', () => {
  it('takes participant countries from the config: Panda Wallet is Chinese, Siam Wallet Thai', () => {
    expect(homeCountry).toBe('CN');
    expect(participants.find((p) => p.id === 'panda-wallet')?.country).toBe('CN');
    expect(participants.find((p) => p.id === 'siam-wallet')?.country).toBe('TH');
  });

  it('never sends a domestic wallet to a merchant in the home market', () => {
    for (const payment of generate(20_000)) {
      if (payment.participant.kind === 'domestic_wallet') expect(payment.merchant.country).not.toBe('CN');
      expect(payment.participant.kind).not.toBe('acquirer');
    }
  });

  it('mixes about 55% inbound, 30% outbound, 10% cross-market and 5% local, each paying where that direction leads', () => {
    const payments = generate(20_000);
    const share = (d: string) => payments.filter((p) => p.expectedDirection === d).length / payments.length;
    expect(share('inbound')).toBeCloseTo(0.55, 1);
    expect(share('outbound')).toBeCloseTo(0.3, 1);
    expect(share('cross-market')).toBeCloseTo(0.1, 1);
    expect(share('local')).toBeGreaterThan(0.03);
    expect(share('local')).toBeLessThan(0.07);
    for (const p of payments) {
      if (p.expectedDirection === 'inbound') expect(p.merchant.country).toBe('CN');
      if (p.expectedDirection === 'cross-market') {
        expect(p.merchant.country).not.toBe('CN');
        expect(p.merchant.country).not.toBe(p.participant.country);
        expect(p.participant.kind).toBe('overseas_wallet');
      }
      if (p.expectedDirection === 'local') {
        expect(p.merchant.country).toBe(p.participant.country);
        expect(p.participant.kind).toBe('overseas_wallet');
      }
    }
  });

  it('keeps a local payer near home, paying a merchant of its own market, never travelling', () => {
    const generator = createPaymentGenerator({ participants, merchants, homeCountry, seed: 7 });
    const home = new Map(generator.payers.map((p) => [p.walletId, p.home]));
    const local = Array.from({ length: 20_000 }, (_, i) => generator.next((i / 20_000) * 24)).filter((p) => p.expectedDirection === 'local');
    expect(new Set(local.map((p) => p.participant.country))).toEqual(new Set(['TH', 'SG', 'KR']));
    for (const p of local) {
      const at = home.get(p.body.payer.walletId)!;
      // startTrip jitters a payer at home by at most 8 km: well under a tenth of a degree.
      expect(Math.abs(p.body.payer.location.lat - at.lat)).toBeLessThan(0.1);
      expect(Math.abs(p.body.payer.location.lon - at.lon)).toBeLessThan(0.1);
    }
  });

  it('writes bodies the API accepts: unique txnIds, safe ids, IPv4, the merchant currency and QR', () => {
    const payments = generate(5000);
    const ids = /^[A-Za-z0-9._:-]{1,64}$/;
    expect(new Set(payments.map((p) => p.body.txnId)).size).toBe(payments.length);
    for (const { body, merchant: m } of payments) {
      expect(body.txnId).toMatch(ids);
      expect(body.payer.walletId).toMatch(ids);
      expect(body.payer.userId).toMatch(ids);
      expect(body.payer.deviceId).toMatch(ids);
      expect(body.payer.ip).toMatch(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
      expect(body.amount.currency).toBe(m.currency);
      expect(body.qr.payload).toBe(m.qrPayload);
      expect(body.amount.value).toMatch(m.currency === 'KRW' ? /^\d+$/ : /^\d+\.\d{2}$/);
    }
  });

  it('keeps a traveller in one city at one spot, so no payment implies impossible travel', () => {
    const seen = new Map<string, string>();
    for (const { body, merchant: m } of generate(20_000)) {
      const where = `${m.country}/${m.city}@${body.payer.location.lat},${body.payer.location.lon}`;
      const before = seen.get(body.payer.walletId);
      if (before) expect(where).toBe(before);
      seen.set(body.payer.walletId, where);
    }
  });

  it('is reproducible for one seed, except for the run id in txnIds', () => {
    const strip = (ps: ReturnType<typeof generate>) => ps.map((p) => ({ ...p.body, txnId: '' }));
    expect(strip(generate(200, 3))).toEqual(strip(generate(200, 3)));
  });
});

describe('amounts', () => {
  it('rounds KRW to whole won and others to cents, never below one minor unit', () => {
    expect(formatAmount(12345.67, 'KRW')).toBe('12346');
    expect(formatAmount(12.345, 'CNY')).toBe('12.35');
    expect(formatAmount(0.0001, 'SGD')).toBe('0.01');
    expect(formatAmount(0.2, 'KRW')).toBe('1');
  });

  it('keeps nearly all payments, even at watch shops, well under USD 2,000', () => {
    const random = createRandom(11);
    const values = Array.from({ length: 10_000 }, () => Number(drawAmount(random, '5944', 'USD')));
    expect(values.filter((v) => v > 2000).length / values.length).toBeLessThan(0.02);
    const coffee = Array.from({ length: 1000 }, () => Number(drawAmount(random, '5814', 'USD')));
    expect(coffee.reduce((a, b) => a + b, 0) / coffee.length).toBeLessThan(20);
  });
});

describe('merchant hours', () => {
  it('makes restaurants busier at lunch than at four in the morning, and bars the other way round', () => {
    expect(hourWeight('5812', 12)).toBeGreaterThan(hourWeight('5812', 4));
    expect(hourWeight('5813', 23)).toBeGreaterThan(hourWeight('5813', 12));
  });
});
