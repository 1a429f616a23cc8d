import type { Money } from '../../../domain/transaction.ts';
import { amountBetween, SPIKE_FACTOR, usdOf } from './money.ts';
import { spotIn, walletAndCity } from './places.ts';
import type { ScenarioContext, ScenarioMerchant, ScenarioPayment, ScenarioVariant } from './scenario.ts';
import { gapForAtMost, labelled, payment, spacedTimes } from './steps.ts';

/**
 * Scenarios that need a payer with a history: a few ordinary payments in one city first
 * (labelled, not to be flagged), then the payment that breaks the pattern. History
 * payments are spaced under the one-minute limits and spread over the city's merchants.
 */

const HISTORY_USD = { from: 15, to: 90 } as const;

interface History {
  payer: ReturnType<ScenarioContext['ids']['payer']>;
  city: ScenarioMerchant[];
  where: ReturnType<typeof spotIn>;
  steps: ScenarioPayment[];
  lastAtMs: number;
  largestUsd: number;
}

function ordinaryHistory(context: ScenarioContext, count: number, typology: ScenarioVariant['typology']): History {
  const { random, ids, fx, limits } = context;
  const { wallet, merchants: city } = walletAndCity(context, 2);
  const payer = ids.payer(wallet);
  const where = spotIn(random, city[0]!, 3);
  const gap = gapForAtMost(Math.min(limits.payerPerMinute, limits.devicePerMinute));
  const times = spacedTimes(random, count, gap, gap + 5000);
  const steps = times.map((atMs, i) => {
    const merchant = city[i % city.length]!;
    return payment(context, {
      atMs,
      payer,
      merchant,
      amount: amountBetween(fx, random, merchant.currency, HISTORY_USD.from, HISTORY_USD.to),
      location: where,
      label: labelled(typology, false),
    });
  });
  const largestUsd = Math.max(...steps.map((s) => usdOf(fx, s.amount)));
  return { payer, city, where, steps, lastAtMs: times.at(-1) ?? 0, largestUsd };
}

/** The merchant of the city where a bigger purchase is most believable. */
function biggestShop(city: readonly ScenarioMerchant[]): ScenarioMerchant {
  const rank = ['5944', '5732', '5309', '7011', '5311', '5699', '5977'];
  const ranked = [...city].sort((a, b) => score(a) - score(b));
  return ranked[0]!;
  function score(m: ScenarioMerchant): number {
    const i = rank.indexOf(m.mcc);
    return i < 0 ? rank.length : i;
  }
}

/**
 * Amount spike: enough ordinary payments for a profile, then one far above the largest
 * of them (more than 1.5x, z-score far above 3), still an everyday purchase in size.
 */
export const amountSpike: ScenarioVariant = {
  typology: 'amount-spike',
  name: 'after-history',
  weight: 1,
  requests: (limits) => limits.spikeHistory + 2,
  generate(context) {
    const { random, fx, limits } = context;
    const history = ordinaryHistory(context, limits.spikeHistory + 1, 'amount-spike');
    const shop = biggestShop(history.city);
    const floorUsd = Math.max(limits.spikeMinUsd * 1.3, history.largestUsd * SPIKE_FACTOR * 2);
    const amount: Money = amountBetween(fx, random, shop.currency, floorUsd, floorUsd * 2.5);
    const spike = payment(context, {
      atMs: history.lastAtMs + 20_000 + random.next() * 40_000,
      payer: history.payer,
      merchant: shop,
      amount,
      location: history.where,
      label: labelled('amount-spike', usdOf(fx, amount) > SPIKE_FACTOR * history.largestUsd),
    });
    return [...history.steps, spike];
  },
};

/** Account takeover: a couple of ordinary payments, then a high amount from a phone (and IP) the wallet never used. */
export const newDeviceHighAmount: ScenarioVariant = {
  typology: 'account-takeover',
  name: 'new-device-high-amount',
  weight: 2,
  requests: () => 3,
  generate(context) {
    const { random, ids, fx, limits } = context;
    const history = ordinaryHistory(context, 2, 'account-takeover');
    const shop = biggestShop(history.city);
    const amount = amountBetween(fx, random, shop.currency, limits.newDeviceHighUsd * 1.3, limits.newDeviceHighUsd * 4);
    const takeover = payment(context, {
      atMs: history.lastAtMs + 20_000 + random.next() * 60_000,
      payer: history.payer,
      merchant: shop,
      deviceId: ids.device(),
      ip: ids.ip(),
      amount,
      location: spotIn(random, shop, 4),
      label: labelled('account-takeover', true),
    });
    return [...history.steps, takeover];
  },
};

/** The control: a new phone paying an ordinary amount is a person who changed phones, not a takeover. */
export const newDeviceOrdinary: ScenarioVariant = {
  typology: 'account-takeover',
  name: 'new-phone-ordinary-amount',
  weight: 1,
  requests: () => 3,
  generate(context) {
    const { random, ids, fx } = context;
    const history = ordinaryHistory(context, 2, 'account-takeover');
    const merchant = random.pick(history.city);
    const changedPhone = payment(context, {
      atMs: history.lastAtMs + 20_000 + random.next() * 60_000,
      payer: history.payer,
      merchant,
      deviceId: ids.device(),
      amount: amountBetween(fx, random, merchant.currency, HISTORY_USD.from, HISTORY_USD.to),
      location: history.where,
      label: labelled('account-takeover', false),
    });
    return [...history.steps, changedPhone];
  },
};
