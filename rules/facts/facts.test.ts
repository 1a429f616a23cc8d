import { readFileSync } from 'node:fs';
import { mean, sampleStandardDeviation, zScore } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { testMessage, T0 } from '../test-support/messages.ts';
import { FACTS, LOCAL_FACTS, VELOCITY_ENTITIES, VELOCITY_WINDOWS } from './catalog.ts';
import { buildFacts } from './derive.ts';
import { isNearThreshold, localStoredFacts, type StoredFacts } from './gather.ts';
import { haversineKm, travel } from './geo.ts';
import { merchantLocalHour } from './local-time.ts';

function emptyStored(): StoredFacts {
  return localStoredFacts(testMessage(), () => false);
}

/** Stored facts where every number is set (none zero, none alike), for facts that must depend on them. */
function busyStored(): StoredFacts {
  let n = 3;
  const next = () => 3 + (n++ % 7);
  const velocity = {} as StoredFacts['velocity'];
  for (const entity of VELOCITY_ENTITIES) {
    const count = {} as Record<(typeof VELOCITY_WINDOWS)[number], number>;
    const amountCents = {} as Record<(typeof VELOCITY_WINDOWS)[number], number>;
    for (const w of VELOCITY_WINDOWS) {
      count[w] = next();
      amountCents[w] = next();
    }
    velocity[entity] = { count, amountCents };
  }
  return {
    ...emptyStored(),
    velocity,
    deviceSmall10m: next(),
    ipSmall10m: next(),
    nearThreshold24h: next(),
    merchantsPerPayer24h: next(),
    payersPerMerchant1h: next(),
    devicesPerWallet24h: next(),
    deviceNew: true,
    profile: { count: next(), sumCents: next(), sumSquaresUsd: next(), maxCents: next(), refunds: next(), last: { lat: 31.2, lon: 121.5, at: T0 - 60_000 } },
    merchant: { sales: next(), refunds: next() },
  };
}

describe('LOCAL_FACTS', () => {
  it('are the same whatever the velocity state holds: only the message and the lists decide them', () => {
    const message = testMessage({ usd: 640, location: { lat: 13.75, lon: 100.5 } });
    const lists = { payerCountrySanctioned: true, merchantCountrySanctioned: false, mccHighRisk: true, deviceBlocked: false, walletBlocked: true, blockedBy: 'device' };
    const empty = { ...emptyStored(), lists };
    const busy = { ...busyStored(), lists };
    const a = buildFacts(message, empty, 7.12) as unknown as Record<string, unknown>;
    const b = buildFacts(message, busy, 7.12) as unknown as Record<string, unknown>;
    for (const name of LOCAL_FACTS) expect(a[name], name).toEqual(b[name]);
    // Everything else does depend on the store (so the test above can tell).
    const stored = Object.keys(FACTS).filter((name) => !LOCAL_FACTS.has(name) && a[name] === b[name]);
    expect(stored).toEqual([]);
  });

  it('localStoredFacts asks the lists for the members the facts script uses, with no history', () => {
    const asked: string[] = [];
    const stored = localStoredFacts(testMessage({ participant: 'siam-wallet', walletId: 'w-9', deviceId: 'd-9', merchantCountry: 'KP' }), (list, member) => {
      asked.push(`${list} ${member}`);
      return list === 'sanctioned-countries' && member === 'KP';
    });
    expect(asked.sort()).toEqual(['blocked-devices siam-wallet:d-9', 'blocked-wallets siam-wallet:w-9', 'high-risk-mccs 5812', 'sanctioned-countries KP', 'sanctioned-countries TH'].sort());
    expect(stored.lists).toEqual({ payerCountrySanctioned: false, merchantCountrySanctioned: true, mccHighRisk: false, deviceBlocked: false, walletBlocked: false, blockedBy: '' });
    expect(stored.profile.count).toBe(0);
    expect(stored.velocity.payer.count['1m']).toBe(0);
  });
});

describe('buildFacts', () => {
  it('gives every catalogued fact a value of its declared type, and nothing else', () => {
    const facts = buildFacts(testMessage(), emptyStored(), 7.12) as unknown as Record<string, unknown>;
    expect(Object.keys(facts).sort()).toEqual(Object.keys(FACTS).sort());
    for (const [name, def] of Object.entries(FACTS)) expect(typeof facts[name], name).toBe(def.type);
  });

  it('computes the profile, z-score and spike ratio from count, sum, sum of squares and maximum', () => {
    const amounts = [20, 35.5, 18, 42, 27.25, 30];
    const stored = emptyStored();
    stored.profile = {
      count: amounts.length,
      sumCents: amounts.reduce((s, a) => s + a * 100, 0),
      sumSquaresUsd: amounts.reduce((s, a) => s + a * a, 0),
      maxCents: 4200,
      refunds: 3,
    };
    const facts = buildFacts(testMessage({ usd: 90 }), stored, 7.12);
    expect(facts['payer.profile.count']).toBe(6);
    expect(facts['payer.profile.meanUsd']).toBeCloseTo(mean(amounts), 9);
    expect(facts['payer.profile.stdDevUsd']).toBeCloseTo(sampleStandardDeviation(amounts), 9);
    expect(facts['payer.amountZScore']).toBeCloseTo(zScore(90, mean(amounts), sampleStandardDeviation(amounts)), 9);
    expect(facts['payer.amountToMax']).toBeCloseTo(90 / 42, 9);
    expect(facts['payer.refunds.ratio.30d']).toBe(0.5);
  });

  it('has no z-score without two payments of history, and floors the deviation at one dollar', () => {
    const one = emptyStored();
    one.profile = { ...one.profile, count: 1, sumCents: 5000, sumSquaresUsd: 2500, maxCents: 5000 };
    expect(buildFacts(testMessage({ usd: 500 }), one, 7.12)['payer.amountZScore']).toBe(0);
    const same = emptyStored();
    same.profile = { ...same.profile, count: 4, sumCents: 20000, sumSquaresUsd: 10000, maxCents: 5000 };
    expect(buildFacts(testMessage({ usd: 53 }), same, 7.12)['payer.amountZScore']).toBeCloseTo(3, 9);
  });

  it('measures travel from the last approved location, at least a minute apart', () => {
    const stored = emptyStored();
    stored.profile.last = { lat: 31.2304, lon: 121.4737, at: T0 - 30 * 60_000 };
    const facts = buildFacts(testMessage({ at: T0, location: { lat: 13.7563, lon: 100.5018 } }), stored, 7.12);
    expect(facts['payer.travel.km']).toBeGreaterThan(2800);
    expect(facts['payer.travel.km']).toBeLessThan(2950);
    expect(facts['payer.travel.minutes']).toBe(30);
    expect(facts['payer.travel.kmh']).toBeCloseTo(facts['payer.travel.km'] * 2, 6);
    expect(buildFacts(testMessage({ location: null }), stored, 7.12)['payer.travel.kmh']).toBe(0);
  });

  it('totals the day and counts near-threshold payments, this one included when it is a payment', () => {
    const stored = emptyStored();
    stored.velocity.payer.amountCents['24h'] = 800_000;
    stored.nearThreshold24h = 2;
    const payment = buildFacts(testMessage({ usd: 9_000 }), stored, 7.12);
    expect(payment['payer.dailyTotal.usd']).toBe(17_000);
    expect(payment['payer.dailyTotal.cny']).toBeCloseTo(17_000 * 7.12, 6);
    expect(payment['structuring.count.24h']).toBe(3);
    const refund = buildFacts(testMessage({ usd: 9_000, messageType: 'refund' }), stored, 7.12);
    expect(refund['structuring.count.24h']).toBe(2);
    expect(refund['payer.dailyTotal.usd']).toBe(8_000);
  });

  it('takes a CNY amount as it is and converts others at the configured rate', () => {
    expect(buildFacts(testMessage({ usd: 100 }), emptyStored(), 7.12)['amount.cny']).toBe(712);
    expect(buildFacts(testMessage({ usd: 100, merchantCountry: 'SG' }), emptyStored(), 7.2)['amount.cny']).toBeCloseTo(720, 9);
  });
});

describe('geography and time', () => {
  it('measures Shanghai to Beijing as about 1,068 km', () => {
    expect(haversineKm({ lat: 31.2304, lon: 121.4737 }, { lat: 39.9042, lon: 116.4074 })).toBeCloseTo(1067, -1);
  });

  it('never divides by less than a minute', () => {
    expect(travel({ lat: 0, lon: 0 }, 1000, { lat: 0, lon: 1 }, 1000).kmh).toBeCloseTo(111.2 * 60, -1);
  });

  it('tells the merchant local hour from the country, -1 when unknown', () => {
    expect(merchantLocalHour('CN', Date.UTC(2025, 0, 1, 18, 30))).toBe(2);
    expect(merchantLocalHour('TH', Date.UTC(2025, 0, 1, 18, 30))).toBe(1);
    expect(merchantLocalHour('KR', Date.UTC(2025, 0, 1, 14, 59))).toBe(23);
    expect(merchantLocalHour('ZZ', Date.UTC(2025, 0, 1, 14, 59))).toBe(-1);
    for (const inherited of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(merchantLocalHour(inherited, Date.UTC(2025, 0, 1, 14, 59)), inherited).toBe(-1);
    }
  });

  it('places the structuring band at 80% to under 100% of the threshold', () => {
    expect(isNearThreshold(7_999.99, 7_999.99 * 7.12)).toBe(false);
    expect(isNearThreshold(8_000, 8_000 * 7.12)).toBe(true);
    expect(isNearThreshold(9_999.99, 9_999.99 * 7.12)).toBe(true);
    expect(isNearThreshold(10_000, 10_000 * 7.12)).toBe(false);
  });
});

describe('docs/rules.md', () => {
  it('documents every fact', () => {
    const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
    const missing = Object.keys(FACTS).filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
